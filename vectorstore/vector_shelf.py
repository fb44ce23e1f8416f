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

    def rows(self) -> dict[str, int]:
        return {chunk_id: row for row, chunk_id in enumerate(self.ids)}


class VectorShelf:
    def __init__(self, records_path: Path, exact_limit: int = EXACT_LIMIT) -> None:
        self._path = Path(records_path)
        self._exact_limit = exact_limit
        self._lock = threading.Lock()
        self._state: str | None = None
        self._held = _Held()
        self._row: dict[str, int] = {}
        self._lists: OrderedDict[AbstractSet[str], np.ndarray] = OrderedDict()

    def ready(self, state: str) -> bool:
        """Whether the shelf holds every recorded chunk's vector, read once per published `state`
        ("" while this process has unpublished writes: then it does not answer)."""
        if not state:
            return False
        if state != self._state:
            with self._lock:
                if state != self._state:
                    self._held, self._row = self._synced(self._held)
                    self._lists = OrderedDict()
                    self._state = state
        return self._held.complete

    def nearest(
        self, vector: Sequence[float], k: int, allowed: AbstractSet[str] | None = None
    ) -> list[tuple[str, float]] | None:
        """The k chunks (of `allowed`, or of all) most similar to `vector` by cosine, best first (ties
        by row); None when there are more than EXACT_LIMIT to score (Chroma's index is faster) or
        `ready` was not true."""
        held, row = self._held, self._row
        if not held.complete:
            return None
        rows = None if allowed is None else self._rows_of(allowed, row)
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

    def _rows_of(self, allowed: AbstractSet[str], row: dict[str, int]) -> np.ndarray:
        """The sorted row numbers of the allowed ids this copy holds (remembered per filter set)."""
        hashable = isinstance(allowed, frozenset)
        if hashable and allowed in self._lists:
            self._lists.move_to_end(allowed)
            return self._lists[allowed]
        rows = np.sort(np.fromiter((row[c] for c in allowed if c in row), dtype=np.int64))
        if hashable:
            self._lists[allowed] = rows
            while len(self._lists) > _LISTS_KEPT:
                self._lists.popitem(last=False)
        return rows

    def _synced(self, held: _Held) -> tuple[_Held, dict[str, int]]:
        """`held` brought up to the table's committed rows, read in one snapshot."""
        try:
            db = sqlite3.connect(self._path, isolation_level=None)
        except sqlite3.Error:  # a file this process cannot open: Chroma answers
            return _Held(), {}
        try:
            db.execute("BEGIN")
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name='chunk_vectors'").fetchone():
                return _Held(), {}
            if not chunk_vectors.complete(db):
                return _Held(), {}
            last = int(held.serials[-1]) if len(held.serials) else 0
            (fresh,) = db.execute("SELECT count(*) FROM chunk_vectors WHERE serial > ?", (last,)).fetchone()
            (count,) = db.execute("SELECT count(*) FROM chunk_vectors").fetchone()
            (chunks,) = db.execute("SELECT count(*) FROM chunks").fetchone()
            ids, serials, matrix = held.ids, held.serials, held.matrix
            if len(serials) + fresh != count:  # rows were deleted or replaced since
                live = np.fromiter((s for (s,) in db.execute("SELECT serial FROM chunk_vectors")), np.int64)
                keep = np.isin(serials, live, assume_unique=True)
                ids = [c for c, kept in zip(ids, keep.tolist(), strict=True) if kept]
                serials, matrix = serials[keep], matrix[keep]
            if fresh:
                ids, serials, matrix = _appended(db, last, fresh, ids, serials, matrix)
            db.execute("COMMIT")
        except sqlite3.Error:
            return _Held(), {}
        finally:
            db.close()
        synced = _Held(ids, serials, matrix, complete=len(ids) == chunks)
        return synced, synced.rows()


def _appended(
    db: sqlite3.Connection, last: int, fresh: int, ids: list[str], serials: np.ndarray, matrix: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The copy with the `fresh` rows written after serial `last` appended, read page by page into
    one array (at 100k chunks the copy is ~150 MB: it is never held twice over in pieces)."""
    cursor = db.execute("SELECT serial, chunk_id, vector FROM chunk_vectors WHERE serial > ? ORDER BY serial", (last,))
    first = cursor.fetchmany(1)
    width = len(first[0][2]) // 4
    grown = np.empty((len(ids) + fresh, width), dtype=np.float32)
    if ids:
        grown[: len(ids)] = matrix
    new_ids, new_serials = list(ids), np.empty(len(ids) + fresh, dtype=np.int64)
    new_serials[: len(ids)] = serials
    row = len(ids)
    page = first
    while page:
        block = np.frombuffer(b"".join(v for _, _, v in page), dtype="<f4").reshape(len(page), width)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        grown[row : row + len(page)] = block / np.where(norms == 0, 1.0, norms)  # Chroma compares directions
        new_serials[row : row + len(page)] = [s for s, _, _ in page]
        new_ids += [c for _, c, _ in page]
        row += len(page)
        page = cursor.fetchmany(4096)
    return new_ids, new_serials[:row], grown[:row]
