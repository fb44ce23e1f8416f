"""Contrast classes: closed sets of mutually exclusive categories the programme's documents use
(administrative levels, recognition levels of new rural areas, kinds of public capital, budget
levels, OCOP ratings; `contrast_sets` in data/question_cues.json, each with its legal source).

Why: a question that names one member of a class asks about that member, and a sentence that
names another member of the same class but not the asked one speaks of something else — the
"vốn sự nghiệp" figure does not answer "bao nhiêu vốn đầu tư phát triển", a per-commune grant
("5 tỷ đồng/xã") does not answer "hỗ trợ bao nhiêu cho một huyện". Lexical coverage cannot see
this: the sentence shares the question's other words. The planner records the contrast once
(`QueryPlan.contrasts`); evidence scoring asks `conflicts(text, contrast)` of each sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from core.vntext import canonical_tones, fold, has_diacritics, nfc

# (asked member, ((form, member) ...), left context) — the class's forms with diacritics and the
# words that must come right before a form for it to count ("" = anywhere), as the plan carries it
Contrast = tuple[str, tuple[tuple[str, str], ...], str]


@lru_cache(maxsize=4096)  # a question is lowered once for all its classes, not once per class
def _lower(text: str) -> str:
    return canonical_tones(nfc(text)).lower()


@lru_cache(maxsize=256)
def _scanner(forms: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation, longest form first, so "thị xã" is read before "xã"; and form → member.
    Built once per class and spelling (every sentence of every question reuses it)."""
    by_form = dict(forms)
    ordered = sorted(by_form, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in ordered) + r")(?!\w)"), by_form


def _named_after(original: str, end: int) -> bool:
    """A capitalised word right after the match: the member is part of a name ("tỉnh Kon Tum")."""
    rest = original[end : end + 3].lstrip()
    return bool(rest) and rest[0].isupper()


@lru_cache(maxsize=64)
def _context(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{pattern})\s*$")


def members_in(
    text: str, forms: tuple[tuple[str, str], ...], context: str = "", keep_names: bool = False, folded: bool = False
) -> set[str]:
    """The members of one class a text names. `forms` pairs each written form with its member;
    a form followed by a capitalised word names a place or body and is skipped unless
    `keep_names`; with a `context`, only forms right after it count ("5 tỷ đồng/xã", "mỗi xã")."""
    low = fold(text) if folded else _lower(text)
    scanner, by_form = _scanner(forms)
    original = "" if keep_names else nfc(text)
    if len(original) != len(low):  # offsets would not line up: no name test
        original = ""
    found = set()
    for m in scanner.finditer(low):
        if original and _named_after(original, m.end()):
            continue
        if context and not _context(context).search(low[max(0, m.start() - 16) : m.start()]):
            continue
        found.add(by_form[m.group(0)])
    return found - {""}


def conflicts(text: str, contrast: Contrast) -> bool:
    """The text names a rival of the asked member and not the asked member itself."""
    asked, forms, context = contrast
    named = members_in(text, forms, context)
    return bool(named) and asked not in named


@dataclass(frozen=True)
class ContrastClass:
    name: str
    # member → its forms; "=" marks diacritic-exact only; member "" holds the compounds, read and ignored
    members: tuple[tuple[str, tuple[str, ...]], ...]
    context: str = ""  # regex (with diacritics) of the words a member must follow to count; "" = anywhere

    def exact_forms(self) -> tuple[tuple[str, str], ...]:
        return self._spelled[0]

    def folded_forms(self) -> tuple[tuple[str, str], ...]:
        return self._spelled[1]

    @cached_property
    def _spelled(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str, str]:
        """The forms and the context, lower-cased and folded, made once per class: every question
        asks every class (the cache sits in the instance dict, beside the frozen fields)."""
        return (
            tuple((_lower(f.lstrip("=")), member) for member, fs in self.members for f in fs),
            tuple((fold(f), member) for member, fs in self.members for f in fs if not f.startswith("=")),
            _lower(self.context),
            fold(self.context),
        )

    def asked_in(self, question: str) -> Contrast | None:
        """The class's contrast when the question names exactly one member (place names masked by
        the caller); diacritic-exact for a question with diacritics, folded otherwise."""
        exact, folded, exact_context, folded_context = self._spelled
        if has_diacritics(question):
            named = members_in(question, exact, exact_context, keep_names=True)
        else:
            named = members_in(question, folded, folded_context, keep_names=True, folded=True)
        if len(named) != 1:
            return None
        return (named.pop(), exact, exact_context)


@dataclass(frozen=True)
class ContrastSets:
    classes: tuple[ContrastClass, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ContrastSets":
        """`{class name: {member: [forms]}}`; keys starting with "_" are notes."""
        classes = []
        for name, members in data.items():
            if name.startswith("_"):
                continue
            if not isinstance(members, dict) or not members:
                raise ValueError(f"question_cues.json contrast_sets[{name!r}]: expected {{member: [forms]}}")
            compounds = (("", tuple(members.get("_compounds", ()))),)
            named = tuple((m, tuple(fs)) for m, fs in members.items() if not m.startswith("_"))
            classes.append(ContrastClass(name, named + compounds, members.get("_context", "")))
        return cls(tuple(classes))

    def asked_in(self, question: str) -> list[Contrast]:
        """Every class whose one member the question names."""
        found = (c.asked_in(question) for c in self.classes)
        return [c for c in found if c is not None]
