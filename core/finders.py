"""Finders of dates, person names and province spellings in running text, shared by metadata
reading at ingest and by evidence scoring at query time (one definition of each). The person-name
finder holds data (the surname list, the gazetteer's province spellings): `PersonNames.load` builds
it once, in `core.knowledge.Knowledge.load`, and it is passed in like the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from core.places import Gazetteer
from core.vntext import fold

_DAY_MONTH_YEAR = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?![\d/])")
_PARTIAL_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")


@dataclass(frozen=True)
class FoundDate:
    value: date | None  # None when the year is not known
    day: int
    month: int
    start: int
    end: int
    has_year: bool


def province_names(places: Gazetteer) -> dict[str, str]:
    """Folded spelling → canonical province name, every alias included (from the gazetteer)."""
    return {fold(spelling): name for name in places.names() for spelling in places.spellings(name)}


def load_surnames() -> frozenset[str]:
    """The packaged family names (`data/surnames.txt`)."""
    text = resources.files("core").joinpath("data/surnames.txt").read_text("utf-8")
    return frozenset(s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#"))


def safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str) -> list[FoundDate]:
    """Dates in reading order: full ones ("17 tháng 02 năm 2014", "10/7/2019") and day/month ones."""
    return list(_find_dates(text))


@lru_cache(maxsize=8192)  # evidence scoring asks the same sentences again
def _find_dates(text: str) -> tuple[FoundDate, ...]:
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for rx in (_DAY_MONTH_YEAR, _NUMERIC_DATE):
        for m in rx.finditer(text):
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            value = safe_date(y, mo, d)
            if value and 1900 < y < 2100:
                found.append(FoundDate(value, d, mo, m.start(), m.end(), True))
                taken.append((m.start(), m.end()))
    for m in _PARTIAL_DATE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        d, mo = int(m.group(1)), int(m.group(2))
        if 1 <= d <= 31 and 1 <= mo <= 12:
            found.append(FoundDate(None, d, mo, m.start(), m.end(), False))
    return tuple(sorted(found, key=lambda f: f.start))


_UPPER = r"[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ]"
_LOWER = r"[a-zđàáảãạâấầẩẫậăắằẳẵặèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]"
_PERSON_WORD = _UPPER + _LOWER + "+"  # a capitalised Vietnamese syllable


_NOT_GIVEN_NAMES = frozenset(
    "Chủ Tịch Trưởng Ban Chỉ Giám Đốc Bí Thư Sở Ủy Phòng Thường Tỉnh Huyện Xã Phố Cục Bộ Đảng "
    "Chương Trình Nông Thôn Mặt Trận".split()
)


class PersonNames:
    """Person names in running text: a known family name followed by 1–3 capitalised given-name
    syllables, not a province's name ("Hà Giang")."""

    def __init__(self, surnames: frozenset[str], provinces: dict[str, str]) -> None:
        self.surnames = surnames
        self.provinces = provinces  # folded spelling → province (province_names)
        family = "|".join(sorted(map(re.escape, surnames), key=len, reverse=True))
        self._rx = re.compile(rf"(?<!\w)(?:{family})(?:\s+{_PERSON_WORD}){{1,3}}(?!\w)")
        self._remembered = lru_cache(maxsize=8192)(self._find)  # scoring reads a sentence several times

    @classmethod
    def load(cls, places: Gazetteer) -> PersonNames:
        """The packaged surnames, and the gazetteer's province spellings."""
        return cls(load_surnames(), province_names(places))

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(name, start, end) of each person name, in reading order."""
        return list(self._remembered(text))

    def _find(self, text: str) -> tuple[tuple[str, int, int], ...]:
        out = []
        for m in self._rx.finditer(text):
            words = m.group(0).split()
            while len(words) > 1 and words[-1] in _NOT_GIVEN_NAMES:
                words.pop()
            name = " ".join(words)
            if len(words) < 2 or any(w in _NOT_GIVEN_NAMES for w in words[1:]) or fold(name) in self.provinces:
                continue
            out.append((name, m.start(), m.start() + len(name)))
        return tuple(out)
