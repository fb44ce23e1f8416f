"""The ledger of what is indexed: one SQLite file with documents and their chunks.

It is the source of truth the other parts are derived from: the lexical index is rebuilt from
it, Chroma is reconciled against it, the app lists documents from it. Each document is replaced
in one transaction, so a crash never leaves half a document recorded.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from core.contracts import Assignment, Chunk, CleanDocument, Target
from vectorstore import chunk_filters, chunk_vectors
from vectorstore.record_types import ChunkRecord, DocumentRecord, chunk_of, document_of
from vectorstore.records_schema import SCHEMA

_MAX_LISTED = 30000  # ids passed as SQL parameters at most (SQLite allows 32,766)


class RecordStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(agency_readings)")}
        if columns and "version" not in columns:  # an early form of this derived table: rebuilt on ingest
            self._db.execute("DROP TABLE agency_readings")
        self._db.executescript(SCHEMA)
        chunk_filters.create(self._db)  # filled by fill_filters when the index has chunks already
        chunk_vectors.create(self._db)  # likewise by fill_vectors

    def close(self) -> None:
        self._db.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection, for ledgers that keep tables of their own in this file
        (vectorstore/alternates.py)."""
        return self._db

    # --- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- documents ------------------------------------------------------------------------
    def find_by_source(self, source: str) -> DocumentRecord | None:
        row = self._db.execute(
            "SELECT doc_id, source, content_hash, format, metadata, n_chunks, ingested_at, pipeline FROM documents "
            "WHERE source=?",
            (source,),
        ).fetchone()
        return document_of(row) if row else None

    def get_documents(self, doc_ids: Sequence[str]) -> dict[str, DocumentRecord]:
        """The records of these documents (those indexed), in one query."""
        found: dict[str, DocumentRecord] = {}
        for start in range(0, len(doc_ids), _MAX_LISTED):
            page = list(doc_ids[start : start + _MAX_LISTED])
            rows = self._db.execute(
                "SELECT doc_id, source, content_hash, format, metadata, n_chunks, ingested_at, pipeline FROM "
                f"documents INDEXED BY documents_head WHERE doc_id IN ({','.join('?' * len(page))})",
                page,
            )
            found.update((r[0], document_of(r)) for r in rows)
        return found

    def document_places(self) -> list[tuple[str, str, str]]:
        """(doc_id, province, issued) of every document, read from the metadata without decoding all of it."""
        rows = self._db.execute(
            "SELECT doc_id, json_extract(metadata, '$.province'), json_extract(metadata, '$.issued') FROM documents "
            "INDEXED BY documents_place"
        ).fetchall()
        return [(d, p if isinstance(p, str) else "", i if isinstance(i, str) else "") for d, p, i in rows]

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        row = self._db.execute(
            "SELECT doc_id, source, content_hash, format, metadata, n_chunks, ingested_at, pipeline FROM documents "
            "INDEXED BY documents_head WHERE doc_id=?",
            (doc_id,),
        ).fetchone()
        return document_of(row) if row else None

    def documents(self) -> list[DocumentRecord]:
        rows = self._db.execute(
            "SELECT doc_id, source, content_hash, format, metadata, n_chunks, ingested_at, pipeline FROM documents "
            "INDEXED BY documents_head ORDER BY source"
        ).fetchall()
        return [document_of(r) for r in rows]

    def document_text(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def replace_document(
        self,
        doc: CleanDocument,
        chunks: list[Chunk],
        indexed_texts: list[str],
        pipeline: str = "",
        assignments: Sequence[Assignment] = (),
        targets: Sequence[Target] = (),
        readings: Mapping[str, str] | None = None,
        *,
        chunk_metadata: Sequence[Mapping[str, Any]],
        vectors: Sequence[Sequence[float]] | None = None,
    ) -> None:
        """Store a document with its chunks, assignments, targets, readings (core/chunk_readings),
        and the metadata and vectors Chroma holds for each chunk (vectorstore/chunk_filters.py,
        chunk_vectors.py), atomically. Without `vectors` the vector copy is marked incomplete."""
        with self._transaction():
            self._delete_rows(doc.doc_id)
            self._db.execute("DELETE FROM documents WHERE source=?", (doc.source,))
            self._db.execute(
                "INSERT INTO documents(doc_id, source, content_hash, format, metadata, text, n_chunks, pipeline) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    doc.doc_id,
                    doc.source,
                    doc.content_hash,
                    doc.format,
                    json.dumps(doc.metadata.as_dict(), ensure_ascii=False),
                    doc.text,
                    len(chunks),
                    pipeline,
                ),
            )
            self._db.executemany(
                'INSERT INTO chunks(chunk_id, doc_id, n, text, heading_path, start, "end", agencies, indexed_text) '
                "VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.chunk_id,
                        c.doc_id,
                        c.n,
                        c.text,
                        json.dumps(c.heading_path, ensure_ascii=False),
                        c.start,
                        c.end,
                        json.dumps(c.agencies),
                        indexed,
                    )
                    for c, indexed in zip(chunks, indexed_texts, strict=False)
                ],
            )
            self._db.executemany(
                "INSERT INTO assignments(doc_id, chunk_id, agency, agency_text, role, task, deadline, collective, "
                'start, "end") VALUES (?,?,?,?,?,?,?,?,?,?)',
                [
                    (
                        a.doc_id,
                        a.chunk_id,
                        a.agency,
                        a.agency_text,
                        a.role,
                        a.task,
                        a.deadline,
                        int(a.collective),
                        a.start,
                        a.end,
                    )
                    for a in assignments
                ],
            )
            self._db.executemany(
                "INSERT INTO targets(doc_id, chunk_id, indicator, value, unit, period, scope, kind, text) VALUES "
                "(?,?,?,?,?,?,?,?,?)",
                [
                    (t.doc_id, t.chunk_id, t.indicator, t.value, t.unit, t.period, t.scope, t.kind, t.text)
                    for t in targets
                ],
            )
            self._db.executemany(
                "INSERT INTO agency_readings(chunk_id, doc_id, version, readings) VALUES (?,?,?,?)",
                [
                    (chunk_id, doc.doc_id, _stored_version(stored), stored)
                    for chunk_id, stored in (readings or {}).items()
                ],
            )
            chunk_filters.insert(self._db, chunk_filters.rows_of(zip(chunks, chunk_metadata, strict=True)))
            if vectors is not None:
                chunk_vectors.insert(self._db, doc.doc_id, [c.chunk_id for c in chunks], vectors)
            elif chunks:
                self._db.execute("DELETE FROM meta WHERE key=?", (chunk_vectors.META_KEY,))

    def delete_document(self, doc_id: str) -> None:
        with self._transaction():
            self._delete_rows(doc_id)

    def _delete_rows(self, doc_id: str) -> None:
        self._db.execute(chunk_filters.DELETE_DOCUMENT, (doc_id,))
        self._db.execute(chunk_vectors.DELETE_DOCUMENT, (doc_id,))
        for table in ("assignments", "targets", "agency_readings", "chunks"):
            self._db.execute(f"DELETE FROM {table} WHERE doc_id=?", (doc_id,))
        self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

    # --- register -------------------------------------------------------------------------
    def assignments(
        self, agencies: Sequence[str] | None = None, documents: Collection[str] | None = None
    ) -> list[Assignment]:
        """Stored assignments, optionally only those of the given agency ids and documents (a
        national index holds thousands of an agency's rows; a question's scope needs few)."""
        sql = (
            'SELECT agency, agency_text, role, task, deadline, chunk_id, doc_id, collective, start, "end" FROM '
            "assignments"
        )
        clauses: list[str] = []
        args: list[str] = []
        if agencies is not None:
            clauses.append(f"agency IN ({','.join('?' * len(agencies))})")
            args += list(agencies)
        listed = documents is not None and len(documents) <= _MAX_LISTED  # SQLite's bound on parameters
        if documents is not None and not documents:
            return []
        if listed:
            clauses.append(f"doc_id IN ({','.join('?' * len(documents or ()))})")
            args += sorted(documents or ())
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self._db.execute(sql + where + " ORDER BY doc_id, start", args).fetchall()
        if documents is not None and not listed:
            rows = [r for r in rows if r[6] in documents]
        return [Assignment(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9]) for r in rows]

    def documents_mentioning(
        self, agencies: Sequence[str], documents: Collection[str] | None, texts: Sequence[str]
    ) -> set[str]:
        """Documents (of `documents`, or of all) with a row of these agencies whose task or deadline
        contains one of `texts`."""
        if not agencies or not texts or documents is not None and not documents:
            return set()
        said = " OR ".join(["instr(task, ?) > 0 OR instr(deadline, ?) > 0"] * len(texts))
        sql = f"SELECT DISTINCT doc_id FROM assignments WHERE agency IN ({','.join('?' * len(agencies))}) AND ({said})"
        args = [*agencies, *(t for text in texts for t in (text, text))]
        listed = documents is not None and len(documents) <= _MAX_LISTED - len(args)
        if listed:
            sql += f" AND doc_id IN ({','.join('?' * len(documents or ()))})"
            args += sorted(documents or ())
        found = {row[0] for row in self._db.execute(sql, args)}
        return found if documents is None or listed else found & set(documents)

    def targets(self, chunk_ids: Sequence[str] | None = None) -> list[Target]:
        """Stored figures, optionally only those of these chunks (found through their documents)."""
        sql = "SELECT indicator, value, unit, period, scope, kind, t.text, t.chunk_id, t.doc_id FROM targets t"
        if chunk_ids is None:
            return [Target(*r) for r in self._db.execute(sql + " ORDER BY t.doc_id, t.rowid")]
        marks = ",".join("?" * len(chunk_ids))
        sql += f" JOIN chunks c ON c.doc_id = t.doc_id AND c.chunk_id = t.chunk_id WHERE c.chunk_id IN ({marks})"
        return [Target(*r) for r in self._db.execute(sql + " ORDER BY t.doc_id, t.rowid", list(chunk_ids))]

    # --- chunks ---------------------------------------------------------------------------
    def chunk_ids(self, doc_id: str | None = None) -> list[str]:
        if doc_id is None:
            rows = self._db.execute("SELECT chunk_id FROM chunks ORDER BY doc_id, n").fetchall()
        else:
            rows = self._db.execute("SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY n", (doc_id,)).fetchall()
        return [r[0] for r in rows]

    def all_chunks(self) -> list[ChunkRecord]:
        rows = self._db.execute(
            'SELECT chunk_id, doc_id, n, text, heading_path, start, "end", agencies, indexed_text FROM chunks ORDER '
            "BY doc_id, n"
        ).fetchall()
        return [chunk_of(r) for r in rows]

    def agency_readings(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """The stored agency readings of these chunks (those ingested with them)."""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        sql = f"SELECT chunk_id, readings FROM agency_readings WHERE chunk_id IN ({marks})"
        return dict(self._db.execute(sql, list(chunk_ids)).fetchall())

    def chunks_lacking_readings(self, version: str) -> list[str]:
        """Ids of chunks with no stored agency readings of this version (ingested before they were
        stored, or by other agency code or data)."""
        sql = (
            "SELECT c.chunk_id FROM chunks c LEFT JOIN agency_readings r ON r.chunk_id = c.chunk_id "
            "WHERE r.chunk_id IS NULL OR r.version != ? ORDER BY c.doc_id, c.n"
        )
        return [row[0] for row in self._db.execute(sql, (version,))]

    def store_readings(self, rows: Sequence[tuple[str, str, str]]) -> None:
        """(chunk_id, doc_id, readings) rows, replacing what those chunks had."""
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO agency_readings(chunk_id, doc_id, version, readings) VALUES (?,?,?,?)",
                [(c, d, _stored_version(r), r) for c, d, r in rows],
            )

    def get_chunks(self, chunk_ids: list[str]) -> dict[str, ChunkRecord]:
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.execute(
            f'SELECT chunk_id, doc_id, n, text, heading_path, start, "end", agencies, indexed_text FROM chunks WHERE '
            f"chunk_id IN ({marks})",
            chunk_ids,
        ).fetchall()
        return {r[0]: chunk_of(r) for r in rows}

    # --- metadata filters (vectorstore/chunk_filters.py) -----------------------------------
    def chunk_ids_where(self, where: Mapping[str, Any]) -> set[str] | None:
        """Ids of the chunks a Chroma metadata filter selects; None when the table cannot say."""
        filled = self.get_meta(chunk_filters.META_KEY) == chunk_filters.FORMAT
        query = chunk_filters.where_sql(where) if filled else None
        return None if query is None else {row[0] for row in self._db.execute(*query)}

    def fill_filters(self, describe: Callable[[DocumentRecord, ChunkRecord], Mapping[str, Any]]) -> None:
        """Fill the filter table from every recorded chunk unless it is filled (an index written
        before it existed, or by older code); `describe` gives what Chroma holds for a chunk."""
        if self.get_meta(chunk_filters.META_KEY) == chunk_filters.FORMAT:
            return
        docs = {d.doc_id: d for d in self.documents()}
        with self._transaction():
            self._db.execute("DELETE FROM chunk_filters")
            cursor = self._db.execute(
                "SELECT chunk_id, doc_id, n, '', heading_path, start, \"end\", agencies, '' FROM chunks"
            )
            while batch := [chunk_of(r) for r in cursor.fetchmany(5000)]:
                chunk_filters.insert(self._db, chunk_filters.rows_of((c, describe(docs[c.doc_id], c)) for c in batch))
            self.set_meta(chunk_filters.META_KEY, chunk_filters.FORMAT)

    # --- the vector copy (vectorstore/chunk_vectors.py) --------------------------------------
    def fill_vectors(self, read: Callable[[list[str]], dict[str, Any]]) -> None:
        """Copy Chroma's vectors (`read`: ids to their vectors) of the chunks the copy lacks, unless
        it is complete; complete once every recorded chunk's vector was found."""
        if chunk_vectors.complete(self._db):
            return
        sql = "SELECT chunk_id, doc_id FROM chunks WHERE chunk_id NOT IN (SELECT chunk_id FROM chunk_vectors)"
        with self._transaction():
            chunk_vectors.fill(self._db, self._db.execute(sql).fetchall(), read)

    def stored_vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        return chunk_vectors.vectors_of(self._db, chunk_ids)

    def _transaction(self) -> "_Tx":
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


def _stored_version(stored: str) -> str:
    """The version a stored reading was made by (core/chunk_readings writes it first)."""
    return str(json.loads(stored).get("v", ""))
