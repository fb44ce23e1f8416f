"""Ingest files into an Index: the one loop (`Ingester.run`) `ntm ingest`, the upload tab and eval call.

Each file is prepared completely in memory (or refused) before the index is touched, so a bad
file never leaves anything behind, and the rest of the batch still goes in.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from core.chunk_readings import chunk_readings
from core.contracts import PreparedDocument, RefusedFile
from core.knowledge import Knowledge
from ingest.chunking import ChunkingConfig
from ingest.copies import Copies
from ingest.loaders.ocr import OcrConfig
from ingest.pipeline import iter_input_files, prepare_bytes
from ingest.prefetch import PreparedStream
from vectorstore.index import Index

ProgressCallback = Callable[[str, str], None]  # (source, status) after each file
PageCallback = Callable[[str, int, int], None]  # (source, pages done, pages to OCR) after each OCR'd page


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # files recorded as another copy of an indexed document: {"source", "of"} (ingest/copies.py)
    duplicates: list[dict[str, str]] = field(default_factory=list)
    readings_refreshed: int = 0  # chunks whose agency readings were (re)computed (`Ingester.refresh_readings`)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused,
        }
        if self.removed:
            out["removed"] = self.removed
        if self.duplicates:
            out["duplicates"] = self.duplicates
        if self.readings_refreshed:
            out["readings_refreshed"] = self.readings_refreshed
        return out

    def record(self, source: str, status: str, reason: str = "") -> None:
        if status == "refused":
            self.refused.append({"source": source, "reason": reason})
        elif status == "duplicate":  # also a document displaced by a richer copy later in the batch
            for listed in (self.added, self.updated, self.unchanged):
                if source in listed:
                    listed.remove(source)
            self.duplicates = [d for d in self.duplicates if d["source"] != source]
            self.duplicates.append({"source": source, "of": reason})
        else:
            getattr(self, status).append(source)


class OcrSettings(Protocol):
    """The OCR part of the settings (assistant.settings.Settings has these fields)."""

    @property
    def tesseract_cmd(self) -> str: ...
    @property
    def ocr_lang(self) -> str: ...
    @property
    def ocr_threads(self) -> int: ...


class IngestSettings(OcrSettings, Protocol):
    """What the Ingester is built from (assistant.settings.Settings has these)."""

    @property
    def max_file_bytes(self) -> int: ...
    @property
    def chunk_max_chars(self) -> int: ...


@dataclass(frozen=True)
class Ingested:
    """What the ingest loop did with one file: its status (added, updated, unchanged, refused,
    duplicate), the reason or the document it copies, and documents it displaced (source, of)."""

    source: str
    status: str
    reason: str = ""
    demoted: tuple[tuple[str, str], ...] = ()

    @property
    def progress(self) -> str:
        """The status as progress lines show it ("refused: reason", "duplicate: of")."""
        return self.status if self.status not in ("refused", "duplicate") else f"{self.status}: {self.reason}"


class Ingester:
    def __init__(
        self,
        index: Index,
        max_file_bytes: int,
        chunking: ChunkingConfig | None = None,
        ocr: OcrConfig | None = None,
        workers: int | None = None,
        *,
        knowledge: Knowledge,
    ) -> None:
        self.index = index
        self.knowledge = knowledge  # built once by the composition root, shared with its ChatService
        self.workers = workers  # processes preparing files ahead of the embedder (None: cores - 1; 0: none)
        self.max_file_bytes = max_file_bytes
        self.chunking = chunking or ChunkingConfig()
        self.ocr = ocr or OcrConfig()
        self.copies = Copies(index)
        self.demoted: list[tuple[str, str]] = []  # (source, canonical source) displaced by a richer copy

    @classmethod
    def from_settings(cls, settings: IngestSettings, index: Index, **options: Any) -> Ingester:
        """The Ingester the settings describe (file size limit, chunk size, OCR): the one
        constructor the CLI, the upload tab, eval and bench use; `options` are the constructor's
        keyword arguments (workers, …)."""
        chunking = ChunkingConfig(max_chars=settings.chunk_max_chars)
        return cls(index, settings.max_file_bytes, chunking, ocr_config(settings), **options)

    def ingest_bytes(
        self, data: bytes, source: str, on_page: PageCallback | None = None, prepared: PreparedDocument | None = None
    ) -> tuple[str, str]:
        # Scanned pages are OCR'd (seconds each): on_page(source, done, total) reports each one.
        """Ingest one file's bytes under a display name; returns (status, reason). A copy of an
        indexed document is recorded as its alternate: ("duplicate", source of that document)."""
        import hashlib

        content_hash = hashlib.sha256(data).hexdigest()
        if self.copies.is_unchanged_alternate(source, content_hash):
            return "unchanged", ""
        status = self.index.status_of(source, content_hash)
        if status == "unchanged":
            return status, ""
        try:
            pages = (lambda done, total: on_page(source, done, total)) if on_page else None
            prepared = prepared or prepare_bytes(data, source, self.knowledge, self.chunking, self.ocr, pages)
        except RefusedFile as exc:
            return "refused", exc.reason
        placement = self.copies.place(prepared, data)
        self.demoted.extend(placement.demoted)
        return placement.status, placement.duplicate_of

    def _needs_prepare(self, source: str, content_hash: str) -> bool:
        """False for a file already indexed (or recorded as an alternate) with these bytes."""
        if self.copies.is_unchanged_alternate(source, content_hash):
            return False
        return self.index.status_of(source, content_hash) != "unchanged"

    def remove(self, source: str) -> tuple[bool, str]:
        """Remove a document or an alternate copy; (removed?, the alternate promoted in its place)."""
        return self.copies.remove(source, self.knowledge)

    def ingest_paths(
        self,
        paths: list[Path],
        on_file: ProgressCallback | None = None,
        prune: bool = False,
        on_page: PageCallback | None = None,
    ) -> IngestReport:
        """Ingest files and folders (recursively); one refused file never stops the batch.

        With `prune`, documents whose source is not among these files are removed, so the index
        mirrors a corpus folder (what `make run` wants when NTM_CORPUS_DIR changes).
        """
        report = IngestReport()
        files = iter_input_files(paths)
        with self.index.batch():
            if prune:
                self.require_build_settings()
                present = {source for _, source in files}
                gone = [s for s in self.copies.alternate_sources() if s not in present]
                gone += [r.source for r in self.index.documents() if r.source not in present]
                for source in gone:
                    if self.remove(source)[0]:
                        report.removed.append(source)
            for done in self.run(files, on_page):
                report.record(done.source, done.status, done.reason)
                for demoted, of in done.demoted:
                    report.record(demoted, "duplicate", of)
                if on_file:
                    on_file(done.source, done.progress)
            report.readings_refreshed = self.refresh_readings()
        for item in report.duplicates:  # a later, richer copy may have taken the document over
            item["of"] = self.copies.canonical_source(item["source"]) or item["of"]
        return report

    def refresh_readings(self, batch: int = 256) -> int:
        """Store chunk readings (core/chunk_readings) for the chunks that lack ones of this
        code's version: chunks ingested before readings were stored, or after the code or data they
        come from changed. Answers do not depend on them, only answer time; returns how many chunks."""
        version = self.knowledge.reading_version
        if not version:
            return 0
        lacking = self.index.chunks_lacking_readings(version)
        for start in range(0, len(lacking), batch):
            records = self.index.chunks(lacking[start : start + batch])
            self.index.store_readings(
                [
                    (r.chunk_id, r.doc_id, chunk_readings(self.knowledge, r.text, r.heading_path))
                    for r in records.values()
                ]
            )
        return len(lacking)

    def run(
        self,
        files: list[tuple[Path, str]],
        on_page: PageCallback | None = None,
        lock: AbstractContextManager[Any] | None = None,
    ) -> Iterator[Ingested]:
        """The ingest loop (the CLI, the upload tab and eval all come here): each (path, source)
        is read, refused or prepared ahead, then written; one Ingested per file, in order.

        Without `lock`, the caller holds the index's write batch for the whole run, and files
        are prepared in worker processes while the current ones are embedded (ingest/prefetch.py).
        With `lock` (the app's index lock), files are prepared one at a time in this process and
        each write takes the lock and its own batch, published at once; the lock is never held
        while a file is prepared or between two files (questions wait for a write, not an OCR).
        Files must then name their type (an upload without a suffix is refused).
        """
        needs_prepare = self._needs_prepare
        if lock is not None:
            with lock, self.index.batch():
                self.require_build_settings()

            def needs_prepare(source: str, content_hash: str) -> bool:
                with lock:
                    return self._needs_prepare(source, content_hash)

        else:
            self.require_build_settings()
        stream = PreparedStream(
            files,
            needs_prepare,
            self.max_file_bytes,
            self.knowledge,
            self.chunking,
            self.ocr,
            self.workers if lock is None else 0,
            window=16 if lock is None else 1,
            on_ready=self.index.embed_ahead,
            group_chunks=64 if lock is None else 0,  # with a lock: vectors of one file per write
            on_page=on_page,
            require_suffix=lock is not None,
        )
        for item in stream:
            try:
                if item.refused:
                    raise RefusedFile(item.source, item.refused)
                if item.prepared is None:
                    status, reason = "unchanged", ""
                elif lock is None:
                    status, reason = self.ingest_bytes(item.data, item.source, on_page, item.prepared)
                else:
                    with lock, self.index.batch():
                        status, reason = self.ingest_bytes(item.data, item.source, on_page, item.prepared)
            except RefusedFile as exc:
                status, reason = "refused", exc.reason
            demoted, self.demoted = tuple(self.demoted), []
            yield Ingested(item.source, status, reason, demoted)

    def build_settings(self) -> dict[str, str]:
        """The settings that decide what a file turns into, recorded in the index (its embedding
        model is recorded by the Index, the pipeline version per document)."""
        return {"chunk_max_chars": str(self.chunking.max_chars), "ocr_lang": self.ocr.lang}

    def require_build_settings(self) -> None:
        """IndexSettingsMismatch when the index holds documents built with other settings."""
        self.index.require_build_settings(self.build_settings())


def ocr_config(settings: OcrSettings) -> OcrConfig:
    """The OCR settings (`tesseract_cmd`, `ocr_lang`, `ocr_threads`) as the loaders' config."""
    return OcrConfig(command=settings.tesseract_cmd, lang=settings.ocr_lang, threads=settings.ocr_threads)
