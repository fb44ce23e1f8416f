"""Whole documents seen through the Index's public methods: an answer may quote a span that lies
past the retrieved chunk (the rest of a list, a signature block), and every cited span must come
with the chunk that holds it."""

from __future__ import annotations

from core.contracts import RetrievedChunk
from vectorstore.index import Index


class DocumentView:
    """Document text and chunks by id, cached per question (the service makes one per ask)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._texts: dict[str, str] = {}
        self._chunks: dict[str, list[RetrievedChunk]] = {}
        self._meta: dict[str, tuple[str, dict[str, str]]] = {}

    def text(self, doc_id: str) -> str:
        if doc_id not in self._texts:
            self._texts[doc_id] = self.index.document_text(doc_id) or ""
        return self._texts[doc_id]

    def _document(self, doc_id: str) -> tuple[str, dict[str, str]]:
        """Source and metadata of one document (read by id: never every document per question)."""
        if doc_id not in self._meta:
            record = self.index.document(doc_id)
            self._meta[doc_id] = (record.source, dict(record.metadata)) if record else ("", {})
        return self._meta[doc_id]

    def chunks(self, doc_id: str) -> list[RetrievedChunk]:
        """The document's chunks in order, as RetrievedChunk views (score 0: not retrieved)."""
        if doc_id not in self._chunks:
            source, meta = self._document(doc_id)
            records = self.index.chunks(self.index.chunk_ids(doc_id))
            views = [
                RetrievedChunk(r.chunk_id, r.doc_id, source, 0.0, r.text, list(r.heading_path), r.start, r.end, meta)
                for r in records.values()
            ]
            self._chunks[doc_id] = sorted(views, key=lambda c: c.start)
        return self._chunks[doc_id]

    def chunk_at(self, doc_id: str, offset: int) -> RetrievedChunk | None:
        """The chunk whose span holds a document offset."""
        for chunk in self.chunks(doc_id):
            if chunk.start <= offset < max(chunk.end, chunk.start + 1):
                return chunk
        return None


def with_cited(retrieved: list[RetrievedChunk], cited: list[RetrievedChunk]) -> list[RetrievedChunk]:
    """Retrieved chunks, then the cited ones retrieval did not rank (every citation's chunk is listed)."""
    have = {c.chunk_id for c in retrieved}
    extra: dict[str, RetrievedChunk] = {}
    for chunk in cited:
        if chunk.chunk_id not in have:
            extra.setdefault(chunk.chunk_id, chunk)
    return list(retrieved) + list(extra.values())
