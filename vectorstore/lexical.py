"""Lexical (BM25) leg over Vietnamese syllables, with and without diacritics.

Tokens are diacritic-folded syllables plus folded syllable bigrams: Vietnamese words are mostly
two syllables ("kế hoạch", "đầu tư"), so bigrams restore much of the word-level precision that
folding gives up, while a question typed without accents matches exactly as one typed with them.
The index is derived data: it is rebuilt from the record store whenever chunks change and
persisted beside it with a fingerprint of the chunk set it was built from.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from ingest.vntext import folded_syllables

_STOP = frozenset(
    "va cua cac la co duoc cho voi trong de nhung mot nay do tai tu theo ve den khi thi da se cung nhu".split()
)


def lexical_tokens(text: str) -> list[str]:
    """Folded syllables and syllable bigrams used both to index and to query."""
    syl = folded_syllables(text)
    grams = [f"{a}_{b}" for a, b in zip(syl, syl[1:])]
    return [s for s in syl if s not in _STOP] + grams


def fingerprint(ids_and_texts: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for chunk_id, text in ids_and_texts:
        h.update(chunk_id.encode())
        h.update(hashlib.sha1(text.encode()).digest())
    return h.hexdigest()


class LexicalIndex:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._ids: list[str] = []
        self._model = None
        self._fingerprint = ""

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def load(self) -> bool:
        """Load a persisted index; False when there is none (or it is unreadable)."""
        manifest = self._folder / "manifest.json"
        if not manifest.exists():
            return False
        try:
            import bm25s

            info = json.loads(manifest.read_text("utf-8"))
            self._ids = info["ids"]
            self._fingerprint = info["fingerprint"]
            self._model = bm25s.BM25.load(str(self._folder / "bm25")) if self._ids else None
            return True
        except (OSError, ValueError, KeyError):
            return False

    def rebuild(self, ids_and_texts: list[tuple[str, str]]) -> None:
        """Index the given chunks from scratch and persist (written aside, then swapped in)."""
        import bm25s

        self._ids = [i for i, _ in ids_and_texts]
        self._fingerprint = fingerprint(ids_and_texts)
        tmp = self._folder.with_name(self._folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if ids_and_texts:
            model = bm25s.BM25()
            model.index([lexical_tokens(t) or ["_"] for _, t in ids_and_texts], show_progress=False)
            model.save(str(tmp / "bm25"))
            self._model = model
        else:
            self._model = None
        (tmp / "manifest.json").write_text(
            json.dumps({"ids": self._ids, "fingerprint": self._fingerprint}), "utf-8"
        )
        old = self._folder.with_name(self._folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self._folder.exists():
            self._folder.rename(old)
        tmp.rename(self._folder)
        shutil.rmtree(old, ignore_errors=True)

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, BM25 score) pairs with a positive score, optionally among `allowed`."""
        if self._model is None or not self._ids:
            return []
        tokens = [t for t in lexical_tokens(query) if t in self._model.vocab_dict]
        if not tokens:
            return []
        mask = None
        if allowed is not None:
            mask = np.array([1.0 if i in allowed else 0.0 for i in self._ids], dtype=np.float32)
            if not mask.any():
                return []
        k = min(k, len(self._ids))
        docs, scores = self._model.retrieve([tokens], k=k, show_progress=False, weight_mask=mask)
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
