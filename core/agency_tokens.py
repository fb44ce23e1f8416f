"""Tokens of agency names: words (acronyms with their "&" and "-" kept whole: "NN&PTNT",
"LĐ-TB&XH") and punctuation, each with its offsets, folded form and lower-case form. A line break
and a table's "|" are tokens too, so no name runs across them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate, repeat
from typing import NamedTuple

from core.vntext import canonical_tones, fold, has_diacritics

_TOKEN = re.compile(r"\w+(?:[&\-]\w+)*|[,;:.()\-–&/|\n]")  # "|" and line breaks end every name
_SPLIT = re.compile(f"({_TOKEN.pattern})")  # the same tokens, with the text between them
_WORD = re.compile(r"\w+")

Word = tuple[str, str]  # (lower case with one tone convention, folded)
Seq = tuple[Word, ...]


class Tok:
    """One token's word: what the grammar reads of it, without its place in the text (offsets are
    `Tokens.starts` / `Tokens.ends`). One object per distinct word (`_tok`), shared by every text
    that holds it: building an object per token of every parsed text was most of the grammar's
    cost. Never modified."""

    __slots__ = ("text", "plain", "folded", "low", "cap", "acronym", "word")

    def __init__(self, text: str, plain: bool) -> None:
        letters = [c for c in text if c.isalpha()]
        self.text = text
        self.plain = plain  # the text it comes from was typed without diacritics
        self.folded = fold(text)
        self.low = canonical_tones(text).lower()  # lower case, one tone convention
        self.cap = text[:1].isupper()  # starts with a capital
        self.acronym = len(letters) >= 2 and all(c.isupper() for c in letters)  # two capitals or more
        self.word = _WORD.fullmatch(text) is not None  # letters and digits only (no "&", "-", punctuation)

    def is_word(self, word: Word) -> bool:
        """Same word: diacritic-exact ("Bảo" is not "Báo", "Quan" is not "quận"), or folded when
        the whole text was typed without diacritics."""
        return self.low == word[0] or (self.plain and self.folded == word[1])

    def __repr__(self) -> str:
        return f"Tok({self.text!r})"


class Tokens(NamedTuple):
    """A text's tokens and where each is: `toks[n]` spans `starts[n]:ends[n]`."""

    toks: list[Tok]
    starts: list[int]
    ends: list[int]


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
    return tuple((t.low, t.folded) for t in tokenize(text).toks)


def at_seq(toks: list[Tok], i: int, seq: Seq) -> bool:
    """Do the words of `seq` start at token i (each `Tok.is_word`)?"""
    if i + len(seq) > len(toks):
        return False
    for n, (low, folded) in enumerate(seq):
        t = toks[i + n]
        if t.low != low and not (t.plain and t.folded == folded):
            return False
    return True


_tok = lru_cache(maxsize=65536)(Tok)  # the shared token of a word (in a text typed with or without diacritics)


def tokenize(text: str) -> Tokens:
    """The tokens of `text` (the matches of `_TOKEN`, left to right) and their offsets, found by
    one split and summed lengths rather than one match object per token."""
    plain = not has_diacritics(text)
    parts = _SPLIT.split(text)  # text between tokens, token, text between, …, token, text after
    offsets = list(accumulate(map(len, parts), initial=0))  # offsets[n]: where parts[n] starts
    found = parts[1::2]
    n = len(found)
    return Tokens(list(map(_tok, found, repeat(plain))), offsets[1 : 2 * n : 2], offsets[2 : 2 * n + 1 : 2])


def canonical_words(text: str, abbreviations: dict[str, str], drop: list[str], program_words: list[str]) -> str:
    """Folded words of a name, acronyms expanded (whole: "nn&ptnt"; else by part), "&" read as
    "và", and words that never tell two bodies apart removed."""
    out_words: list[str] = []
    for tok in tokenize(text).toks:
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
