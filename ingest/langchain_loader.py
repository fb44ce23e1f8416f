"""The ingest stage as a LangChain document loader, so other LangChain pipelines can read
Vietnamese NTM files (any supported format, cleaned, NFC, with our metadata) without our index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from core.contracts import RefusedFile
from core.knowledge import Knowledge
from ingest.pipeline import iter_input_files, prepare_bytes, read_limited


class NTMDocumentLoader(BaseLoader):
    """Yields one Document per file (cleaned text; DESIGN.md document metadata), or — with
    `chunks=True` — one per structural chunk (with heading path and offsets). Files that must be
    refused are skipped and listed in `refused` (source → reason)."""

    def __init__(
        self, *paths: str | Path, knowledge: Knowledge, chunks: bool = False, max_file_bytes: int = 20 * 1024 * 1024
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.knowledge = knowledge  # core.knowledge.Knowledge.load(), built once by the caller
        self.chunks = chunks
        self.max_file_bytes = max_file_bytes
        self.refused: dict[str, str] = {}

    def lazy_load(self) -> Iterator[Document]:
        for path, source in iter_input_files(self.paths):
            try:
                prepared = prepare_bytes(read_limited(path, source, self.max_file_bytes), source, self.knowledge)
            except RefusedFile as exc:
                self.refused[source] = exc.reason
                continue
            doc = prepared.document
            base = {
                "doc_id": doc.doc_id,
                "source": doc.source,
                "content_hash": doc.content_hash,
                **doc.metadata.as_dict(),
            }
            if not self.chunks:
                yield Document(page_content=doc.text, metadata=base, id=doc.doc_id)
                continue
            for chunk in prepared.chunks:
                meta = {
                    **base,
                    "chunk_id": chunk.chunk_id,
                    "heading_path": chunk.heading_path_text,
                    "start": chunk.start,
                    "end": chunk.end,
                    "agencies": ";".join(chunk.agencies),
                }
                yield Document(page_content=chunk.text, metadata=meta, id=chunk.chunk_id)
