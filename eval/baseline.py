"""The naive reference row: the plain LangChain RAG pipeline everyone starts from.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the same cleaned document
texts the product indexes (`ingest.pipeline.prepare_bytes(...).document.text`), a `langchain_chroma`
collection in a temporary folder with the same embedding model, top-4 similarity search; the answer
is the top chunk's text, the citations are the 4 chunks, and it never abstains. No query planning,
no lexical leg, no metadata filters, no register, no answer selection: what the product adds is
measured against this row.

`NaiveBaseline.ask(question)` returns the product's `Answer`, so the same metrics apply unchanged.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from core.contracts import Answer, Citation, RetrievedChunk
from ingest.pipeline import doc_id_for

NAME = "naive"
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
QUOTE_CHARS = 300
BATCH = 16  # chunks embedded per call (the progress bar's step)


class NaiveBaseline:
    """Splitter 1000/200 + Chroma + the given embedder, top-4; answer = top chunk, never abstains."""

    name = NAME

    def __init__(
        self,
        documents: list[tuple[str, str, dict[str, str]]],
        embeddings: Any,
        workdir: Path | None = None,
        progress: bool = False,
    ) -> None:
        """`documents`: (source, cleaned text, metadata) triples, in a fixed order."""
        if not documents:
            raise ValueError("the naive baseline needs at least one document")
        self._own_dir = workdir is None
        self.workdir = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="ntm-naive-"))
        self._client = None
        try:
            self._build(documents, embeddings, progress)
        except BaseException:
            self.close()
            raise

    def _build(self, documents: list[tuple[str, str, dict[str, str]]], embeddings: Any, progress: bool) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        from tqdm import tqdm

        self._client = chromadb.PersistentClient(
            path=str(self.workdir), settings=ChromaSettings(anonymized_telemetry=False)
        )
        self._collection = f"naive_{uuid.uuid4().hex[:12]}"
        self.store = Chroma(collection_name=self._collection, embedding_function=embeddings, client=self._client)
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        texts, metadatas, ids = [], [], []
        for source, text, meta in documents:
            doc_id = doc_id_for(source)
            for n, piece in enumerate(splitter.create_documents([text])):
                texts.append(piece.page_content)
                metadatas.append(
                    {
                        **{k: v for k, v in meta.items() if isinstance(v, str)},
                        "source": source,
                        "doc_id": doc_id,
                        "start": int(piece.metadata["start_index"]),
                    }
                )
                ids.append(f"{doc_id}:{n}")
        self.n_chunks = len(texts)
        self.n_documents = len(documents)

        with tqdm(total=len(texts), unit="chunk", desc="index naive", file=sys.stderr, disable=not progress) as bar:
            for i in range(0, len(texts), BATCH):
                self.store.add_texts(texts[i : i + BATCH], metadatas=metadatas[i : i + BATCH], ids=ids[i : i + BATCH])
                bar.update(len(texts[i : i + BATCH]))

    @classmethod
    def from_corpus(
        cls, corpus: Path, embeddings: Any, max_file_bytes: int = 20 * 1024 * 1024, progress: bool = False
    ) -> NaiveBaseline:
        """Load every file of `corpus` as `ntm ingest` would (refused files are skipped, as ingest skips them)."""
        from core.contracts import RefusedFile
        from core.knowledge import Knowledge
        from ingest.pipeline import iter_input_files, prepare_bytes, read_limited

        knowledge = Knowledge.load()
        documents = []
        for path, source in iter_input_files([Path(corpus)]):
            try:
                prepared = prepare_bytes(read_limited(path, source, max_file_bytes), source, knowledge)
            except RefusedFile:
                continue
            documents.append((source, prepared.document.text, _document_metadata(prepared.document)))
        return cls(documents, embeddings, progress=progress)

    def ask(self, question: str, history: list[dict] | None = None, filters: Any = None) -> Answer:
        """Top-4 similarity search; the answer is the first chunk's text (history and filters are ignored)."""
        hits = self.store.similarity_search_with_score(question, k=TOP_K)
        retrieved = [
            RetrievedChunk(
                chunk_id=doc.id or f"{doc.metadata['doc_id']}:?",
                doc_id=doc.metadata["doc_id"],
                source=doc.metadata["source"],
                score=1.0 / (1.0 + float(distance)),
                text=doc.page_content,
                heading_path=[],
                start=int(doc.metadata["start"]),
                end=int(doc.metadata["start"]) + len(doc.page_content),
                metadata={k: v for k, v in doc.metadata.items() if isinstance(v, str)},
            )
            for doc, distance in hits
        ]
        citations = [
            Citation.of(
                n, chunk, chunk.text[:QUOTE_CHARS], chunk.start, chunk.start + min(len(chunk.text), QUOTE_CHARS)
            )
            for n, chunk in enumerate(retrieved, start=1)
        ]
        text = retrieved[0].text if retrieved else ""
        confidence = retrieved[0].score if retrieved else 0.0
        return Answer(text=text, citations=citations, abstained=False, confidence=confidence, retrieved=retrieved)

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.delete_collection(self._collection)
            except Exception:  # noqa: BLE001, S110 - already gone; the folder is removed next anyway
                pass
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> NaiveBaseline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _document_metadata(document: Any) -> dict[str, str]:
    """title, number, province, issued of a cleaned document (for the citations), as strings."""
    meta = getattr(document, "metadata", None)
    out = {}
    for key in ("title", "number", "province", "issued"):
        value = getattr(meta, key, None) if meta is not None else None
        if value:
            out[key] = str(value)
    return out
