"""How a chunk is described to Chroma: the text embedded for it, its metadata as Chroma scalars,
and the Chroma client (embedded in the index folder, or a server's)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from core.contracts import Chunk, CleanDocument
from core.vntext import fold
from vectorstore.records import ChunkRecord, DocumentRecord


def contextual_text(doc: CleanDocument | DocumentRecord, chunk: Chunk) -> str:
    """What is embedded and indexed for a chunk: its document's identity and heading path on top
    of its text, so a chunk that never names its province or notice is still found by them."""
    meta = doc.metadata if isinstance(doc, DocumentRecord) else doc.metadata.as_dict()
    head = " · ".join(
        x for x in (meta.get("province", ""), meta.get("kind", ""), meta.get("number", ""), meta.get("issued", "")) if x
    )
    lines = [meta.get("title", ""), head, chunk.heading_path_text, chunk.text]
    return "\n".join(line for line in lines if line)


def chroma_metadata(doc: CleanDocument, chunk: Chunk) -> dict[str, Any]:
    """Chunk metadata as Chroma scalars (strings, ints, bools)."""
    meta = doc.metadata
    year = int(meta.issued[:4]) if meta.issued[:4].isdigit() else 0
    out: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "chunk_n": chunk.n,
        "title": meta.title,
        "kind": meta.kind,
        "province": meta.province,
        "province_key": fold(meta.province),
        "issued": meta.issued,
        "year": year,
        "number": meta.number,
        "heading_path": chunk.heading_path_text,
        "start": chunk.start,
        "end": chunk.end,
        "agencies": ";".join(chunk.agencies),
    }
    for agency_id in chunk.agencies:
        out[f"ag_{agency_id}"] = True
    return out


def metadata_from_records(doc: DocumentRecord, chunk: ChunkRecord) -> dict[str, Any]:
    from core.contracts import DocumentMetadata

    clean = CleanDocument(
        doc.doc_id, doc.source, doc.content_hash, doc.format, "", [], DocumentMetadata(**doc.metadata)
    )
    return chroma_metadata(clean, chunk)


def chroma_client(index_dir: Path, url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=chroma_settings,
        )
    os.makedirs(index_dir / "chroma", exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)
