"""Ingest files into an Index: the one service the CLI and the app's upload both call.

Each file is prepared completely in memory (or refused) before the index is touched, so a bad
file never leaves anything behind, and the rest of the batch still goes in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ingest.agencies import load_registry
from ingest.chunking import ChunkingConfig
from ingest.loaders.ocr import OcrConfig
from ingest.model import RefusedFile
from ingest.pipeline import check_suffix, iter_input_files, prepare_bytes, read_limited
from vectorstore.index import Index

if TYPE_CHECKING:
    from assistant.settings import Settings

ProgressCallback = Callable[[str, str], None]  # (source, status) after each file
PageCallback = Callable[[str, int, int], None]  # (source, pages done, pages to OCR) after each OCR'd page


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "refused": self.refused}
        if self.removed:
            out["removed"] = self.removed
        return out

    def record(self, source: str, status: str, reason: str = "") -> None:
        if status == "refused":
            self.refused.append({"source": source, "reason": reason})
        else:
            getattr(self, status).append(source)


class Ingester:
    def __init__(
        self, index: Index, max_file_bytes: int, chunking: ChunkingConfig | None = None, ocr: OcrConfig | None = None
    ) -> None:
        self.index = index
        self.max_file_bytes = max_file_bytes
        self.chunking = chunking or ChunkingConfig()
        self.ocr = ocr or OcrConfig()
        self.registry = load_registry()

    def ingest_bytes(self, data: bytes, source: str, on_page: PageCallback | None = None) -> tuple[str, str]:
        # Scanned pages are OCR'd (seconds each): on_page(source, done, total) reports each one.
        """Ingest one file's bytes under a display name; returns (status, reason)."""
        import hashlib

        status = self.index.status_of(source, hashlib.sha256(data).hexdigest())
        if status == "unchanged":
            return status, ""
        try:
            pages = (lambda done, total: on_page(source, done, total)) if on_page else None
            prepared = prepare_bytes(data, source, self.registry, self.chunking, self.ocr, pages)
        except RefusedFile as exc:
            return "refused", exc.reason
        return self.index.upsert(prepared), ""

    def ingest_paths(
        self, paths: list[Path], on_file: ProgressCallback | None = None, prune: bool = False,
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
                present = {source for _, source in files}
                for record in self.index.documents():
                    if record.source not in present and self.index.remove(record.source):
                        report.removed.append(record.source)
            for path, source in files:
                try:
                    check_suffix(path, source)
                    data = read_limited(path, source, self.max_file_bytes)
                    status, reason = self.ingest_bytes(data, source, on_page)
                except RefusedFile as exc:
                    status, reason = "refused", exc.reason
                report.record(source, status, reason)
                if on_file:
                    on_file(source, status if status != "refused" else f"refused: {reason}")
        return report


def ocr_config(settings: Settings) -> OcrConfig:
    """The OCR settings (`tesseract_cmd`, `ocr_lang`, `ocr_threads`) as the loaders' config."""
    return OcrConfig(command=settings.tesseract_cmd, lang=settings.ocr_lang, threads=settings.ocr_threads)
