"""Vietnamese text normalisation shared by indexing and querying.

Stored text is NFC with one tone-mark convention (the "old" placement: hóa, thủy, ủy, khỏe), so
that the same word always has the same code points. Matching additionally folds diacritics
(`fold`) so that questions typed without accents still find accented text; what is shown to the
user keeps its diacritics.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from functools import lru_cache

# Combining tone marks (the five tones besides "ngang").
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# Vowels that carry a quality mark (â ă ê ô ơ ư) take the tone when present.
_MARKED_VOWELS = set("âăêôơư")
_VOWELS = set("aăâeêioôơuưy")
_WORD_RE = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _split_tone(syllable: str) -> tuple[str, str]:
    """Return the syllable with its tone removed (NFC) and the tone mark ('' for none)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = ""
    kept = []
    for ch in decomposed:
        if ch in _TONES:
            tone = tone or ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone in a toneless syllable, old-style placement."""
    low = base.lower()
    start = 0
    if low.startswith("qu") and len(low) > 2 and low[2] in _VOWELS:
        start = 2
    elif low.startswith("gi") and len(low) > 2 and low[2] in _VOWELS:
        start = 2
    else:
        while start < len(low) and low[start] not in _VOWELS:
            start += 1
    end = start
    while end < len(low) and low[end] in _VOWELS:
        end += 1
    if start == end:
        return None
    nucleus = range(start, end)
    marked = [i for i in nucleus if low[i] in _MARKED_VOWELS]
    if marked:
        return marked[-1]  # "ươ" → ơ; single marked vowel otherwise
    has_coda = end < len(low)
    size = end - start
    if size == 1:
        return start
    if has_coda:
        return end - 1  # hoàng, thuyết, khoắn
    if size == 3:
        return start + 1  # oai, uyu
    return start  # old style: hóa, thủy, mái, múa


@lru_cache(maxsize=65536)
def canonical_syllable(word: str) -> str:
    """Place the tone mark of one word by the old convention; non-Vietnamese words pass through."""
    base, tone = _split_tone(word)
    if not tone or not base.isalpha():
        return word
    pos = _tone_position(base)
    if pos is None:
        return word
    placed = base[: pos + 1] + tone + base[pos + 1 :]
    return unicodedata.normalize("NFC", placed)


def canonical_tones(text: str) -> str:
    """NFC text with every syllable's tone mark in the project's single convention."""
    text = nfc(text)
    return _WORD_RE.sub(lambda m: canonical_syllable(m.group(0)), text)


def normalize_text(text: str) -> str:
    """Normalise text for storage: NFC, one tone convention, spaces unified (newlines kept)."""
    text = canonical_tones(text)
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    text = re.sub(r"[ \t\f\v\u2000-\u200a\u202f\u205f\u3000]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return text.strip()


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.translate(_FOLD_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower-case, diacritic-free form used only for matching (never for display)."""
    return _fold_lowered(nfc(text).lower())


def _fold_lowered(low: str) -> str:
    """`fold` of text already NFC and lower-cased."""
    if low.isascii():  # nothing to fold
        return low
    if max(low) <= "\uffff":
        return low.translate(_fold_table())
    return fold_by_words(low)


def fold_by_words(low: str) -> str:
    """`fold` of lower-cased NFC text, word by word (the definition; characters outside the
    Basic Multilingual Plane take this way)."""
    return _WORD_RE.sub(lambda m: _fold_word(m.group(0)), low)


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Every word character of the Basic Multilingual Plane that folding changes, and what it
    becomes. A word's fold is its characters' folds (NFD decomposes each character on its own, and
    every combining mark is dropped), so one `str.translate` does what the word-by-word
    definition does, ~5× faster (tests/test_vntext.py checks every character)."""
    table: dict[int, str] = {}
    for code in range(0x10000):
        ch = chr(code)
        if _WORD_RE.fullmatch(ch):
            decomposed = unicodedata.normalize("NFD", ch.translate(_FOLD_TABLE))
            folded = "".join(c for c in decomposed if not unicodedata.combining(c))
            if folded != ch:
                table[code] = folded
    return table


def has_diacritics(text: str) -> bool:
    low = nfc(text).lower()  # once: the agency grammar asks this of every text it parses
    return _fold_lowered(low) != low


_TOKEN_RE = re.compile(r"\d+(?:[.,/]\d+)*%?|\w+", re.UNICODE)


def syllables(text: str) -> list[str]:
    """Lower-case syllable tokens with diacritics; numbers like 4.051, 31,64% and 96/96 stay whole."""
    return _TOKEN_RE.findall(canonical_tones(text).lower())


def folded_syllables(text: str) -> list[str]:
    """`syllables`, folded. Tone placement is not canonicalised first: it only moves a tone mark
    between the vowels of one word, folding drops every mark, and the word's letters (so the token
    boundaries) stay the same, so the result is that of folding `syllables` (tests/test_vntext.py)
    at half the cost: every sentence evidence scoring and BM25 read goes through here."""
    return [_fold_word(tok) for tok in _TOKEN_RE.findall(nfc(text).lower())]


def terms(text: str, stop: AbstractSet[str] = frozenset()) -> list[str]:
    """The one tokenizer of matching: folded syllables not in `stop`, then every folded syllable
    bigram (stop words included). Vietnamese words are mostly two syllables ("kế hoạch"), so the
    bigrams give back much of the precision folding gives up. BM25 (index and query, with its stop
    list) and evidence scoring (with the question words) both read text through it; a BM25 index
    stores these terms, so changing them means rebuilding indexes."""
    syl = folded_syllables(text)
    grams = [f"{a}_{b}" for a, b in zip(syl, syl[1:], strict=False)]
    return [s for s in syl if s not in stop] + grams


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = _fold_word(ch.lower())
    return folded if len(folded) == 1 else ch.lower()


def fold_aligned(text: str) -> str:
    """`fold` that keeps one output character per input character, so match offsets in the
    folded string are offsets in the original (used to locate agencies and quotes)."""
    return nfc(text).translate(_aligned_folds())


class _AlignedFolds(dict[int, str]):
    """`_fold_char` of the characters met so far, by code point, for `str.translate`: it looks
    each character up in C (and calls `__missing__` for a new one), ~4× faster than joining one
    Python call per character. Bounded: past 65,536 characters a new one is folded, not kept."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 65536:
            self[code] = folded
        return folded


@lru_cache(maxsize=1)
def _aligned_folds() -> _AlignedFolds:
    return _AlignedFolds()


def is_day_month(value: str) -> bool:
    """ "31/12" is a date; "96/96" (equal parts) or "177/181" (out of range) is a ratio."""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})", value)
    return m is not None and int(m.group(1)) <= 31 and int(m.group(2)) <= 12 and m.group(1) != m.group(2)
