"""The chunk vectors, kept in the records' SQLite file: a copy of what Chroma holds.

Why: a question filtered by province or year searches the few thousand chunks the filter lists.
Chroma's HNSW search under an allow-list costs 16–69 ms at 100k chunks (more the fewer ids are
listed) and is approximate there (37 of the exact top 40 at 3,000 ids), while scoring the listed
chunks exactly takes well under a millisecond once their vectors are in memory
(vectorstore/vector_shelf.py). The copy is written in the document's transaction with its chunks
and deleted with them, so it holds the recorded chunks' vectors and nothing else; an index written
before it existed is filled from Chroma once (`fill`). The `serial` of a row is new on every write
(AUTOINCREMENT never reuses one), so a reader in another process follows the table by the serials it
has not seen and the ones that are gone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk_vectors (
    serial INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_vectors_doc ON chunk_vectors(doc_id);
"""
DELETE_DOCUMENT = "DELETE FROM chunk_vectors WHERE doc_id=?"

# set when the table holds a vector for every recorded chunk written since it was created
META_KEY = "chunk_vectors"
FORMAT = "1"

_PAGE = 2000  # ids per Chroma read while filling


def create(db: Any) -> None:
    """Create the table; an index with no chunks yet is complete from the start (an older index is
    completed by `fill`)."""
    db.executescript(SCHEMA)
    if not db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():
        db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (META_KEY, FORMAT))


def encoded(vector: Sequence[float] | np.ndarray) -> bytes:
    """A vector as the table keeps it: little-endian float32, the precision Chroma stores."""
    return np.asarray(vector, dtype="<f4").tobytes()


def insert(db: Any, doc_id: str, chunk_ids: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
    if len(chunk_ids) != len(vectors):
        raise ValueError(f"{len(chunk_ids)} chunks but {len(vectors)} vectors for document {doc_id}")
    db.executemany(
        "INSERT OR REPLACE INTO chunk_vectors(chunk_id, doc_id, vector) VALUES (?,?,?)",
        [(c, doc_id, encoded(v)) for c, v in zip(chunk_ids, vectors, strict=True)],
    )


def complete(db: Any) -> bool:
    """The table is marked as keeping every chunk's vector (created empty, or filled)."""
    row = db.execute("SELECT value FROM meta WHERE key=?", (META_KEY,)).fetchone()
    return bool(row) and row[0] == FORMAT


def fill(db: Any, chunk_ids: list[tuple[str, str]], read: Callable[[list[str]], dict[str, Any]]) -> int:
    """Copy the vectors of these (chunk_id, doc_id) chunks in from Chroma (`read`: ids to their
    vectors) and mark the table complete when every one was found; returns how many were copied.
    Runs inside the caller's transaction."""
    copied = 0
    missing = False
    for start in range(0, len(chunk_ids), _PAGE):
        page = chunk_ids[start : start + _PAGE]
        found = read([c for c, _ in page])
        rows = [(c, d, encoded(found[c])) for c, d in page if c in found]
        missing = missing or len(rows) < len(page)
        db.executemany("INSERT OR REPLACE INTO chunk_vectors(chunk_id, doc_id, vector) VALUES (?,?,?)", rows)
        copied += len(rows)
    if not missing:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (META_KEY, FORMAT))
    return copied


def vectors_of(db: Any, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
    """The stored vectors of these chunks (those the table holds)."""
    out: dict[str, list[float]] = {}
    for start in range(0, len(chunk_ids), 30000):  # SQLite's bound on parameters
        page = list(chunk_ids[start : start + 30000])
        marks = ",".join("?" * len(page))
        sql = f"SELECT chunk_id, vector FROM chunk_vectors WHERE chunk_id IN ({marks})"
        out.update({c: np.frombuffer(v, dtype="<f4").tolist() for c, v in db.execute(sql, page)})
    return out
