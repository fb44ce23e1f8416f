"""The agency registry: agencies recognised by the grammar of their names (core/agency_grammar),
identified by a canonical key, plus one data file of what the grammar cannot know — short forms
and misspellings seen in real documents, collective addressees and their members, loose names
used only in questions, and the lineage of the 2025 mergers.

A name never seen before gets a stable id derived from its canonical key ("Kho bạc Nhà nước Kon
Tum" → `kho-bac-nha-nuoc`) and is registered as it is read, so every id `find` returns can be
looked up with `get`. Listed aliases are matched on case- and diacritic-folded text ("Sờ Tài
chính", a tone typo; "so tai chinh", typed without accents); the longest name wins at each place.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from core.agency_grammar import AgencyGrammar, GrammarMatch
from core.vntext import fold, fold_aligned

_CACHE_SIZE = 20000


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    level: str  # tỉnh | huyện | xã | trung ương
    aliases: tuple[str, ...]
    collective: bool = False
    members: tuple[str, ...] = ()
    query_aliases: tuple[str, ...] = ()  # loose names used only when reading questions
    predecessors: tuple[str, ...] = ()  # bodies merged into this one (the 2025 reorganisation)
    since: str = ""  # ISO date the merger took effect
    unit: bool = False  # a named local government (UBND huyện X), distinct from its collective
    discovered: bool = False  # first seen in a text, not listed in the data file


@dataclass(frozen=True)
class AgencyMention:
    agency_id: str
    surface: str
    start: int
    end: int
    person: str = ""  # the title of the person heading the agency ("Giám đốc"), when named so


@dataclass
class AgencyRegistry:
    agencies: dict[str, Agency]
    grammar: AgencyGrammar
    _patterns: dict[bool, tuple[re.Pattern[str], dict[str, str]]] = field(init=False, repr=False)
    _by_key: dict[str, str] = field(init=False, repr=False)
    _cache: OrderedDict[tuple[str, bool], list[AgencyMention]] = field(init=False, repr=False)
    _primed: OrderedDict[str, list[list[Any]]] = field(init=False, repr=False)  # see `prime`
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._patterns = {loose: self._compile(loose) for loose in (False, True)}
        self._by_key = {}
        for agency in self.agencies.values():
            for alias in (agency.name, *agency.aliases):
                self._by_key.setdefault(self.key_of(alias), agency.id)
        heads = tuple(f"{h} " for h in self.grammar.enumerable_heads)  # "Giám đốc các Sở: Tài chính, …"
        self.grammar.learn_items(
            [
                alias[len(h) :]
                for a in self.agencies.values()
                for alias in (a.name, *a.aliases)
                for h in heads
                if alias.startswith(h)
            ]
        )
        titles = "|".join(re.escape(" ".join(w[1] for w in t)) for t in self.grammar.titles)
        self._title_before = re.compile(rf"(?<!\w)({titles})\s+$")
        self._cache = OrderedDict()
        self._primed = OrderedDict()

    def _compile(self, loose: bool) -> tuple[re.Pattern[str], dict[str, str]]:
        by_alias: dict[str, str] = {}
        for agency in self.agencies.values():
            names = (agency.name, *agency.aliases, *(agency.query_aliases if loose else ()))
            for alias in names:
                key = _alias_key(alias)
                if key:
                    by_alias.setdefault(key, agency.id)
        return re.compile(rf"(?<![\w&])(?:{_alternation(sorted(by_alias, key=len, reverse=True))})(?![\w&])"), by_alias

    # --- identity ---------------------------------------------------------------------------
    def key_of(self, name: str) -> str:
        """Canonical key of a full name: the grammar's when it reads the whole name as one agency."""
        matches = self.grammar.parse(name.strip(), question=True)
        if len(matches) == 1 and matches[0].start == 0 and matches[0].end >= len(name.strip()):
            return matches[0].key
        return self.grammar.canon(name)

    def _identify(self, match: GrammarMatch) -> str:
        """Id of a grammatical name: the listed agency with that key, else a new one registered now."""
        known = self._by_key.get(match.key)
        if known:
            return known
        agency_id = _slug(match.key)
        if agency_id not in self.agencies:
            self.agencies[agency_id] = Agency(agency_id, match.name, match.level, (), unit=match.unit, discovered=True)
        return agency_id

    # --- finding --------------------------------------------------------------------------
    def find(self, text: str, question: bool = False) -> list[AgencyMention]:
        """Every agency mention in `text`, left to right: listed names and names read by the
        grammar, the longest at each place. `question=True` also accepts the loose names people
        use when asking ("ngành nông nghiệp") and names typed in lower case."""
        cache_key = (text, question)
        with self._lock:  # the web app reads questions on several threads
            hit = self._cache.get(cache_key)
            if hit is not None:
                self._cache.move_to_end(cache_key)
                return hit
            rows = self._primed.get(reading_key(text)) if self._primed and not question else None
            if rows is None:
                found = self._find(text, question)
            else:
                found = [AgencyMention(a, text[s:e], s, e, p) for a, s, e, p in rows]
            self._cache[cache_key] = found
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def _find(self, text: str, question: bool) -> list[AgencyMention]:
        pattern, by_alias = self._patterns[question]
        folded = fold_aligned(text)
        listed = []
        for m in pattern.finditer(folded):
            agency_id = by_alias.get(_alias_key(m.group(0)))
            if agency_id:
                listed.append(AgencyMention(agency_id, text[m.start() : m.end()], m.start(), m.end()))
        parsed = [
            (
                AgencyMention(self._identify(g), text[g.start : g.end], g.start, g.end, g.person),
                g.key in self._by_key or g.in_list,
            )
            for g in self.grammar.parse(text, question)
            if not g.caps or g.key in self._by_key  # capitals hide a name's extent: only listed names
        ]
        chosen: list[tuple[AgencyMention, bool]] = []
        for cand in sorted([(m, True) for m in listed] + parsed, key=lambda c: (c[0].start, -(c[0].end - c[0].start))):
            if chosen and cand[0].start < chosen[-1][0].end:
                chosen[-1] = self._pick(text, chosen[-1], cand, question)
                continue
            chosen.append(cand)
        return [self._with_title(folded, text, m) for m, _ in chosen]

    @staticmethod
    def _pick(
        text: str, a: tuple[AgencyMention, bool], b: tuple[AgencyMention, bool], question: bool
    ) -> tuple[AgencyMention, bool]:
        """Of two overlapping readings, the longer, except that in a document a name nobody listed
        beats a listed one only when what it adds is more name (capitalised words, a list after
        ":"), not the lower-case words that follow a listed name ("Sở Tài chính cân đối …").
        Questions are often typed in lower case, so there the grammar's stop words decide."""
        (long, long_known), (short, short_known) = (a, b) if a[0].end - a[0].start >= b[0].end - b[0].start else (b, a)
        if long_known or not short_known or question:
            return long, long_known
        if long.start < short.start:
            return long, long_known
        m = re.match(r"\s*(?:(?:và|&|:)\s*)?(\w)", text[short.end : long.end])
        return (long, long_known) if m and m.group(1).isupper() else (short, short_known)

    def _with_title(self, folded: str, text: str, mention: AgencyMention) -> AgencyMention:
        """A listed name led by the person heading it ("Chủ tịch UBND các huyện") covers the title."""
        if mention.person:
            return mention
        m = self._title_before.search(folded[max(0, mention.start - 40) : mention.start])
        if not m or not text[mention.start - len(m.group(0))][:1].isupper():
            return mention
        start = mention.start - len(m.group(0))
        return AgencyMention(
            mention.agency_id, text[start : mention.end], start, mention.end, text[start : start + len(m.group(1))]
        )

    def prime(self, readings: dict[str, list[list[Any]]], discovered: list[Agency]) -> None:
        """Take readings of document texts computed earlier (at ingest, by this same code and data:
        core/agency_mentions), keyed by `reading_key(text)`, rows `[id, start, end, person]`:
        `find` then returns them instead of parsing the text again. The names among them that no
        data file lists are registered as `find` registers them."""
        with self._lock:
            for agency in discovered:
                self.agencies.setdefault(agency.id, agency)
            self._primed.update(readings)
            while len(self._primed) > _CACHE_SIZE:
                self._primed.popitem(last=False)

    def knows(self, text: str, question: bool = False) -> bool:
        """Whether `find` has a reading of `text` at hand (remembered, or primed), not to parse."""
        with self._lock:
            return (text, question) in self._cache or (not question and reading_key(text) in self._primed)

    def ids_in(self, text: str, question: bool = False) -> list[str]:
        """Distinct agency ids named in `text`, in order of first mention."""
        seen: dict[str, None] = {}
        for mention in self.find(text, question):
            seen.setdefault(mention.agency_id, None)
        return list(seen)

    def get(self, agency_id: str) -> Agency:
        return self.agencies[agency_id]

    def resolve(self, name: str) -> Agency | None:
        """The agency a user typed (any alias, with or without accents, or a name the grammar
        reads), or None."""
        mentions = self.find(name, question=True)
        if mentions:
            return self.agencies[max(mentions, key=lambda m: m.end - m.start).agency_id]
        return self.agencies.get(name)

    # --- collectives and lineage -----------------------------------------------------------
    def members_of(self, agency_id: str) -> list[str]:
        """Concrete agencies a collective addressee covers ("các sở, ngành" → every sở; "UBND các
        huyện" → every named district government registered so far)."""
        agency = self.agencies[agency_id]
        out: list[str] = []
        for member in agency.members:
            if member[:1] in "*@":
                out += [a.id for a in list(self.agencies.values()) if _covers(member, a)]
            else:
                out.append(member)
        return out

    def collectives_of(self, agency_id: str) -> list[str]:
        """Collective addressees whose tasks `agency_id` shares ("giao chung")."""
        agency = self.agencies.get(agency_id)
        if agency is None or agency.collective:
            return []
        return [
            c.id
            for c in list(self.agencies.values())
            if c.collective and any(m == agency_id or m[:1] in "*@" and _covers(m, agency) for m in c.members)
        ]

    def predecessors_of(self, agency_id: str) -> list[str]:
        agency = self.agencies.get(agency_id)
        return list(agency.predecessors) if agency else []

    def successors_of(self, agency_id: str) -> list[str]:
        return [a.id for a in list(self.agencies.values()) if agency_id in a.predecessors]


def reading_key(text: str) -> str:
    """The key a stored reading of `text` is filed under (64 bits of BLAKE2b)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _covers(spec: str, agency: Agency) -> bool:
    """'*tỉnh': every body of that level; '@huyện': every named local government of that level."""
    if agency.collective or agency.level != spec[1:]:
        return False
    return agency.unit if spec[0] == "@" else not agency.unit


def _slug(key: str) -> str:
    return re.sub(r"\s+", "-", key.replace("uy ban nhan dan", "ubnd").strip())


@lru_cache(maxsize=65536)  # called for every candidate span of every sentence an answer scores
def _alias_key(alias: str) -> str:
    """Folded alias with one dash ("–" is "-") and no spaces around joiners."""
    return re.sub(r"\s+", " ", re.sub(r"\s*([&,\-])\s*", r"\1", fold(alias).replace("–", "-"))).strip()


def _alternation(keys: list[str]) -> str:
    """The aliases' regexes as one alternation that reads the same as `"|".join` of them, grouped
    by first letter ("s(?:o tai chinh|o y te)|u(?:bnd …)"): at a place only the aliases beginning
    with its letter can match, and those keep their order, so the same one matches first (and the
    same next one after a failed end check); the regex engine then skips the other groups at one
    test each instead of testing every alias (~2.5× faster on documents)."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        first = key[0] if key[0] not in " &,-–" and key[0].isalnum() else ""  # not a literal: no group
        groups.setdefault(first, []).append(key)
    parts = []
    for first, members in groups.items():
        if first:
            parts.append(re.escape(first) + "(?:" + "|".join(_alias_regex(k[1:]) for k in members) + ")")
        else:
            parts += [_alias_regex(k) for k in members]
    return "|".join(parts)


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


def load_registry(grammar: AgencyGrammar) -> AgencyRegistry:
    """The packaged registry read with `grammar`; read by `core.knowledge.Knowledge.load`, once per
    process (the registry learns agencies the grammar reads in texts, so one instance is shared)."""
    raw = json.loads(resources.files("core").joinpath("data/agencies.json").read_text("utf-8"))
    agencies = {
        a["id"]: Agency(
            id=a["id"],
            name=a["name"],
            level=a["level"],
            aliases=tuple(a.get("aliases", ())),
            collective=bool(a.get("collective", False)),
            members=tuple(a.get("members", ())),
            query_aliases=tuple(a.get("query_aliases", ())),
            predecessors=tuple(a.get("predecessors", ())),
            since=a.get("since", ""),
        )
        for a in raw["agencies"]
    }
    return AgencyRegistry(agencies, grammar)
