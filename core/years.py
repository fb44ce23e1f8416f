"""Years and periods as the documents and questions write them ("năm 2025", "2021-2025").

One definition of what a year looks like — four digits 1900–2099 — so that the question planner,
the evidence scorer and the target extractor agree on it. Each caller composes `YEAR` with the
context it means (a year standing alone, one not inside a written date, a period of two years).
"""

from __future__ import annotations

import re

YEAR = r"(?:19|20)\d\d"
# A four-digit year not part of a longer number ("2025", but not "12025" or "20251").
YEAR_RE = re.compile(rf"(?<!\d)({YEAR})(?!\d)")
# The same, but not the year of a written date or a cited number ("10/7/2019", "15/2019/QĐ").
FREE_YEAR_RE = re.compile(rf"(?<![\d/])({YEAR})(?!\d)")
# Two years joined by a dash: a period ("2021-2025", "2016 – 2020"); groups are the two years.
PERIOD = rf"{YEAR}\s*[-–]\s*{YEAR}"
PERIOD_RE = re.compile(rf"(?<!\d)({YEAR})\s*[-–]\s*({YEAR})(?!\d)")


def is_year(value: str) -> bool:
    """Is the whole of `value` a year ("2025"; not "2025," or "4.051")?"""
    return re.fullmatch(YEAR, value) is not None


_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
_PART_YEAR = rf"\d+ tháng (?:đầu |cuối )?năm {YEAR}"  # "6 tháng đầu năm 2024"
_WHOLE_YEARS = rf"giai đoạn {PERIOD}|{PERIOD}|năm {YEAR}|\b{YEAR}\b"
_STATED = re.compile(rf"({_DATE}|{_PART_YEAR}|{_WHOLE_YEARS})")
_STATED_WHOLE_YEARS = re.compile(rf"({_DATE}|{_WHOLE_YEARS})")


def stated_period(*texts: str, part_years: bool = True) -> str:
    """The time a target is for, as the first of `texts` that states one writes it: a date, a
    period, "năm 2025" or a year — and with `part_years` a part of a year ("6 tháng đầu năm 2024";
    a table's header and caption are read without it, as the table extractor always has)."""
    pattern = _STATED if part_years else _STATED_WHOLE_YEARS
    for text in texts:
        m = pattern.search(text)
        if m:
            return m.group(1)
    return ""
