"""The records' rows as objects: a document's record (no text) and a stored chunk (vectorstore/records.py
reads them)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.contracts import Chunk


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    source: str
    content_hash: str
    format: str
    metadata: dict[str, str]
    n_chunks: int
    ingested_at: str
    pipeline: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "content_hash": self.content_hash,
            "format": self.format,
            "n_chunks": self.n_chunks,
            "ingested_at": self.ingested_at,
            **self.metadata,
        }


@dataclass
class ChunkRecord(Chunk):
    """A stored chunk, with the text that was embedded and indexed for it."""

    indexed_text: str = ""


def document_of(row: tuple) -> DocumentRecord:
    return DocumentRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7])


def chunk_of(row: tuple) -> ChunkRecord:
    return ChunkRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], json.loads(row[7]), row[8])
