"""Tokens of agency names: words (acronyms with their "&" and "-" kept whole: "NN&PTNT",
"LĐ-TB&XH") and punctuation, each with its offsets, folded form and lower-case form. A line break
and a table's "|" are tokens too, so no name runs across them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.vntext import canonical_tones, fold, has_diacritics

_TOKEN = re.compile(r"\w+(?:[&\-]\w+)*|[,;:.()\-–&/|\n]")  # "|" and line breaks end every name


@dataclass(frozen=True)
class Tok:
    text: str
    start: int
    end: int
    folded: str
    low: str  # lower case, one tone convention
    plain: bool = False  # the text it comes from was typed without diacritics

    def is_word(self, word: tuple[str, str]) -> bool:
        """Same word: diacritic-exact ("Bảo" is not "Báo", "Quan" is not "quận"), or folded when
        the whole text was typed without diacritics."""
        return self.low == word[0] or (self.plain and self.folded == word[1])

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def acronym(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 2 and all(c.isupper() for c in letters)


def words(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((t.low, t.folded) for t in tokenize(text))


def at_seq(toks: list[Tok], i: int, seq: tuple[tuple[str, str], ...]) -> bool:
    return i + len(seq) <= len(toks) and all(toks[i + n].is_word(w) for n, w in enumerate(seq))


@lru_cache(maxsize=65536)
def _forms(word: str) -> tuple[str, str]:
    return fold(word), canonical_tones(word).lower()


def tokenize(text: str) -> list[Tok]:
    plain = not has_diacritics(text)
    return [Tok(m.group(0), m.start(), m.end(), *_forms(m.group(0)), plain) for m in _TOKEN.finditer(text)]


def canonical_words(text: str, abbreviations: dict[str, str], drop: list[str], program_words: list[str]) -> str:
    """Folded words of a name, acronyms expanded (whole: "nn&ptnt"; else by part), "&" read as
    "và", and words that never tell two bodies apart removed."""
    out_words: list[str] = []
    for tok in tokenize(text):
        f = tok.folded
        if f in abbreviations:
            out_words += abbreviations[f].split()
        elif "&" in f or "-" in f:
            for part in re.split(r"([&\-])", f):
                if part == "&":
                    out_words.append("va")
                elif part and part != "-":
                    out_words += abbreviations.get(part, part).split()
        elif f == "&":
            out_words.append("va")
        elif re.fullmatch(r"\w+", f):
            out_words.append(f)
    out = " ".join(out_words)
    for d in (*drop, *program_words):
        out = re.sub(rf"(?<!\w){re.escape(d)}(?!\w)", " ", out)
    return " ".join(out.split())
