"""What a sentence holds, whatever the question: its matching terms and its kinds of fact.

Evidence scoring reads every sentence of a question's evidence chunks: its terms (for coverage of
the question's words), whether it holds a document number, a date, a person's name, a place, a
figure or a year, which years it names, and whether it states an action ("chủ trì", "triển
khai"). None of that depends on the question, and a question's evidence is mostly sentences no
earlier question read, so ingest computes these facts for each chunk (beside embedding) and
stores them with the chunk's agency readings (core/agency_mentions); retrieval primes a
`SentenceReader` with the stored facts of the chunks it returns. A fact the reader does not hold
is computed as before, so answers are the same with or without stored facts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from core.finders import PersonNames, find_dates
from core.memo import Memo
from core.sentences import evidence_spans
from core.vntext import fold, is_day_month
from core.vntext import terms as match_terms
from core.years import FREE_YEAR_RE, YEAR, YEAR_RE, is_year

# Question words and phrasing that carry no topic (folded): evidence terms leave them out.
QUESTION_WORDS = frozenset(
    "bao nhieu gi nao ai dau sao the nhu may khi luc vay a khong co phai lam duoc hay hoac va cua cac la "
    "nhung mot nay do tai tu theo ve den thi da se cung cho voi trong de ra hoi".split()
)
ACTION_VERBS = re.compile(
    r"\b(chu tri|phoi hop|tham muu|xay dung|ra soat|trien khai|huong dan|kiem tra|bao cao|to chuc|"
    r"hoan thanh|ban hanh|tap trung|day manh|tang cuong|chi dao|de xuat|giao|thuc hien|can|khan truong|tiep tuc)\b"
)
_NUMBER = re.compile(r"(?<![\w/])\d+(?:[.,]\d+)*(?:/\d+)?\s*%?")
_DOCNUM = re.compile(r"\d+[A-Za-z]?(?:/\d{4})?[/-][A-ZĐ]{1,6}")
_PLACE = re.compile(r"\b(huyện|thị xã|thành phố|xã|tỉnh)\s+[A-ZĐÂĂÊÔƠƯ]")

TEXT_KINDS = ("docnum", "date", "person", "place", "quantity", "year")  # kinds read from the text alone
# the set of kinds a stored bit mask stands for (bit i: TEXT_KINDS[i]), one shared set per mask
_KIND_SETS = tuple(
    frozenset(kind for i, kind in enumerate(TEXT_KINDS) if mask >> i & 1) for mask in range(1 << len(TEXT_KINDS))
)
_NO_YEARS: frozenset[int] = frozenset()
_MEMO_SIZE = 16384
_SPANS_SIZE = 1024  # chunk texts


@lru_cache(maxsize=8192)  # a sentence is read by several features, and by list blocks and the register
def evidence_terms(text: str) -> tuple[str, ...]:
    """The matching terms (core.vntext.terms) less the question words: what evidence is scored on."""
    return tuple(match_terms(text, QUESTION_WORDS))


@lru_cache(maxsize=8192)
def has_quantity(text: str) -> bool:
    """A figure that is not just a year, a date or a document number ("263/QĐ-TTg")."""
    for m in _NUMBER.finditer(text):
        value = m.group(0).strip()
        if is_year(value) or re.match(rf"[/-][A-ZĐ]|/{YEAR}", text[m.end() : m.end() + 5]):
            continue
        if is_day_month(value):
            continue
        return True
    return False


class SentenceFacts(NamedTuple):
    terms: tuple[str, ...]  # evidence_terms
    kinds: frozenset[str]  # the TEXT_KINDS the sentence holds
    years: frozenset[int]  # years it names outside dates and document numbers ("2025", not "…/2025")
    action: bool  # states an action (ACTION_VERBS on the folded text)


class SentenceReader:
    """Facts of sentences, remembered (bounded) and primable with the facts ingest stored."""

    def __init__(self, names: PersonNames) -> None:
        self.names = names
        self._memo: Memo[str, SentenceFacts] = Memo(_MEMO_SIZE)
        self._spans: Memo[str, tuple[tuple[int, int], ...]] = Memo(_SPANS_SIZE)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """`evidence_spans(text)` of a chunk's text: its primed sheet's spans when it has one (the
        sheet was made over those same spans), else split here."""
        found = self._spans.get(text)
        return list(found) if found is not None else evidence_spans(text)

    def facts(self, text: str) -> SentenceFacts:
        return self._memo.get_or_compute(text, self.read)

    def holds(self, text: str, kind: str) -> bool:
        """Does `text` hold a fact of this kind (one of TEXT_KINDS)? Read from its remembered
        facts when there are some, else checked alone (a window of text, not a sentence)."""
        found = self._memo.get(text)
        return kind in found.kinds if found is not None else self._holds(text, kind)

    def _holds(self, text: str, kind: str) -> bool:
        if kind == "docnum":
            return bool(_DOCNUM.search(text))
        if kind == "date":
            return bool(find_dates(text))
        if kind == "person":
            return bool(self.names.find(text))
        if kind == "place":
            return bool(_PLACE.search(text))
        if kind == "quantity":
            return has_quantity(text)
        if kind == "year":
            return bool(YEAR_RE.search(text))
        raise ValueError(f"not a kind read from the text alone: {kind!r}")

    def read(self, text: str) -> SentenceFacts:
        """The facts of `text`, computed (not remembered)."""
        return SentenceFacts(
            evidence_terms(text),
            frozenset(kind for kind in TEXT_KINDS if self._holds(text, kind)),
            frozenset(int(y) for y in FREE_YEAR_RE.findall(text)),
            bool(ACTION_VERBS.search(fold(text))),
        )

    def sheet(self, text: str) -> list[list[Any]]:
        """The stored form of a chunk's evidence sentences: [start, end, terms, kinds, years, action]
        per span (terms space-joined; kinds as a bit mask over TEXT_KINDS)."""
        rows: list[list[Any]] = []
        for start, end in evidence_spans(text):
            facts = self.read(text[start:end])
            kinds = sum(1 << i for i, kind in enumerate(TEXT_KINDS) if kind in facts.kinds)
            rows.append([start, end, " ".join(facts.terms), kinds, sorted(facts.years), int(facts.action)])
        return rows

    def prime(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Take a chunk's stored sheet (`sheet`, made by this same code: the caller checks the
        version): `facts` then returns them for its sentences without reading them again."""
        if rows and rows[-1][1] > len(text):  # not this text's sheet
            return
        self._spans.put({text: tuple((start, end) for start, end, *_ in rows)})
        self._memo.put(
            {
                text[start:end]: SentenceFacts(
                    tuple(terms.split(" ")) if terms else (),
                    _KIND_SETS[kinds],
                    frozenset(years) if years else _NO_YEARS,
                    bool(action),
                )
                for start, end, terms, kinds, years, action in rows
            }
        )
