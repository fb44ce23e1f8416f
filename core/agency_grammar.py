"""The grammar of Vietnamese agency names, so agencies never listed anywhere are still recognised.

A name is HEAD [NAME] [LEVEL] ("Sở" "Dân tộc và Tôn giáo" "tỉnh"; "Kho bạc Nhà nước" "Kon Tum"),
possibly led by the person heading it ("Giám đốc Sở X" → Sở X). Local governments are
UNIT-HEAD UNIT-TYPE PLACE ("UBND huyện Mường Khương"), a named unit distinct from the plural
"UBND các huyện", which may itself enumerate named units ("UBND các huyện: Nho Quan, Gia Viễn").
Enumerable heads take a list ("Giám đốc các Sở: Tài chính, Xây dựng"): one match per item.
Every match carries a canonical key (folded, acronyms expanded, "&" = "và", level words unified)
that is the body's identity; the words themselves come from a data file.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

from core.agency_tokens import Seq, SeqTable, Tok, canonical_words, tokenize
from core.agency_tokens import at_seq as _at_seq
from core.agency_tokens import words as _words
from core.agency_units import GrammarMatch, UnitGrammar
from core.places import Gazetteer
from core.vntext import fold, nfc

_NAME_WORD = re.compile(r"[\w&\-]+")


class AgencyGrammar(UnitGrammar):
    """Compiled from agency_grammar.json; `parse(text)` lists every grammatical agency name."""

    def __init__(self, data: dict[str, Any], provinces: list[str], surnames: list[str] = ()) -> None:  # type: ignore[assignment]
        self.heads: list[tuple[tuple[tuple[str, str], ...], dict[str, Any]]] = []
        for entry in data["heads"]:
            for form in entry["head"]:
                self.heads.append((_words(form), entry))
        self.heads.sort(key=lambda h: -len(h[0]))
        self._heads_by_first: dict[str, list[tuple[Seq, dict[str, Any]]]] = {}
        for head in self.heads:
            self._heads_by_first.setdefault(head[0][0][1], []).append(head)
        self.titles = SeqTable(_words(x) for x in data["titles"])
        self.unit_heads = SeqTable(_words(x) for x in data["unit_heads"])
        self.unit_types = {tuple(fold(k).split()): v for k, v in data["unit_types"].items()}
        self.collective_units = {tuple(fold(k).split()): v for k, v in data["collective_units"].items()}
        self.level_words = {tuple(t.folded for t in tokenize(k).toks): v for k, v in data["level_words"].items()}
        self.level_seqs = SeqTable(_words(k) for k in data["level_words"])
        self.stop_index: dict[str, list[tuple[tuple[str, str], ...]]] = {}
        for seq in sorted((_words(x) for x in data["stop"]), key=len, reverse=True):
            self.stop_index.setdefault(seq[0][1], []).append(seq)
        self.enumerable_heads = [form for e in data["heads"] if e.get("enumerable") for form in e["head"]]
        self.plural = fold(data["plural"])
        self.dashes = {fold(x) for x in data["dashes"]}
        self.joiners = {fold(x) for x in data["joiners"]} | self.dashes
        self.unit_type_text = {fold(k): k for k in data["unit_types"]}
        self.provincial_unit = data["provincial_unit"]
        self.appositions = SeqTable(_words(x) for x in data["appositions"])
        self.program_phrases = SeqTable(_words(x) for x in data["program_phrases"])
        self.abbreviations = {fold(k): v for k, v in data["abbreviations"].items()}
        self.drop = [fold(d) for d in data["drop"]]
        self.program_words = sorted((fold(w) for w in data["program_words"]), key=len, reverse=True)
        self.provinces = {fold(p) for p in provinces}
        self.surnames = {nfc(x).lower() for x in surnames}
        self.upper_heads = {form.split()[0] for e in data["heads"] for form in e["head"] if form.split()[0].isupper()}
        self.province_cities = {fold(c) for c in data["province_cities"]}
        self.items: list[tuple[tuple[str, str], ...]] = []
        seqs = [h[0] for h in self.heads] + self.titles + self.unit_heads + self.level_seqs + self.program_phrases
        self._unit_type_list = sorted(
            ((_words(k), v) for k, v in data["unit_types"].items()), key=lambda kv: -len(kv[0])
        )
        self._unit_first = {seq[0][1] for seq, _ in self._unit_type_list}
        self._unit_types_by_low: dict[str, list[Any]] = {}
        for unit_type in self._unit_type_list:
            self._unit_types_by_low.setdefault(unit_type[0][0][0], []).append(unit_type)
        self._first = {seq[0][1] for seq in seqs if seq}  # folded first words, to skip other tokens fast
        # a name can start only at one of these (what `_at` tests first): `parse` skips every other token
        self._starts = self._first | {self.plural} | self._unit_first
        self._province_prefixes = {
            p[:n] for p in self.provinces for n in range(len(p) + 1) if n == len(p) or p[n] == " "
        }
        self._canon = lru_cache(maxsize=16384)(self._canon_words)  # names recur in every document

    def _canon_words(self, text: str, program: bool) -> str:
        return canonical_words(text, self.abbreviations, self.drop, self.program_words if program else [])

    def canon(self, text: str, program: bool = False) -> str:
        """Folded words of a name with acronyms expanded and joiners unified ("NN&PTNT" =
        "Nông nghiệp và Phát triển nông thôn"); a program body's program words dropped."""
        return self._canon(text, program)

    # --- parsing --------------------------------------------------------------------------
    def parse(self, text: str, question: bool = False) -> list[GrammarMatch]:
        """Every agency name in `text` by grammar, left to right, non-overlapping. The methods
        below read token positions and return matches spanning tokens `start:end`; here those
        become character offsets."""
        toks, starts, ends = tokenize(nfc(text))
        out: list[GrammarMatch] = []
        i = 0  # the first token after the last match
        for n in self._may_start(toks, question):
            if n >= i and (found := self._at(toks, n, question)):
                out += [m.spanning(starts[m.start], ends[m.end - 1]) for m in found]
                i = found[-1].end
        return out

    def _seq(self, toks: list[Tok], i: int, seqs: SeqTable) -> int:
        """Length of the longest word sequence of `seqs` at position i (0 if none)."""
        if i >= len(toks) or toks[i].folded not in self._first:
            return 0
        for seq in seqs.by_first.get(toks[i].folded, ()):
            if _at_seq(toks, i, seq):
                return len(seq)
        return 0

    def _head(self, toks: list[Tok], i: int) -> tuple[int, dict[str, Any]] | None:
        if i >= len(toks) or toks[i].folded not in self._first:
            return None
        for seq, entry in self._heads_by_first.get(toks[i].folded, ()):
            if _at_seq(toks, i, seq):
                return len(seq), entry
        return None

    def _stops(self, toks: list[Tok], i: int) -> bool:
        """Does a word that ends a name (a function word, the verb after a subject) start at i?
        Diacritic-exact ("giáo" is not "giao"), folded only in text typed without diacritics."""
        if i >= len(toks):
            return False
        return any(_at_seq(toks, i, seq) for seq in self.stop_index.get(toks[i].folded, ()))

    def _province_at(self, toks: list[Tok], i: int) -> int:
        """Length of a province name ending a capitalised run at i ("Sở Y tế Thái Nguyên")."""
        return self._province_len(toks, i)

    def _starts_name(self, toks: list[Tok], i: int) -> bool:
        """Does a new agency (head, unit head or title) start at i?"""
        if self._head(toks, i) or self._seq(toks, i, self.unit_heads):
            return True
        n = self._seq(toks, i, self.titles)  # "Chánh Văn phòng …" but not "Lang Chánh"
        return (
            bool(n)
            and i + n < len(toks)
            and bool(
                self._head(toks, i + n) or self._seq(toks, i + n, self.unit_heads) or toks[i + n].folded == self.plural
            )
        )

    def _may_start(self, toks: list[Tok], question: bool) -> list[int]:
        """The tokens where `_at` could find a name: not unless the token's word starts one and it
        is capitalised (or in a question typed without diacritics), the plural, or a unit type,
        which is what `_at` tests before anything else (most words that start a name somewhere
        are lower-case words here: "xây", "báo", "của"); every other token is skipped."""
        first, units, plural = self._starts, self._unit_first, self.plural
        return [
            n
            for n, t in enumerate(toks)
            if t.folded in first and (t.cap or (question and t.plain) or t.folded == plural or t.folded in units)
        ]

    def _at(self, toks: list[Tok], i: int, question: bool) -> list[GrammarMatch]:
        """The agency (or agencies, for a list) starting at token i, led by an optional title."""
        if toks[i].folded not in self._first and toks[i].folded != self.plural and not self._unit_type(toks, i):
            return []
        # names are capitalised, in documents and in questions typed with diacritics; a question
        # typed without them ("kho bac nha nuoc") is read case-insensitively
        ok = lambda t: t.cap or (question and t.plain)  # noqa: E731
        if i and self._province_len(toks, i - 1) > 1:
            return []  # "Phòng" of "Hải Phòng" is no head
        person = ""
        j = i
        n = self._seq(toks, j, self.titles)
        if n and ok(toks[j]):
            person = " ".join(t.text for t in toks[j : j + n])
            j += n
        plural = j < len(toks) and toks[j].folded == self.plural
        k = j + 1 if plural else j
        if k >= len(toks) or (not person and not plural and not ok(toks[k]) and not self._unit_type(toks, k)):
            return []
        n = self._seq(toks, k, self.unit_heads)
        if n and ok(toks[k]):
            after_plural = k + n < len(toks) and toks[k + n].folded == self.plural
            return self._unit(toks, i, k + n + after_plural, plural or after_plural, person, question)
        if plural and self._unit_type(toks, k):
            return self._unit(toks, i, k, True, person, question)
        if not plural and (bare := self._bare_unit(toks, i, k, question)):
            return bare
        head = self._head(toks, k)
        listing = plural and head is not None and k + head[0] < len(toks) and toks[k + head[0]].text == ":"
        if head is None or not (ok(toks[k]) or listing):  # "Giám đốc các sở: Tài chính, …"
            return []
        n, entry = head
        if plural:
            return self._enumeration(toks, i, k + n, entry, person) if entry.get("enumerable") else []
        return self._body(toks, i, k, n, entry, person, question)

    def _name(self, toks: list[Tok], k: int, question: bool, nested: bool = True) -> int:
        """Length of the NAME at k: capitalised words and acronyms with their lower-case
        syllables, joined by "và", "&", "-" before another capitalised word."""
        n = 0
        lower_run = 0
        while k + n < len(toks):
            t = toks[k + n]
            if n == 0 and nested and (t.cap or question and t.plain):
                inner = self._seq(toks, k, self.unit_heads) or (self._head(toks, k) or (0, None))[0]
                if inner:
                    n = inner
                    continue
            if (t.cap or t.acronym) and _NAME_WORD.fullmatch(t.text):
                if n and self._starts_name(toks, k + n):
                    break
                joined = n and toks[k + n - 1].folded in self.joiners  # "Văn hóa - Xã hội"
                if self._seq(toks, k + n, self.level_seqs) and not joined or self._province_at(toks, k + n):
                    break
                if n and t.low in self.surnames and k + n + 1 < len(toks) and toks[k + n + 1].cap:
                    break  # "Phó Giám đốc Sở LĐ-TB&XH Đặng Văn Dũng": a person's name follows
                n += 1
                lower_run = 0
                continue
            if n and t.folded in self.joiners and k + n + 1 < len(toks):
                nxt = toks[k + n + 1]
                apposition = t.folded in self.dashes and self._seq(
                    toks, k + n + 1, self.appositions
                )  # "… - Cơ quan thường trực"
                level = self._seq(toks, k + n + 1, self.level_seqs) and not (
                    nxt.cap and self.level_words.get((nxt.folded,)) != "tỉnh"
                )  # "Xã hội"
                if (nxt.cap or nxt.acronym) and not apposition and not self._starts_name(toks, k + n + 1) and not level:
                    n += 1
                    continue
                break
            if n and lower_run == 0 and toks[k + n - 1].acronym:
                break  # an acronym is a whole name part: "Sở NN&PTNT kiêm …"
            if (
                (n or (question and t.plain))
                and t.word
                and not self._stops(toks, k + n)
                and not self._province_at(toks, k + n)
                and lower_run < 6
            ):
                n += 1
                lower_run += 1
                continue
            break
        return n

    def _program(self, toks: list[Tok], j: int) -> int:
        """Length of the program's own words after a program body ("Chương trình MTQG xây dựng NTM")."""
        n = 0
        while m := self._seq(toks, j + n, self.program_phrases):
            n += m
        return n

    def _program_prefix(self, toks: list[Tok], j: int) -> bool:
        """Does the text at j begin a program phrase it does not finish ("… Điều phối Chương")?"""
        return j < len(toks) and any(toks[j].is_word(seq[0]) for seq in self.program_phrases)

    def _level(self, toks: list[Tok], k: int, entry: dict[str, Any]) -> tuple[int, str, str]:
        """(length, level, place words kept in the identity) of a LEVEL after a name; the
        province itself ("tỉnh Bình Phước", "Kon Tum", "Thành phố") is the default level."""
        n = self._seq(toks, k, self.level_seqs)
        if n and toks[k].cap and self.level_words[tuple(t.folded for t in toks[k : k + n])] != "tỉnh":
            n = 0  # "Sở Y tế Xã Yên Thành": a capitalised district or commune word starts a new column
        if n:
            words = " ".join(t.folded for t in toks[k : k + n])
            level = self.level_words[tuple(words.split())]
            p = self._place(toks, k + n)
            place = " ".join(t.folded for t in toks[k + n : k + n + p])
            if level == "tỉnh" and not (p and words == "thanh pho" and not self._is_province(words, place)):
                return n + (p if place in self.provinces else 0), "tỉnh", ""  # "tỉnh Trần Văn A": a person
            if level == "tỉnh":
                level = "huyện"
            return n + p, level, place
        p = self._place(toks, k)
        if p and " ".join(t.folded for t in toks[k : k + p]) in self.provinces:
            return p, "tỉnh", ""
        return 0, entry["level"], ""

    def _body(
        self, toks: list[Tok], i: int, k: int, n: int, entry: dict[str, Any], person: str, question: bool
    ) -> list[GrammarMatch]:
        if toks[k].plain and (entry["name"] != "none" or n < 2):
            return []  # typed without diacritics, "so", "ban", "bao", "phong" are mostly other words
        head_text = entry.get("canonical") or " ".join(t.text for t in toks[k : k + n])
        j = k + n
        program = bool(entry.get("program"))
        name_len = 0 if entry["name"] == "none" else self._program(toks, j) if program else 0
        if entry["name"] != "none" and not (program and self._program_prefix(toks, j + name_len)):
            name_len += self._name(toks, j + name_len, question)
        if entry["name"] == "required" and not name_len:
            if entry.get("place_named") and (p := self._place(toks, j)):
                name_len = p
            elif not (entry.get("place_named") and self._seq(toks, j, self.level_seqs)):
                return []
        name_text = " ".join(t.text for t in toks[j : j + name_len])
        j += name_len
        lv_len, level, place = self._level(toks, j, entry)
        if entry.get("level_required") and not lv_len:
            return []
        if entry.get("place_named") and name_len and fold(name_text) in self.provinces:
            name_text, level = "", "tỉnh"
        end = j + lv_len
        key = self.canon(f"{head_text} {name_text}", program=bool(entry.get("program")))
        if level != entry["level"]:
            key += f" {fold(level)}"
        if place:
            key += f" {place}"
        display = " ".join(x for x in (head_text, name_text) if x)
        if level != entry["level"] or place:
            display += " " + " ".join(t.text for t in toks[j : j + lv_len])
        elif level == "tỉnh" and entry["level"] == "tỉnh" and lv_len and not head_text.startswith("Sở"):
            display += " tỉnh"
        caps = toks[k].text.isupper() and len(toks[k].text) > 1 and toks[k].text not in self.upper_heads
        return [GrammarMatch(i, end, key, display, level, False, person, caps=caps)]

    def _enumeration(self, toks: list[Tok], i: int, j: int, entry: dict[str, Any], person: str) -> list[GrammarMatch]:
        """ "các Sở: Tài chính, Xây dựng, Nông nghiệp và Môi trường" → one match per Sở; the
        list items are names under the same head."""
        head_text = entry.get("canonical") or " ".join(t.text for t in toks[j - 1 : j])
        if j < len(toks) and toks[j].text == ":":
            j += 1
        elif j < len(toks) and not toks[j].cap:
            return []
        if self._starts_name(toks, j):
            return []  # "các Ban Hội đồng nhân dân tỉnh": the sub-bodies of one body, not a list
        out: list[GrammarMatch] = []
        start = i
        while j < len(toks):
            n = self._item(toks, j)
            if not n:
                break
            name = " ".join(t.text for t in toks[j : j + n])
            key = self.canon(f"{head_text} {name}")
            caps = toks[j].text.isupper() and len(toks[j].text) > 1
            out.append(
                GrammarMatch(
                    start,
                    j + n,
                    key,
                    f"{head_text} {name}",
                    entry["level"],
                    False,
                    person,
                    True,
                    caps,
                )
            )
            j += n
            if (
                j + 1 < len(toks)
                and toks[j].text in (",", ";")
                and toks[j + 1].cap
                and not self._starts_name(toks, j + 1)
            ):
                j += 1
            elif (
                j + 1 < len(toks)
                and toks[j].folded in self.joiners
                and toks[j + 1].cap
                and not self._starts_name(toks, j + 1)
            ):
                j += 1
            else:
                break
            start = j
        return out

    def _item(self, toks: list[Tok], j: int) -> int:
        """One list item: a known multi-word sector name when one fits ("Nông nghiệp và Phát
        triển nông thôn"), else one capitalised word with its lower-case syllables."""
        for seq in self.items:
            if _at_seq(toks, j, seq):
                return len(seq)
        if j >= len(toks) or not toks[j].cap or not toks[j].word:
            return 0
        n = 1
        while j + n < len(toks) and n < 5 and toks[j + n].word and not toks[j + n].cap and not self._stops(toks, j + n):
            n += 1
        return n

    def learn_items(self, names: list[str]) -> None:
        """Known names under an enumerable head ("Tài chính", "Kế hoạch và Đầu tư"), longest first."""
        seqs = {_words(n) for n in names if n.strip()}
        self.items = sorted(seqs, key=len, reverse=True)


def load_grammar(places: Gazetteer) -> AgencyGrammar:
    """The packaged grammar, knowing the gazetteer's provinces (every spelling and abbreviation);
    read by `core.knowledge.Knowledge.load`, once per process."""
    data = json.loads(resources.files("core").joinpath("data/agency_grammar.json").read_text("utf-8"))
    provinces = [s for name in places.names() for s in (*places.spellings(name), *places.abbreviations(name))]
    names = resources.files("core").joinpath("data/surnames.txt").read_text("utf-8")
    surnames = [line.strip() for line in names.splitlines() if line.strip() and not line.startswith("#")]
    return AgencyGrammar(data, provinces, surnames)
