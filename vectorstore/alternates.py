"""The copies ledger: each indexed document's fingerprint and its alternate sources.

Lives in the records store's SQLite file (tables of its own), beside the documents it refers to.
An alternate is a file that is another copy of an indexed document: it is recorded (source, hash,
format, similarity, its bytes) but never chunked or embedded, so one text is indexed once. The
bytes are kept (compressed) for every copy, the canonical one included, because removing a
canonical document promotes an alternate and a richer copy arriving demotes the canonical: both
need the file again, and an upload has no path to re-read it from.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass

from core.contracts import Fingerprint

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fingerprints (
    doc_id TEXT PRIMARY KEY,
    number TEXT NOT NULL,
    signature BLOB NOT NULL,
    copy_format TEXT NOT NULL DEFAULT '',
    data BLOB
);
CREATE TABLE IF NOT EXISTS alternates (
    source TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    similarity REAL NOT NULL,
    chars INTEGER NOT NULL,
    number TEXT NOT NULL,
    signature BLOB NOT NULL,
    data BLOB,
    text TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS alternates_canonical ON alternates(canonical);
"""


@dataclass(frozen=True)
class Alternate:
    """Another copy of an indexed document (`canonical` is that document's doc_id)."""

    source: str
    canonical: str
    content_hash: str
    format: str
    pipeline: str
    similarity: float
    chars: int
    fingerprint: Fingerprint
    recorded_at: str

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "format": self.format,
            "similarity": round(self.similarity, 3),
            "recorded_at": self.recorded_at,
        }


class AlternateLedger:
    """Fingerprints of canonical documents and the alternates recorded against them."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._db.executescript(_SCHEMA)
        for table, column, decl in _ADDED_COLUMNS:  # ledgers written before the column existed
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")

    # --- canonical documents ----------------------------------------------------------------
    def fingerprints(self) -> dict[str, Fingerprint]:
        rows = self._db.execute("SELECT doc_id, signature, number FROM fingerprints").fetchall()
        return {r[0]: Fingerprint.from_bytes(r[1], r[2]) for r in rows}

    def save_fingerprint(self, doc_id: str, fp: Fingerprint, data: bytes | None, copy_format: str = "") -> None:
        """`copy_format` is the format copies are ranked by ("ocr" for a PDF read by OCR)."""
        self._db.execute(
            "INSERT OR REPLACE INTO fingerprints(doc_id, number, signature, copy_format, data) VALUES (?,?,?,?,?)",
            (doc_id, fp.number, fp.to_bytes(), copy_format, zlib.compress(data) if data is not None else None),
        )

    def copy_format(self, doc_id: str) -> str:
        row = self._db.execute("SELECT copy_format FROM fingerprints WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else ""

    def canonical_bytes(self, doc_id: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM fingerprints WHERE doc_id=?", (doc_id,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def forget(self, doc_id: str) -> None:
        self._db.execute("DELETE FROM fingerprints WHERE doc_id=?", (doc_id,))

    # --- alternates ---------------------------------------------------------------------------
    def record(self, alt: Alternate, data: bytes | None, text: str = "") -> None:
        """Record an alternate with its bytes (to promote it later) and its cleaned text (to show it)."""
        fp = alt.fingerprint
        self._db.execute(
            "INSERT OR REPLACE INTO alternates(source, canonical, content_hash, format, pipeline, similarity, chars, "
            "number, signature, data, text) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                alt.source,
                alt.canonical,
                alt.content_hash,
                alt.format,
                alt.pipeline,
                alt.similarity,
                alt.chars,
                fp.number,
                fp.to_bytes(),
                zlib.compress(data) if data is not None else None,
                text,
            ),
        )

    def text(self, source: str) -> str | None:
        """The cleaned text of an alternate copy (None when it is not one)."""
        row = self._db.execute("SELECT text FROM alternates WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def get(self, source: str) -> Alternate | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM alternates WHERE source=?", (source,)).fetchone()
        return _alternate(row) if row else None

    def of(self, doc_id: str) -> list[Alternate]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM alternates WHERE canonical=? ORDER BY source", (doc_id,)
        ).fetchall()
        return [_alternate(r) for r in rows]

    def all(self) -> list[Alternate]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM alternates ORDER BY canonical, source").fetchall()
        return [_alternate(r) for r in rows]

    def data(self, source: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM alternates WHERE source=?", (source,)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] is not None else None

    def move(self, from_doc: str, to_doc: str) -> None:
        """Re-attach every alternate of one document to another (a merge or a promotion)."""
        self._db.execute("UPDATE alternates SET canonical=? WHERE canonical=?", (to_doc, from_doc))

    def delete(self, source: str) -> bool:
        return self._db.execute("DELETE FROM alternates WHERE source=?", (source,)).rowcount > 0


_ADDED_COLUMNS = (
    ("fingerprints", "copy_format", "TEXT NOT NULL DEFAULT ''"),
    ("alternates", "text", "TEXT NOT NULL DEFAULT ''"),
)
_COLUMNS = "source, canonical, content_hash, format, pipeline, similarity, chars, number, signature, recorded_at"


def _alternate(row: tuple) -> Alternate:
    return Alternate(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], Fingerprint.from_bytes(row[8], row[7]), row[9]
    )
