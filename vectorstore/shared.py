"""Several processes on one Chroma server: the records and the lexical index follow the server.

With `NTM_CHROMA_URL` every process (each `ntm serve`, each `ntm ingest`) has its own index
folder, but the truth is on the server. Beside the chunk collection a second collection
(`<name>__records`) holds one entry per document: the whole record (text, metadata, chunks,
assignments, targets) compressed in its `document`, and a `version` (new on every write) in its
metadata; one more entry holds the store's `generation`, replaced at the end of every write
batch. Each request reads that one entry; when it differs from the generation this folder last
synced, `pull` lists the versions, fetches only the documents that changed and replaces them in
the local records and lexical index (removing the ones gone). A writer publishes a document's
record after its chunks and before the generation, so a reader that sees the new generation
finds everything it names.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
import zlib
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Callable

from core.contracts import Assignment, Chunk, CleanDocument, DocumentMetadata, Target
from vectorstore.chunk_meta import chroma_metadata

GENERATION_ID = "__generation__"
BUILD_ID = "__build_settings__"  # the index-time settings the documents were built with (build_record.py)
_PAGE = 200
_META_FIELDS = {f.name for f in fields(DocumentMetadata)}


class SharedStore:
    """The records collection on the Chroma server, and what this folder last synced from it."""

    def __init__(self, client: Any, collection: str, index_dir: Path) -> None:
        self._client = client
        self._name = f"{collection}__records"
        self.collection = self._open()
        self._local = sqlite3.connect(index_dir / "shared_sync.sqlite", isolation_level=None, check_same_thread=False)
        self._local.executescript(
            "CREATE TABLE IF NOT EXISTS versions (doc_id TEXT PRIMARY KEY, version TEXT NOT NULL);"
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        )

    def _open(self) -> Any:
        return self._client.get_or_create_collection(self._name, metadata={"ntm": "document records"})

    def close(self) -> None:
        self._local.close()

    def reset(self) -> None:
        try:
            self._client.delete_collection(self._name)
        except Exception:  # noqa: BLE001 - it may not exist
            pass
        self.collection = self._open()
        self._local.execute("DELETE FROM versions")
        self.set_generation(uuid.uuid4().hex)

    # --- generation -----------------------------------------------------------------------
    def generation(self) -> str:
        try:
            got = self.collection.get(ids=[GENERATION_ID], include=["metadatas"])
        except Exception:  # noqa: BLE001 - dropped and recreated on the server (ingest --rebuild)
            self.collection = self._open()
            got = self.collection.get(ids=[GENERATION_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("generation", "")) if got["ids"] else ""

    def set_generation(self, generation: str) -> None:
        self.collection.upsert(ids=[GENERATION_ID], embeddings=[[0.0]], metadatas=[{"generation": generation}])
        self.synced = generation

    def build_record(self) -> str:
        """The index-time settings recorded on the server (JSON, "" when none): one record for
        every process writing to it, like the embedding model in the collection's metadata."""
        got = self.collection.get(ids=[BUILD_ID], include=["metadatas"])
        return str(got["metadatas"][0].get("settings", "")) if got["ids"] else ""

    def set_build_record(self, raw: str) -> None:
        self.collection.upsert(ids=[BUILD_ID], embeddings=[[0.0]], metadatas=[{"settings": raw}])

    @property
    def synced(self) -> str:
        row = self._local.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return row[0] if row else ""

    @synced.setter
    def synced(self, generation: str) -> None:
        self._local.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", (generation,))

    # --- documents ------------------------------------------------------------------------
    def put(
        self,
        doc: CleanDocument,
        chunks: list[Chunk],
        indexed: list[str],
        pipeline: str,
        assignments: list[Assignment],
        targets: list[Target],
        readings: dict[str, str] | None = None,
    ) -> None:
        """Publish one document's record (after its chunks are in the chunk collection)."""
        record = {
            "source": doc.source,
            "content_hash": doc.content_hash,
            "format": doc.format,
            "text": doc.text,
            "metadata": doc.metadata.as_dict(),
            "pipeline": pipeline,
            "chunks": [_chunk_entry(doc.text, c, t) for c, t in zip(chunks, indexed, strict=False)],
            "assignments": [asdict(a) for a in assignments],
            "targets": [asdict(t) for t in targets],
            "readings": readings or {},
        }
        version = uuid.uuid4().hex
        self.collection.upsert(
            ids=[doc.doc_id],
            embeddings=[[0.0]],
            documents=[_pack(record)],
            metadatas=[{"source": doc.source, "version": version}],
        )
        self._local.execute("INSERT OR REPLACE INTO versions(doc_id, version) VALUES (?, ?)", (doc.doc_id, version))

    def delete(self, doc_id: str) -> None:
        self.collection.delete(ids=[doc_id])
        self._local.execute("DELETE FROM versions WHERE doc_id=?", (doc_id,))

    def remote_versions(self) -> dict[str, str]:
        out: dict[str, str] = {}
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=1000, offset=offset)
            for doc_id, meta in zip(got["ids"], got["metadatas"], strict=False):
                if doc_id not in (GENERATION_ID, BUILD_ID):
                    out[doc_id] = str((meta or {}).get("version", ""))
            if len(got["ids"]) < 1000:
                return out
            offset += 1000

    def local_versions(self) -> dict[str, str]:
        return dict(self._local.execute("SELECT doc_id, version FROM versions").fetchall())

    def fetch(self, doc_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """(doc_id, version, record) of the given documents that are still on the server."""
        out = []
        for start in range(0, len(doc_ids), _PAGE):
            got = self.collection.get(ids=doc_ids[start : start + _PAGE], include=["documents", "metadatas"])
            for doc_id, packed, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=False):
                out.append((doc_id, str((meta or {}).get("version", "")), _unpack(packed)))
        return out

    def mark(self, doc_id: str, version: str | None) -> None:
        if version is None:
            self._local.execute("DELETE FROM versions WHERE doc_id=?", (doc_id,))
        else:
            self._local.execute("INSERT OR REPLACE INTO versions(doc_id, version) VALUES (?, ?)", (doc_id, version))


def pull(store: SharedStore, records: Any, lexical: Any, vectors: Callable[[list[str]], dict[str, Any]]) -> bool:
    """Make the local records and lexical index hold exactly the server's documents; True when
    anything changed. Only documents whose version differs are fetched; their chunks' vectors are
    read from the chunk collection (`vectors`: ids to vectors) for the local copy of them
    (vectorstore/chunk_vectors.py; a chunk the server lacks leaves that copy incomplete)."""
    remote = store.remote_versions()
    local = store.local_versions()
    known = {d.doc_id for d in records.documents()}
    gone = sorted((known | set(local)) - set(remote))
    stale = sorted(d for d, v in remote.items() if local.get(d) != v or d not in known)
    for doc_id in gone:
        lexical.remove(records.chunk_ids(doc_id))
        records.delete_document(doc_id)
        store.mark(doc_id, None)
    for start in range(0, len(stale), _PAGE):
        fetched = [
            (doc_id, version, _from_record(doc_id, record), record)
            for doc_id, version, record in store.fetch(stale[start : start + _PAGE])
        ]
        # the page's vectors in one read of the chunk collection
        found = vectors([c.chunk_id for _, _, parts, _ in fetched for c in parts[1]])
        for doc_id, version, (doc, chunks, indexed, assignments, targets), record in fetched:
            lexical.remove(records.chunk_ids(doc_id))
            readings = record.get("readings", {})  # absent in records published before they were stored
            pipeline, described = record.get("pipeline", ""), [chroma_metadata(doc, c) for c in chunks]
            held = [found[c.chunk_id] for c in chunks if c.chunk_id in found]
            records.replace_document(
                doc,
                chunks,
                indexed,
                pipeline,
                assignments,
                targets,
                readings,
                chunk_metadata=described,
                vectors=held if len(held) == len(chunks) else None,
            )
            lexical.add([(c.chunk_id, t) for c, t in zip(chunks, indexed, strict=False)])
            store.mark(doc_id, version)
    return bool(gone or stale)


def _chunk_entry(text: str, chunk: Chunk, indexed: str) -> dict[str, Any]:
    entry: dict[str, Any] = {k: v for k, v in asdict(chunk).items() if k not in ("text", "doc_id")}
    if text[chunk.start : chunk.end] != chunk.text:
        entry["text"] = chunk.text  # only when it is not the document's own span
    entry["indexed"] = indexed
    return entry


def _from_record(
    doc_id: str, r: dict[str, Any]
) -> tuple[CleanDocument, list[Chunk], list[str], list[Assignment], list[Target]]:
    meta = DocumentMetadata(**{k: v for k, v in r["metadata"].items() if k in _META_FIELDS})
    doc = CleanDocument(doc_id, r["source"], r["content_hash"], r["format"], r["text"], [], meta)
    chunks, indexed = [], []
    for c in r["chunks"]:
        text = c.get("text", r["text"][c["start"] : c["end"]])
        chunks.append(
            Chunk(c["chunk_id"], doc_id, c["n"], text, c["heading_path"], c["start"], c["end"], c["agencies"])
        )
        indexed.append(c["indexed"])
    return doc, chunks, indexed, [Assignment(**a) for a in r["assignments"]], [Target(**t) for t in r["targets"]]


def _pack(record: dict[str, Any]) -> str:
    return base64.b64encode(zlib.compress(json.dumps(record, ensure_ascii=False).encode("utf-8"), 6)).decode("ascii")


def _unpack(packed: str) -> dict[str, Any]:
    return json.loads(zlib.decompress(base64.b64decode(packed)).decode("utf-8"))
