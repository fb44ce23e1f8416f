"""Where a document states who chaired the meeting it reports and when it took place.

A conclusion notice or a news report opens with the meeting: "Ngày 21/10/2025, tại Trụ sở UBND
tỉnh, đồng chí Lưu Văn Thịnh, Phó Chủ tịch UBND tỉnh … chủ trì Hội nghị …". The metadata stage
already knows the chair's name and the event date; this finds the sentence that states them, so
an answer can quote it exactly.
"""

from __future__ import annotations

import re
from datetime import date

from core.header_facts import Fact
from core.sentences import MEETING, sentence_spans

_LEAD_CHARS = 3000  # the meeting is stated in the lead


def sentences(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """[start, end) of each sentence (core.sentences, rule MEETING; a line break ends one too),
    leading white space left out."""
    out = []
    for block in re.finditer(r"[^\n]+", text[:limit] if limit else text):
        out += [(block.start() + s, block.start() + e) for s, e in sentence_spans(block.group(0), MEETING)]
    return [(s + (len(text[s:e]) - len(text[s:e].lstrip())), e) for s, e in out if text[s:e].strip()]


def presided_fact(text: str, name: str) -> Fact | None:
    """The first sentence naming `name` together with "chủ trì" (else the first naming them)."""
    if not name:
        return None
    spans = [(s, e) for s, e in sentences(text) if name in text[s:e]]
    chaired = [(s, e) for s, e in spans if re.search(r"chủ trì", text[s:e], re.IGNORECASE)]
    best = (chaired or spans)[:1]
    return Fact(name, best[0][0], best[0][1]) if best else None


def event_fact(text: str, iso: str) -> Fact | None:
    """The lead sentence that dates the event; value: the date as that sentence writes it
    ("21/10/2025", "17/02", "ngày 08 tháng 9 năm 2017"), detail: the ISO date."""
    try:
        when = date.fromisoformat(iso)
    except ValueError:
        return None
    patterns = [
        rf"(?<![\d/])0?{when.day}[/.\-]0?{when.month}(?:[/.\-]\d{{4}})?(?![\d/])",
        rf"(?<!\d)0?{when.day}\s+tháng\s+0?{when.month}(?:\s+năm\s+\d{{4}})?(?!\d)",
    ]
    for s, e in sentences(text, _LEAD_CHARS):
        for p in patterns:
            m = re.search(p, text[s:e], re.IGNORECASE)
            if m:
                return Fact(m.group(0), s, e, detail=iso)
    return None


def official_date(iso: str) -> str:
    """A date as administrative documents write it (Nghị định 30/2020/NĐ-CP): day always two
    digits, month two digits only for January and February — "05/3/2019", "21/02/2023"."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return ""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"{d.day:02d}/{month}/{d.year}"
