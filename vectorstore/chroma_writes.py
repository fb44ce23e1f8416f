"""The Index's writes of chunk rows to Chroma: held back in a write batch, sent in large calls.

Why: an embedded Chroma collection pays a fixed cost per `upsert` call, and that cost grows with the
collection (bench/RESULTS.md "Ingest pass": calls of one document, ~10 chunks, took 5 CPU-ms per
chunk on an empty collection and ~20 at 2k chunks; calls of 256 chunks 1-1.6). On 2 cores every
CPU-ms spent writing is one the embedder does not get. So inside a write batch documents are still
recorded one at a time, but their rows go to Chroma when `limit` are waiting, before a delete or a
read of the collection, before a second write of a held id, and when the batch ends. Chroma ends up
with the same rows in the same order.

The records' "dirty" mark is set before the first row is held or written and cleared once Chroma
holds every recorded chunk again, so a crash while rows are held has the next open reconcile Chroma
with the records (`Index.reconcile`), as a crash between the two writes always did.
"""

from __future__ import annotations

import threading
from typing import Any, Sequence

from vectorstore.records import RecordStore


class ChromaWrites:
    """Rows (id, vector, document, metadata) on their way to one collection, and the dirty mark."""

    def __init__(self, records: RecordStore, limit: int = 256) -> None:
        self.records = records
        self.limit = limit
        self.dirty = False  # this object set the records' "dirty" mark
        self._lock = threading.Lock()  # a reader on another thread may flush
        self._clear()

    def _clear(self) -> None:
        self._ids: list[str] = []
        self._vectors: list[Any] = []
        self._documents: list[str] = []
        self._metadatas: list[Any] = []
        self._held: set[str] = set()

    def __len__(self) -> int:
        return len(self._ids)

    def begin(self) -> None:
        """Before a change to Chroma and the records: mark the records ahead of Chroma."""
        if not self.dirty:
            self.records.set_meta("dirty", "1")
            self.dirty = True

    def upsert(
        self,
        collection: Any,
        ids: Sequence[str],
        vectors: Sequence[Any],
        documents: Sequence[str],
        metadatas: Sequence[Any],
        hold: bool,
    ) -> None:
        """Write these rows now, or (`hold`) with the next flush."""
        if not hold:
            collection.upsert(
                ids=list(ids), embeddings=list(vectors), documents=list(documents), metadatas=list(metadatas)
            )
            return
        if any(i in self._held for i in ids):
            self.flush(collection)  # Chroma refuses an id twice in one call
        with self._lock:
            self._ids += ids
            self._vectors += vectors
            self._documents += documents
            self._metadatas += metadatas
            self._held.update(ids)

    def done(self, collection: Any) -> None:
        """After a document's records are written: flush when `limit` rows wait; with none
        waiting, Chroma holds every recorded chunk (the dirty mark is cleared)."""
        if len(self._ids) >= self.limit:
            self.flush(collection)
        elif not self._ids and self.dirty:
            self.clean()

    def flush(self, collection: Any) -> None:
        """Upsert every held row in one call, then clear the dirty mark. Held rows are dropped
        even when the call fails: the mark stays, and the next open reconciles."""
        with self._lock:
            if not self._ids:
                return
            rows = (self._ids, self._vectors, self._documents, self._metadatas)
            self._clear()
            collection.upsert(ids=rows[0], embeddings=rows[1], documents=rows[2], metadatas=rows[3])
        self.clean()

    def drop(self) -> None:
        """Forget held rows (the collection they were for is gone: `Index.reset`)."""
        with self._lock:
            self._clear()
        if self.dirty:
            self.clean()

    def clean(self) -> None:
        self.records.set_meta("dirty", "0")
        self.dirty = False
