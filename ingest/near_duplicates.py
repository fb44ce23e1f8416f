"""Near-duplicate documents: one notice arriving as a portal page, its DOCX and its PDF.

Why shingles over folded syllables: the copies of one document differ by page furniture, by the
tone-mark convention or a lost capital (TCVN3 has no toned capitals), by a hyphen a PDF line
break ate, by OCR slips. Word n-grams of the folded text are untouched by all of that except
the few n-grams around a difference, while two different documents written on one template
(two thông báo kết luận of one province) share only their boilerplate n-grams.

MinHash (`SIGNATURE_SIZE` hashes) estimates the Jaccard similarity of two shingle sets from two
small fixed-size signatures, so a new file is compared with every indexed document without
re-reading their texts. The threshold is fitted on data (`scripts/near_duplicate_pairs.py`,
README "Duplicates"). The document's own số hiệu is a veto: two texts that state different
numbers are different documents however alike they read (monthly reports on one template).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

from core.contracts import Fingerprint
from core.vntext import fold, folded_syllables

SHINGLE = 4  # syllables per shingle
SIGNATURE_SIZE = 128
THRESHOLD = 0.4  # estimated Jaccard at or above which two documents are one (fitted on data, README "Duplicates")
_SEED = 0x4E544D  # "NTM": fixed, so signatures stored in an index stay comparable


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """64-bit hashes of the text's runs of `size` folded syllables (a short text: the whole)."""
    words = folded_syllables(text)
    if not words:
        return np.zeros(0, dtype=np.uint64)
    grams = [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]
    values = {int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "little") for g in grams}
    return np.fromiter(values, dtype=np.uint64, count=len(values))


@lru_cache(maxsize=4)
def _permutations(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=n, dtype=np.uint64) | np.uint64(1)  # odd multipliers
    b = rng.integers(0, 2**63, size=n, dtype=np.uint64)
    return a, b


def minhash(hashes: np.ndarray, n: int = SIGNATURE_SIZE) -> np.ndarray:
    """The MinHash signature of a shingle set (multiply-shift hashing, top 32 bits)."""
    if hashes.size == 0:
        return np.full(n, np.iinfo(np.uint32).max, dtype=np.uint32)
    a, b = _permutations(n)
    with np.errstate(over="ignore"):
        mixed = (hashes[None, :] * a[:, None] + b[:, None]) >> np.uint64(32)
    return mixed.min(axis=1).astype(np.uint32)


def fingerprint(text: str, number: str = "") -> Fingerprint:
    return Fingerprint(minhash(shingle_hashes(text)), fold(number).replace(" ", ""))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity of the two documents' shingle sets."""
    return float(np.mean(a.signature == b.signature))


def same_document(a: Fingerprint, b: Fingerprint, threshold: float = THRESHOLD) -> bool:
    """True when two texts are copies of one document (different stated numbers never are)."""
    if a.number and b.number and a.number != b.number:
        return False
    return similarity(a, b) >= threshold


def best_match(
    candidate: Fingerprint, others: dict[str, Fingerprint], threshold: float = THRESHOLD
) -> tuple[str, float] | None:
    """The most similar of `others` (key → fingerprint) that is the same document, if any."""
    best: tuple[str, float] | None = None
    for key, other in others.items():
        if not same_document(candidate, other, threshold):
            continue
        score = similarity(candidate, other)
        if best is None or score > best[1] or (score == best[1] and key < best[0]):
            best = (key, score)
    return best
