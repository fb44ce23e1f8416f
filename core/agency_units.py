"""Local governments in the agency grammar: UNIT-HEAD UNIT-TYPE PLACE ("UBND huyện Mường Khương"),
a named unit distinct from the plural "UBND các huyện", which may enumerate named units ("UBND
các huyện: Nho Quan, Gia Viễn"); a district named as an actor ("Huyện Đan Phượng hoàn thành …") is
its People's Committee. Mixed into AgencyGrammar, whose word tables it reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from core.agency_tokens import Tok
from core.agency_tokens import at_seq as _at_seq
from core.vntext import fold


@dataclass(frozen=True)
class GrammarMatch:
    start: int  # character offsets in the text parsed (token positions inside the grammar's methods)
    end: int
    key: str  # canonical identity ("so dan toc va ton giao", "uy ban nhan dan huyen muong khuong")
    name: str  # display name ("Sở Dân tộc và Tôn giáo")
    level: str
    unit: bool = False  # a named local government (UBND huyện X)
    person: str = ""  # the title of a person heading it ("Giám đốc")
    in_list: bool = False  # one of several names after a plural ("các huyện: A, B")
    caps: bool = False  # written in capitals (a letterhead or title), where the name grammar is blind

    def spanning(self, start: int, end: int) -> GrammarMatch:
        """The same match at other offsets (what `dataclasses.replace` makes, without its generic cost)."""
        return GrammarMatch(
            start, end, self.key, self.name, self.level, self.unit, self.person, self.in_list, self.caps
        )


class UnitGrammar:
    """The local-government part of AgencyGrammar: its tables and `_starts_name` / `_stops`
    come from AgencyGrammar itself."""

    provinces: set[str]
    _province_prefixes: set[str]  # what a province name's first words can be (folded, space-joined)
    province_cities: set[str]
    unit_types: dict[tuple[str, ...], str]
    _unit_first: set[str]
    _unit_type_list: list[Any]
    _unit_types_by_low: dict[str, list[Any]]  # _unit_type_list by first word (lower case), in its order
    unit_type_text: dict[str, str]
    provincial_unit: list[str]
    joiners: set[str]
    # the name grammar's word tests, defined by AgencyGrammar (declared like its tables)
    _stops: Callable[[list[Tok], int], bool]
    _starts_name: Callable[[list[Tok], int], bool]

    def _bare_unit(self, toks: list[Tok], i: int, k: int, question: bool) -> list[GrammarMatch]:
        """A district or commune named as an actor ("Huyện Đan Phượng hoàn thành …", "phối hợp
        với huyện Đầm Hà") is its People's Committee; a province named so is a place, not an actor."""
        ut = self._unit_type(toks, k)
        if ut is None or ut[1] == "tỉnh":
            return []
        type_words = " ".join(t.folded for t in toks[k : k + ut[0]])
        p = self._place(toks, k + ut[0], False, limit=3)  # capitalised even in questions: "phuong cham" is a motto
        if not p or self._is_province(type_words, " ".join(t.folded for t in toks[k + ut[0] : k + ut[0] + p])):
            return []
        after = k + ut[0] + p
        if after < len(toks) and toks[after].text in (":", "("):
            return []  # "Huyện Tiên Lãng (04 xã): Bạch Đằng, …" heads a list of places
        return self._named_unit(toks, i, k + ut[0], p, type_words, ut[1], "")

    def _unit_type(self, toks: list[Tok], i: int) -> tuple[int, str] | None:
        if i >= len(toks) or toks[i].folded not in self._unit_first:
            return None
        # a token typed with diacritics can only be the first word of the types whose first word
        # it is, diacritic-exact (`Tok.is_word`); one typed without them is tried against all
        t = toks[i]
        for seq, level in self._unit_type_list if t.plain else self._unit_types_by_low.get(t.low, ()):
            if _at_seq(toks, i, seq):  # diacritic-exact: "Quan Sơn" is not "quận"
                return len(seq), level
        return None

    def _province_len(self, toks: list[Tok], i: int) -> int:
        """Length of a province name at i ("Hải Phòng", whose "Phòng" is also a head word)."""
        if 0 <= i < len(toks) and toks[i].folded not in self._province_prefixes:
            return 0  # most words start no province: the joins below are not needed
        for n in (4, 3, 2, 1):
            if (
                i + n <= len(toks)
                and (toks[i].cap or toks[i].plain)
                and " ".join(t.folded for t in toks[i : i + n]) in self.provinces
            ):
                return n
        return 0

    def _place(self, toks: list[Tok], i: int, question: bool = False, limit: int = 4) -> int:
        """Length of a place name at i: capitalised syllables ("Mường Khương", "A Lưới"); typed
        questions may write it in lower case."""
        if (p := self._province_len(toks, i)) and p <= limit:
            return p
        n = 0
        while i + n < len(toks) and n < limit and toks[i + n].word and not self._starts_name(toks, i + n):
            t = toks[i + n]
            if not (t.cap or question and t.plain and not self._stops(toks, i + n) and not t.folded.isdigit()):
                break
            if t.acronym and not toks[i - 1].text.isupper():
                break  # "xã NTM": an acronym is no place name, except in a heading all in capitals
            n += 1
        return n

    def _is_province(self, type_words: str, place: str) -> bool:
        """ "thành phố Hà Nội" is a province; "thành phố Cao Bằng" is a city inside one."""
        return place in self.province_cities if type_words == "thanh pho" else place in self.provinces

    def _unit(
        self, toks: list[Tok], i: int, j: int, plural: bool, person: str, question: bool = False
    ) -> list[GrammarMatch]:
        """UBND huyện X (named); UBND tỉnh; UBND các huyện: A, B (each named)."""
        ut = self._unit_type(toks, j)
        if ut is None:
            return []
        n, level = ut
        type_words = " ".join(t.folded for t in toks[j : j + n])
        k = j + n
        if plural:
            if k < len(toks) and toks[k].text == ":":
                k += 1
            return self._unit_list(toks, i, k, type_words, person)
        p = self._place(toks, k, question)
        place = " ".join(t.folded for t in toks[k : k + p])
        if level == "tỉnh" or type_words == "thanh pho" and (not p or self._is_province(type_words, place)):
            key, name = self.provincial_unit
            return [GrammarMatch(i, k + p, key, name, "tỉnh", False, person)]
        if not p:
            return []
        return self._named_unit(toks, i, k, p, type_words, level, person)

    def _named_unit(self, toks, i, k, p, type_words, level, person) -> list[GrammarMatch]:  # type: ignore[no-untyped-def]
        place = " ".join(t.text for t in toks[k : k + p])
        type_text = self.unit_type_text.get(type_words, type_words)
        key = f"uy ban nhan dan {type_words} {fold(place)}"
        return [GrammarMatch(i, k + p, key, f"UBND {type_text} {place}", level, True, person)]

    def _unit_list(self, toks: list[Tok], i: int, k: int, type_words: str, person: str) -> list[GrammarMatch]:
        """The named units after a plural: "các huyện: Nho Quan, Gia Viễn và thị xã Sơn Tây",
        "các huyện miền núi Mường Lát, Quan Sơn". One capitalised word followed by a verb is the
        task, not a list ("UBND các phường: Duy trì …")."""
        out: list[GrammarMatch] = []
        start = i
        tw = type_words
        level = self.unit_types.get(tuple(tw.split()), "huyện")
        q = 0  # a lower-case qualifier before the names ("miền núi", "vùng cao")
        while q < 3 and k + q < len(toks) and toks[k + q].word and not toks[k + q].cap and not self._stops(toks, k + q):
            q += 1
        if q and self._place(toks, k + q):
            k += q
        while k < len(toks):
            p = self._place(toks, k, limit=3)
            if not p:
                break
            out.append(replace(self._named_unit(toks, start, k, p, tw, level, person)[0], in_list=True))
            k += p
            if k + 1 < len(toks) and toks[k].text == "," and (toks[k + 1].cap or self._unit_type(toks, k + 1)):
                k += 1
            elif k + 1 < len(toks) and toks[k].folded in self.joiners:
                k += 1
            else:
                break
            start = k
            ut = self._unit_type(toks, k)
            if ut and ut[1] != "tỉnh":
                tw, level = " ".join(t.folded for t in toks[k : k + ut[0]]), ut[1]
                k += ut[0]
        if len(out) == 1 and k < len(toks) and toks[k].word:
            return []
        return out
