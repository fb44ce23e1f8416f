"""What the Index answers: documents, chunks, the register's rows, the copies ledger, and the two
searches. The Index (vectorstore/index.py) keeps these in step on writes; callers read through
these methods only, never the records store itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, AbstractSet, Any

from core.contracts import Assignment, Target
from vectorstore.alternates import AlternateLedger
from vectorstore.records import ChunkRecord, DocumentRecord

if TYPE_CHECKING:
    from vectorstore.embeddings import NamedEmbeddings
    from vectorstore.lexical import LexicalIndex
    from vectorstore.records import RecordStore
    from vectorstore.vector_shelf import VectorShelf


_DOCUMENTS_KEPT = 4096  # document records remembered per index state (documents_by_id)


@dataclass(frozen=True)
class SearchHit:
    chunk_id: str
    score: float


class IndexReads:
    """The reading half of the Index (its state is set up by Index.__init__)."""

    _records: RecordStore
    _alternates: AlternateLedger | None
    _lexical_dirty: bool
    _where_cache: tuple[str, dict[str, frozenset[str]]]
    _documents_cache: tuple[str, dict[str, DocumentRecord]]
    _shelf: VectorShelf
    collection: Any
    embeddings: NamedEmbeddings
    lexical: LexicalIndex

    def _generation(self) -> str:
        return self._records.get_meta("generation") or ""

    def _vectors(self) -> Any:
        """The Chroma collection, holding every vector this object has written (the Index first
        writes those its write batch still holds back: vectorstore/chroma_writes.py)."""
        return self.collection

    @property
    def state(self) -> str:
        """The published generation this process reads, "" while it has unpublished writes:
        a key for caches of anything derived from the records."""
        return "" if self._lexical_dirty else self.lexical.generation

    @property
    def generation(self) -> str:
        """The generation the records hold ("pending-…" while a write batch is unpublished)."""
        return self._generation()

    def documents(self) -> list[DocumentRecord]:
        return self._records.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self._records.get_document(doc_id)

    def find_document(self, source: str) -> DocumentRecord | None:
        """The indexed document with this source (None when there is none)."""
        return self._records.find_by_source(source)

    def document_text(self, doc_id: str) -> str | None:
        """A document's cleaned text (chunk offsets point into it)."""
        return self._records.document_text(doc_id)

    def chunk_ids(self, doc_id: str | None = None) -> list[str]:
        """Chunk ids of one document in order (of every document when `doc_id` is None)."""
        return self._records.chunk_ids(doc_id)

    def all_chunks(self) -> list[ChunkRecord]:
        return self._records.all_chunks()

    def assignments(
        self, agencies: list[str] | None = None, documents: AbstractSet[str] | None = None
    ) -> list[Assignment]:
        """The task register's rows, optionally only those of these agency ids and documents."""
        return self._records.assignments(agencies, documents)

    def targets(self, chunk_ids: list[str] | None = None) -> list[Target]:
        """The figures the tracker found, of every chunk or only of these."""
        return self._records.targets(chunk_ids)

    def alternates(self) -> AlternateLedger:
        """The copies ledger kept in the records' file (ingest/copies.py writes it)."""
        if self._alternates is None:
            self._alternates = AlternateLedger(self._records.connection)
        return self._alternates

    def documents_by_id(self, doc_ids: AbstractSet[str]) -> dict[str, DocumentRecord]:
        """The records of these documents only (per question: never a pass over all of them), in
        doc id order. Remembered per published state (a record changes only with a write, and a
        write publishes a new state): every question reads its candidates' and its tasks'
        documents, and a corpus holds far fewer than its questions read; none are kept while this
        process holds unpublished writes."""
        state = self.state
        if not state:
            found = self._records.get_documents(sorted(doc_ids))
            return {d: found[d] for d in sorted(found)}
        if self._documents_cache[0] != state or len(self._documents_cache[1]) > _DOCUMENTS_KEPT:
            self._documents_cache = (state, {})  # past that many, start again (a national index holds more)
        kept = self._documents_cache[1]
        missing = sorted(d for d in doc_ids if d not in kept)
        if missing:
            kept.update(self._records.get_documents(missing))
        return {d: kept[d] for d in sorted(doc_ids) if d in kept}

    def document_places(self) -> list[tuple[str, str, str]]:
        """(doc_id, province, issued) as recorded, of every document: the register's scope."""
        return self._records.document_places()

    def documents_mentioning(
        self, agencies: list[str], documents: AbstractSet[str] | None, texts: list[str]
    ) -> set[str]:
        """Documents (of `documents`, or of all) where a task or deadline of these agencies' rows
        contains one of `texts` (e.g. a year)."""
        return self._records.documents_mentioning(agencies, documents, texts)

    def chunks(self, chunk_ids: list[str]) -> dict[str, ChunkRecord]:
        return self._records.get_chunks(chunk_ids)

    def agency_readings(self, chunk_ids: list[str]) -> dict[str, str]:
        """The readings stored with these chunks at ingest (core/chunk_readings)."""
        return self._records.agency_readings(chunk_ids)

    def chunks_lacking_readings(self, version: str) -> list[str]:
        """Chunks with no agency readings of `version` (ingested by older code, or other data)."""
        return self._records.chunks_lacking_readings(version)

    def count(self) -> int:
        return int(self._vectors().count())

    def query_vector(self, query: str) -> list[float]:
        """The question's vector (the embedder's query side; callers may compute it on a thread
        while they do other work: the engines release the GIL)."""
        return self.embeddings.embed_query(query)

    def dense_search(
        self,
        query: str,
        k: int,
        where: dict[str, Any] | None = None,
        *,
        allowed: AbstractSet[str] | None = None,
        vector: list[float] | None = None,
    ) -> list[SearchHit]:
        """Nearest chunks by cosine similarity (1 - distance), optionally filtered by metadata.
        `allowed`, when the caller has it, is the set of ids `where` selects (`chunk_ids_where`).
        Up to EXACT_LIMIT chunks to score (a filter's, or a small index's), the vector copy scores
        them exactly (vectorstore/vector_shelf.py); otherwise Chroma restricts its query to the
        listed ids, faster than it evaluates a metadata filter.
        `vector` is the query's, when already computed.
        (Chroma returns fewer than k when it holds fewer: no count() round trip per question.)
        Chroma refuses a listed id it does not hold (the records list a chunk another process is
        still writing or removing): the query is then filtered by `where` instead."""
        if allowed is not None and not allowed:
            return []
        vector = vector if vector is not None else self.embeddings.embed_query(query)
        if (allowed is not None or not where) and self._shelf.ready(self.state):
            exact = self._shelf.nearest(vector, k, allowed)
            if exact is not None:
                return [SearchHit(i, s) for i, s in exact]
        options: dict[str, Any] = {"query_embeddings": [vector], "n_results": k, "include": ["distances"]}
        try:
            listed = {"ids": sorted(allowed)} if allowed is not None else {"where": where or None}
            result = self._vectors().query(**options, **listed)
        except Exception:  # noqa: BLE001 - an id Chroma does not hold; anything else is raised again below
            if allowed is None or not where:
                raise
            result = self._vectors().query(**options, where=where)
        return [SearchHit(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], result["distances"][0], strict=False)]

    def lexical_search(self, query: str, k: int, allowed: AbstractSet[str] | None = None) -> list[SearchHit]:
        return [SearchHit(i, s) for i, s in self.lexical.search(query, k, allowed)]

    def chunk_ids_where(self, where: dict[str, Any]) -> AbstractSet[str]:
        """Ids of chunks matching a metadata filter (to restrict both legs the same way), from the
        records' filter table (vectorstore/chunk_filters.py: a few ms at 100k chunks, where
        Chroma's `get(where=...)` takes ~44), from Chroma for what that table does not answer;
        remembered per filter until the index changes (questions repeat provinces and years)."""
        if not self.state:
            return self._ids_where(where)
        if self._where_cache[0] != self.state:
            self._where_cache = (self.state, {})
        key = json.dumps(where, sort_keys=True, ensure_ascii=False)
        cache = self._where_cache[1]
        if key not in cache:
            if len(cache) >= 256:
                cache.pop(next(iter(cache)))
            cache[key] = frozenset(self._ids_where(where))
        return cache[key]

    def _ids_where(self, where: dict[str, Any]) -> set[str]:
        found = self._records.chunk_ids_where(where)
        return set(self._vectors().get(where=where, include=[])["ids"]) if found is None else found
