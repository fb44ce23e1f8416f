"""The chunk vectors in memory, for an exact nearest-neighbour search of a few thousand chunks.

Why: a filtered question scores only the chunks its filter lists. Scoring them exactly is a
gather and a matrix-vector product (well under a millisecond for thousands of rows), where Chroma's
HNSW search under an allow-list costs 16–69 ms at 100k chunks and may miss some of the true
nearest. An unfiltered question over a large collection is still Chroma's: past `EXACT_LIMIT` rows
its graph search is cheaper than reading every row.

The shelf follows the records' `chunk_vectors` table (vectorstore/chunk_vectors.py) through a
connection of its own, read in one snapshot: once per published state of the index, it reads the
rows written since the last serial it holds and drops the ones gone. It answers only when it holds a
vector for every recorded chunk; otherwise (an index not filled yet, a write in progress in this
process) the caller asks Chroma.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet

import numpy as np

from vectorstore import chunk_vectors

# Rows scored exactly at most. Exact scoring reads every scored row (1.5 KB at 384 floats): ~0.1 µs
# a row here (3,000 rows 1.0 ms, 20,000 6.6 ms, 96k 9.5 ms), so ~30,000 rows cost what Chroma's
# unfiltered HNSW query does at 100k chunks (3.3 ms); its query under an allow-list costs 12-27 ms
# at every size measured (bench/exact_vectors.py, bench/RESULTS.md "Exact vectors").
EXACT_LIMIT = 30000
_LISTS_KEPT = 32  # filters whose row numbers are remembered (questions repeat provinces and years)


@dataclass(frozen=True)
class _Held:
    """One consistent copy: row r of `matrix` is chunk `ids[r]`, written as `serials[r]`."""

    ids: list[str] = field(default_factory=list)
    serials: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.empty((0, 0), np.float32))
    complete: bool = False
    # chunk id -> row, and the rows of recent filters: of this copy only (a search running while
    # the shelf moves to a newer copy keeps reading the one it started with)
    row: dict[str, int] = field(default_factory=dict)
    lists: OrderedDict[AbstractSet[str], np.ndarray] = field(default_factory=OrderedDict)

    @classmethod
    def of(cls, ids: list[str], serials: np.ndarray, matrix: np.ndarray, chunks: int) -> "_Held":
        row = {chunk_id: n for n, chunk_id in enumerate(ids)}
        return cls(ids, serials, matrix, complete=len(ids) == chunks, row=row)


class VectorShelf:
    def __init__(self, records_path: Path, exact_limit: int = EXACT_LIMIT) -> None:
        self._path = Path(records_path)
        self._exact_limit = exact_limit
        self._lock = threading.Lock()
        self._state: str | None = None
        self._held = _Held()

    def ready(self, state: str) -> bool:
        """Whether the shelf holds every recorded chunk's vector, read once per published `state`
        ("" while this process has unpublished writes: then it does not answer)."""
        if not state:
            return False
        if state != self._state:
            with self._lock:
                if state != self._state:
                    self._held = self._synced(self._held)
                    self._state = state
        return self._held.complete

    def nearest(
        self, vector: Sequence[float], k: int, allowed: AbstractSet[str] | None = None
    ) -> list[tuple[str, float]] | None:
        """The k chunks (of `allowed`, or of all) most similar to `vector` by cosine, best first (ties
        by row); None when there are more than EXACT_LIMIT to score (Chroma's index is faster) or
        `ready` was not true."""
        held = self._held
        if not held.complete:
            return None
        rows = None if allowed is None else _rows_of(held, allowed)
        n = len(held.ids) if rows is None else len(rows)
        if n > self._exact_limit:
            return None
        if n == 0 or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        # einsum, not BLAS: OpenBLAS would spread a product this small over threads that then spin,
        # taking the cores from the question's other work
        scores = np.einsum("ij,j->i", held.matrix if rows is None else held.matrix[rows], query)
        top = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.lexsort((top, -scores[top]))]
        picked = top if rows is None else rows[top]
        return [(held.ids[r], float(s)) for r, s in zip(picked.tolist(), scores[top].tolist(), strict=True)]

    def _synced(self, held: _Held) -> _Held:
        """`held` brought up to the table's committed rows, read in one snapshot."""
        try:
            db = sqlite3.connect(self._path, isolation_level=None)
        except sqlite3.Error:  # a file this process cannot open: Chroma answers
            return _Held()
        try:
            db.execute("BEGIN")
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name='chunk_vectors'").fetchone():
                return _Held()
            if not chunk_vectors.complete(db):
                return _Held()
            last = int(held.serials[-1]) if len(held.serials) else 0
            (fresh,) = db.execute("SELECT count(*) FROM chunk_vectors WHERE serial > ?", (last,)).fetchone()
            (count,) = db.execute("SELECT count(*) FROM chunk_vectors").fetchone()
            (chunks,) = db.execute("SELECT count(*) FROM chunks").fetchone()
            ids, serials, matrix = held.ids, held.serials, held.matrix
            keep = None
            if len(serials) + fresh != count:  # rows were deleted or replaced since
                live = np.fromiter((s for (s,) in db.execute("SELECT serial FROM chunk_vectors")), np.int64)
                keep = np.isin(serials, live, assume_unique=True)
            if fresh or keep is not None:
                ids, serials, matrix = _rebuilt(db, last, fresh, held, keep)
            db.execute("COMMIT")
        except sqlite3.Error:
            return _Held()
        finally:
            db.close()
        return _Held.of(ids, serials, matrix, chunks)


def _rows_of(held: _Held, allowed: AbstractSet[str]) -> np.ndarray:
    """The sorted row numbers of the allowed ids the copy holds (remembered per filter set)."""
    hashable = isinstance(allowed, frozenset)
    if hashable and allowed in held.lists:
        return held.lists[allowed]
    rows = np.sort(np.fromiter((held.row[c] for c in allowed if c in held.row), dtype=np.int64))
    if hashable:
        held.lists[allowed] = rows
        while len(held.lists) > _LISTS_KEPT:
            held.lists.popitem(last=False)
    return rows


def _rebuilt(
    db: sqlite3.Connection, last: int, fresh: int, held: _Held, keep: np.ndarray | None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The copy's rows that are still live (`keep`, None for all) followed by the `fresh` rows
    written after serial `last`, read page by page into one new array (at 100k chunks the copy is
    ~150 MB: it is never held in pieces beside the whole)."""
    kept = len(held.ids) if keep is None else int(keep.sum())
    cursor = db.execute("SELECT serial, chunk_id, vector FROM chunk_vectors WHERE serial > ? ORDER BY serial", (last,))
    page = cursor.fetchmany(1)
    width = held.matrix.shape[1] if kept else len(page[0][2]) // 4 if page else 0
    grown = np.empty((kept + fresh, width), dtype=np.float32)
    serials = np.empty(kept + fresh, dtype=np.int64)
    ids: list[str] = []
    if kept and keep is None:
        grown[:kept], serials[:kept], ids = held.matrix, held.serials, list(held.ids)
    elif kept and keep is not None:
        np.compress(keep, held.matrix, axis=0, out=grown[:kept])
        serials[:kept] = held.serials[keep]
        ids = [c for c, live in zip(held.ids, keep.tolist(), strict=True) if live]
    row = kept
    while page:
        block = np.frombuffer(b"".join(v for _, _, v in page), dtype="<f4").reshape(len(page), width)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        grown[row : row + len(page)] = block / np.where(norms == 0, 1.0, norms)  # Chroma compares directions
        serials[row : row + len(page)] = [s for s, _, _ in page]
        ids += [c for _, c, _ in page]
        row += len(page)
        page = cursor.fetchmany(4096)
    return ids, serials[:row], grown[:row]
