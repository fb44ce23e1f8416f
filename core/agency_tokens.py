"""Tokens of agency names: words (acronyms with their "&" and "-" kept whole: "NN&PTNT",
"LĐ-TB&XH") and punctuation, each with its offsets, folded form and lower-case form. A line break
and a table's "|" are tokens too, so no name runs across them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from core.vntext import canonical_tones, fold, has_diacritics

_TOKEN = re.compile(r"\w+(?:[&\-]\w+)*|[,;:.()\-–&/|\n]")  # "|" and line breaks end every name
_WORD = re.compile(r"\w+")

Word = tuple[str, str]  # (lower case with one tone convention, folded)
Seq = tuple[Word, ...]


class Tok:
    """One token. A plain class with slots rather than a frozen dataclass: every parse makes one
    per token of its text (most of the grammar's cost was building them), and what depends only
    on the word (forms, capitals, acronym) is computed once per distinct word (`_forms`)."""

    __slots__ = ("text", "start", "end", "plain", "folded", "low", "cap", "acronym", "word")

    def __init__(
        self,
        text: str,
        start: int,
        end: int,
        plain: bool,
        folded: str,
        low: str,
        cap: bool,
        acronym: bool,
        word: bool,
    ) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.plain = plain  # the text it comes from was typed without diacritics
        self.folded = folded
        self.low = low  # lower case, one tone convention
        self.cap = cap  # starts with a capital
        self.acronym = acronym  # two letters or more, all capitals
        self.word = word  # letters and digits only (no "&", "-", punctuation)

    def is_word(self, word: Word) -> bool:
        """Same word: diacritic-exact ("Bảo" is not "Báo", "Quan" is not "quận"), or folded when
        the whole text was typed without diacritics."""
        return self.low == word[0] or (self.plain and self.folded == word[1])

    def __repr__(self) -> str:
        return f"Tok({self.text!r}, {self.start}, {self.end})"


class SeqTable(list[Seq]):
    """Word sequences, longest first, with an index by first folded word: a lookup tries only the
    sequences that start with the token's folded word, in the table's order, so the same one wins
    as when trying every sequence whose first folded word is the token's."""

    def __init__(self, seqs: Iterable[Seq]) -> None:
        super().__init__(sorted(seqs, key=len, reverse=True))
        if not all(self):
            raise ValueError("an agency grammar word list holds an entry with no word")
        self.by_first: dict[str, list[Seq]] = {}
        for seq in self:
            self.by_first.setdefault(seq[0][1], []).append(seq)


def words(text: str) -> Seq:
    return tuple((t.low, t.folded) for t in tokenize(text))


def at_seq(toks: list[Tok], i: int, seq: Seq) -> bool:
    """Do the words of `seq` start at token i (each `Tok.is_word`)?"""
    if i + len(seq) > len(toks):
        return False
    for n, (low, folded) in enumerate(seq):
        t = toks[i + n]
        if t.low != low and not (t.plain and t.folded == folded):
            return False
    return True


@lru_cache(maxsize=65536)
def _forms(word: str) -> tuple[str, str, bool, bool, bool]:
    """What a token's fields hold that depends only on its text."""
    letters = [c for c in word if c.isalpha()]
    acronym = len(letters) >= 2 and all(c.isupper() for c in letters)
    return fold(word), canonical_tones(word).lower(), word[:1].isupper(), acronym, _WORD.fullmatch(word) is not None


def tokenize(text: str) -> list[Tok]:
    plain = not has_diacritics(text)
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        start, end = m.span()
        out.append(Tok(word, start, end, plain, *_forms(word)))
    return out


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
