"""The agency registry: one data file of canonical agencies with their short forms and the
spellings seen in real documents, used by chunk tagging, extraction and query parsing alike.

Matching is done on case- and diacritic-folded text so "Sờ Tài chính" (a tone typo) and
"so tai chinh" (typed without accents) find Sở Tài chính; the longest alias wins at each place.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ingest.vntext import fold, fold_aligned


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    level: str  # tỉnh | huyện | xã | trung ương
    aliases: tuple[str, ...]
    collective: bool = False
    members: tuple[str, ...] = ()
    query_aliases: tuple[str, ...] = ()  # loose names used only when reading questions


@dataclass(frozen=True)
class AgencyMention:
    agency_id: str
    surface: str
    start: int
    end: int


@dataclass
class AgencyRegistry:
    agencies: dict[str, Agency]
    _patterns: dict[bool, tuple[re.Pattern[str], dict[str, str]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._patterns = {loose: self._compile(loose) for loose in (False, True)}

    def _compile(self, loose: bool) -> tuple[re.Pattern[str], dict[str, str]]:
        by_alias: dict[str, str] = {}
        for agency in self.agencies.values():
            names = (agency.name, *agency.aliases, *(agency.query_aliases if loose else ()))
            for alias in names:
                key = _alias_key(alias)
                if key:
                    by_alias.setdefault(key, agency.id)
        body = "|".join(_alias_regex(a) for a in sorted(by_alias, key=len, reverse=True))
        return re.compile(rf"(?<![\w&])(?:{body})(?![\w&])"), by_alias

    def find(self, text: str, question: bool = False) -> list[AgencyMention]:
        """Every agency mention in `text`, left to right, longest alias first. `question=True`
        also accepts the loose names people use when asking ("ngành nông nghiệp")."""
        pattern, by_alias = self._patterns[question]
        folded = fold_aligned(text)
        out = []
        for m in pattern.finditer(folded):
            agency_id = by_alias.get(_alias_key(m.group(0)))
            if agency_id:
                out.append(AgencyMention(agency_id, text[m.start() : m.end()], m.start(), m.end()))
        return out

    def ids_in(self, text: str, question: bool = False) -> list[str]:
        """Distinct agency ids named in `text`, in order of first mention."""
        seen: dict[str, None] = {}
        for mention in self.find(text, question):
            seen.setdefault(mention.agency_id, None)
        return list(seen)

    def get(self, agency_id: str) -> Agency:
        return self.agencies[agency_id]

    def resolve(self, name: str) -> Agency | None:
        """The agency a user typed (any alias, with or without accents), or None."""
        mentions = self.find(name, question=True)
        if mentions:
            return self.agencies[max(mentions, key=lambda m: m.end - m.start).agency_id]
        return self.agencies.get(name)

    def members_of(self, agency_id: str) -> list[str]:
        """Concrete agencies a collective addressee covers ("các sở, ngành" → every sở)."""
        agency = self.agencies[agency_id]
        out: list[str] = []
        for member in agency.members:
            if member.startswith("*"):
                level = member[1:]
                out += [a.id for a in self.agencies.values() if a.level == level and not a.collective]
            else:
                out.append(member)
        return out


def _alias_key(alias: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\s*([&,\-–])\s*", r"\1", fold(alias))).strip()


def _alias_regex(key: str) -> str:
    """Regex for a folded alias that tolerates spacing around '&', ',' and '-'."""
    parts = []
    for ch in key:
        if ch == " ":
            parts.append(r"\s+")
        elif ch in "&,-–":
            parts.append(r"\s*[" + re.escape("&,-–") + r"]\s*" if ch in "-–" else r"\s*" + re.escape(ch) + r"\s*")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


@cache
def load_registry() -> AgencyRegistry:
    """The packaged registry (read once, on first use)."""
    raw = json.loads(resources.files("ingest").joinpath("data/agencies.json").read_text("utf-8"))
    agencies = {
        a["id"]: Agency(
            id=a["id"],
            name=a["name"],
            level=a["level"],
            aliases=tuple(a.get("aliases", ())),
            collective=bool(a.get("collective", False)),
            members=tuple(a.get("members", ())),
            query_aliases=tuple(a.get("query_aliases", ())),
        )
        for a in raw["agencies"]
    }
    return AgencyRegistry(agencies)
