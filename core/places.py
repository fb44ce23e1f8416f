"""Places gazetteer: provinces (names before and after the 1 July 2025 merger, aliases,
abbreviations), districts and communes → the provinces that have one by that name.

The data is `core/data/places.json`, generated from the maintained `vietnamadminunits` package
(MIT) by `scripts/build_places.py`. A `Gazetteer` is built once (`core.knowledge.Knowledge.load`) and passed
to metadata extraction, query planning and retrieval; nothing is read at import time.

Recognition follows how Vietnamese texts name places: a unit word before the name decides its
level ("tỉnh Quảng Ninh" is a province, "huyện Quảng Ninh" a district of Quảng Bình, "xã Quảng
Long" a commune); proper names are capitalised, so in text with diacritics "hòa bình" (peace) is
not Hòa Bình; text typed without diacritics is matched on its folded form. Spelling variants of
/k/ ("Bắc Cạn", "Đắc Lắc") and tone placement ("Hoà"/"Hòa") match the same name. A district or
commune name can belong to several provinces: every candidate is kept and the caller lets the
text's other places decide.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from core.vntext import canonical_tones, fold, has_diacritics, nfc

PROVINCE, DISTRICT, COMMUNE = "province", "district", "commune"
# Unit words (lower-case, diacritic and folded forms) → the level of the name that follows.
_UNITS: list[tuple[tuple[str, ...], str]] = [
    (("thành", "phố"), "city"),
    (("thanh", "pho"), "city"),
    (("tp",), "city"),
    (("thị", "xã"), DISTRICT),
    (("thi", "xa"), DISTRICT),
    (("thị", "trấn"), COMMUNE),
    (("thi", "tran"), COMMUNE),
    (("đặc", "khu"), COMMUNE),
    (("dac", "khu"), COMMUNE),
    (("tỉnh",), PROVINCE),
    (("tinh",), PROVINCE),
    (("huyện",), DISTRICT),
    (("huyen",), DISTRICT),
    (("quận",), DISTRICT),
    (("quan",), DISTRICT),
    (("xã",), COMMUNE),
    (("xa",), COMMUNE),
    (("phường",), COMMUNE),
    (("phuong",), COMMUNE),
]
_UNIT_FIRST = frozenset(unit[0] for unit, _ in _UNITS)  # a word no unit starts with is no unit word
_MAX_WORDS = 5
# A unit word after a plural determiner is a common noun: "những xã Hưng Yên" are Hưng Yên's
# communes, "các huyện Quảng Ninh" Quảng Ninh's districts (a province name then reads as one).
_PLURAL = frozenset("các những mọi nhiều toàn cac nhung moi nhieu toan".split())
_WORD = re.compile(r"[^\W\d_](?:[\w']*\w)?")


@dataclass(frozen=True)
class PlaceMention:
    start: int
    end: int
    surface: str
    level: str  # province | district | commune
    provinces: tuple[str, ...]  # every province that has a unit of this name at this level
    unit: str = ""  # the unit word written before the name ("tỉnh", "huyện", "TP." …), if any


@lru_cache(maxsize=65536)  # every word of every question is keyed; a text's words are few and repeat
def _spelling_key(text: str) -> str:
    """Matching key: lower-case, one tone convention, /k/ written "c" (not the digraph "kh")."""
    return re.sub(r"k(?!h)", "c", canonical_tones(nfc(text)).lower())


@lru_cache(maxsize=65536)
def _folded_key(text: str) -> str:
    return re.sub(r"k(?!h)", "c", fold(text))


def _unmarked(text: str) -> str:
    """Diacritics removed, case and length kept (abbreviations are matched on this)."""
    return "".join(map(_unmarked_char, text))


@lru_cache(maxsize=4096)
def _unmarked_char(ch: str) -> str:
    return {"đ": "d", "Đ": "D"}.get(ch, unicodedata.normalize("NFD", ch)[0])


class Gazetteer:
    """Lookups over the places data; see the module docstring for how names are recognised."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.source: dict[str, Any] = data["source"]
        self.merger_date: str = data["merger_date"]
        self._provinces = {p["name"]: p for p in data["provinces"]}
        self._parts: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in data["mergers"].items()}
        self._successor = {old: new for new, olds in self._parts.items() for old in olds}
        self._tables: dict[tuple[str, bool], dict[str, tuple[str, ...]]] = {}
        for level, entries in ((DISTRICT, data["districts"]), (COMMUNE, data["communes"])):
            for name, provinces in entries.items():
                if len(name.split()) < 2 or any(ch.isdigit() for ch in name):
                    continue  # "Phường 1", one-syllable names: too ambiguous to place
                self._add(level, name, tuple(provinces))
        self._resolve: dict[str, str] = {}
        for name, p in self._provinces.items():
            for spelling in (name, *p["aliases"]):
                self._add(PROVINCE, spelling, (name,))
                self._resolve[_folded_key(spelling)] = name
            for abbr in p["abbreviations"]:
                self._resolve[_folded_key(abbr)] = name
        self._abbr_rx = self._abbreviation_regex()
        # each table's names by their first word: a word no name starts with starts no mention,
        # and most words of a text are such words (no name is looked up there)
        self._first_words: dict[tuple[str, bool], frozenset[str]] = {
            table: frozenset(key.split(" ")[0] for key in names) for table, names in self._tables.items()
        }

    def _add(self, level: str, name: str, provinces: tuple[str, ...]) -> None:
        for exact, key in ((True, _spelling_key(name)), (False, _folded_key(name))):
            table = self._tables.setdefault((level, exact), {})
            table[key] = tuple(dict.fromkeys((*table.get(key, ()), *provinces)))

    def _abbreviation_regex(self) -> re.Pattern[str]:
        forms = {_unmarked(a): p["name"] for p in self._provinces.values() for a in p["abbreviations"]}
        self._abbr = forms
        alt = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
        return re.compile(rf"(?<![\w&./-])(?:(TP|Tp|tp)\s*\.?\s*)?({alt})(?![\w&-])", re.IGNORECASE)

    @classmethod
    def from_package_data(cls) -> "Gazetteer":
        text = resources.files("core").joinpath("data/places.json").read_text("utf-8")
        return cls(json.loads(text))

    # ---- provinces and the 2025 merger -------------------------------------------------------
    def names(self) -> list[str]:
        """Every province name, before and after the merger."""
        return sorted(self._provinces)

    def spellings(self, name: str) -> list[str]:
        """A province's name and aliases (not its abbreviations)."""
        return [name, *self._provinces[name]["aliases"]]

    def abbreviations(self, name: str) -> list[str]:
        """A province's abbreviations as written ("TT-Huế", "BR-VT", "TP.HCM")."""
        return list(self._provinces[name]["abbreviations"])

    def resolve(self, name: str) -> str:
        """The canonical province for a name, alias, abbreviation or slug ("thua-thien-hue"); ''."""
        key = _folded_key(re.sub(r"[-_]+", " ", name).strip())
        key = re.sub(r"^(?:(?:tinh|thanh pho)\s+|tp\.?\s*)", "", key)
        return self._resolve.get(key) or self._resolve.get(_folded_key(name.strip()), "")

    def successor(self, name: str) -> str:
        """The province a name belongs to since 1 July 2025 ("Bắc Kạn" → "Thái Nguyên")."""
        return self._successor.get(name, name)

    def parts(self, name: str) -> tuple[str, ...]:
        """The old provinces that form a post-merger province (itself included)."""
        return self._parts.get(name, (name,))

    def merger_group(self, name: str) -> tuple[str, ...]:
        """Every province name that covers the same ground as `name` before or after the merger."""
        new = self.successor(name)
        return tuple(dict.fromkeys((name, new, *self.parts(new))))

    def reach(self, names: Iterable[str]) -> set[str]:
        """Every province name the given ones cover across the merger (their merger groups)."""
        return {n for name in names for n in self.merger_group(name)}

    # ---- recognition -------------------------------------------------------------------------
    def mentions(self, text: str, lenient_case: bool = False, bare_districts: bool = False) -> list[PlaceMention]:
        """Provinces, districts and communes named in `text`, in reading order.

        `lenient_case` accepts lower-case names in text with diacritics (typed questions);
        `bare_districts` accepts a capitalised district name without its unit word, when only
        one province has a district by that name (questions say "ở Hải Hà")."""
        text = nfc(text)
        exact = has_diacritics(text)
        words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        keyf = _spelling_key if exact else _folded_key
        keys = [keyf(w) for _, _, w in words]
        found: list[PlaceMention] = []
        i = 0
        while i < len(words):
            unit_len, level = self._unit_at(keys, i)
            mention = None
            if unit_len and i + unit_len < len(words):
                if i > 0 and keys[i - 1] in _PLURAL and level != PROVINCE:
                    mention = self._name_at(text, words, keys, i + unit_len, "", exact, lenient_case, None)
                mention = mention or self._name_at(
                    text, words, keys, i + unit_len, level, exact, lenient_case, words[i][0]
                )
            if mention is None:
                mention = self._name_at(text, words, keys, i, "", exact, lenient_case, None, bare_districts)
                unit_len = 0
            if mention:
                found.append(mention)
                i = next(j for j in range(i, len(words) + 1) if j == len(words) or words[j][0] >= mention.end)
            else:
                i += 1
        found += [m for m in self._abbreviations(text) if not any(f.start < m.end and m.start < f.end for f in found)]
        return sorted(found, key=lambda m: m.start)

    def provinces_in(self, text: str, lenient_case: bool = False) -> list[PlaceMention]:
        return [m for m in self.mentions(text, lenient_case) if m.level == PROVINCE]

    def _unit_at(self, keys: list[str], i: int) -> tuple[int, str]:
        if i >= len(keys) or keys[i] not in _UNIT_FIRST:
            return 0, ""
        for unit, level in _UNITS:
            if tuple(keys[i : i + len(unit)]) == unit:
                return len(unit), level
        return 0, ""

    def _name_at(
        self,
        text: str,
        words: list[tuple[int, int, str]],
        keys: list[str],
        i: int,
        level: str,
        exact: bool,
        lenient_case: bool,
        unit_start: int | None,
        bare_districts: bool = False,
    ) -> PlaceMention | None:
        levels = {
            PROVINCE: [PROVINCE],
            DISTRICT: [DISTRICT],
            COMMUNE: [COMMUNE],
            "city": [PROVINCE, DISTRICT],
            "": [PROVINCE],
        }[level]
        if bare_districts and not level:
            levels = [PROVINCE, DISTRICT]
        if i >= len(keys) or not any(keys[i] in self._first_words.get((lvl, exact), ()) for lvl in levels):
            return None  # no name of these levels starts with this word (the keys are one word each)
        for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            span = words[i : i + n]
            if any(
                words[j + 1][0] - words[j][1] > 3 or "\n" in text[words[j][1] : words[j + 1][0]]
                for j in range(i, i + n - 1)
            ):
                continue  # a name's syllables are adjacent, separated by a space or a hyphen
            key = " ".join(keys[i : i + n])
            for lvl in levels:
                provinces = self._tables.get((lvl, exact), {}).get(key)
                if not provinces:
                    continue
                if exact and not (lenient_case or span[0][2][0].isupper()):
                    continue  # proper names are capitalised: "hòa bình" is not Hòa Bình
                if lvl == DISTRICT and not level and (len(provinces) > 1 or not span[0][2][0].isupper() or not exact):
                    continue
                start = unit_start if unit_start is not None else span[0][0]
                unit = text[unit_start : span[0][0]].strip() if unit_start is not None else ""
                return PlaceMention(start, span[-1][1], text[span[0][0] : span[-1][1]], lvl, provinces, unit)
        return None

    def _abbreviations(self, text: str) -> Iterable[PlaceMention]:
        for m in self._abbr_rx.finditer(_unmarked(text)):
            form = next((f for f in self._abbr if f.lower() == m.group(2).lower()), "")
            written = m.group(2)
            if len(form) < 3 and written != form:
                continue  # two-letter abbreviations only in capitals: "HN", not "hn"
            yield PlaceMention(
                m.start(), m.end(), text[m.start(2) : m.end()], PROVINCE, (self._abbr[form],), m.group(1) or ""
            )


def load_gazetteer() -> Gazetteer:
    """The gazetteer of the packaged data (`core.knowledge.Knowledge.load` builds it once)."""
    return Gazetteer.from_package_data()
