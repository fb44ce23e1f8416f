"""The ingest stage end to end for one file: bytes → blocks → cleaned text → metadata → chunks.

Nothing here writes anywhere: a file is fully prepared (or refused) in memory before the index is
touched, which is what keeps a failing file from ever leaving a partial document behind.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from functools import lru_cache
from pathlib import Path

from core.chunk_readings import chunk_readings
from core.contracts import CleanDocument, PreparedDocument, RefusedFile
from core.knowledge import Knowledge
from ingest.chunking import ChunkingConfig, chunk_document
from ingest.clean import clean_blocks, join_blocks
from ingest.extract import extract_assignments
from ingest.loaders import load_bytes
from ingest.loaders.ocr import OcrConfig, PageProgress
from ingest.metadata import extract_metadata
from ingest.targets import extract_targets

SUPPORTED_SUFFIXES = (
    ".txt",
    ".pdf",
    ".docx",
    ".doc",
    ".odt",
    ".html",
    ".htm",
    ".md",
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
)
MIN_TEXT_CHARS = 40  # less than this after cleaning is not a document worth answering from


def display_name(name: str) -> str:
    """A file name as shown to users and stored as `source`: NFC, never used to build a path."""
    return unicodedata.normalize("NFC", name)


def doc_id_for(source: str) -> str:
    """Stable id from the source path, so re-ingesting a changed file replaces its old version."""
    return hashlib.sha1(display_name(source).encode("utf-8")).hexdigest()[:16]


def read_limited(path: Path, source: str, max_bytes: int) -> bytes:
    """Read a file, refusing before reading when it is over the size limit or not a regular file."""
    try:
        info = path.stat()
    except OSError as exc:
        raise RefusedFile(source, f"cannot read file ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise RefusedFile(source, "not a regular file")
    if info.st_size > max_bytes:
        raise RefusedFile(source, f"file too large (limit {max_bytes // (1024 * 1024)} MB)")
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RefusedFile(source, f"file too large (limit {max_bytes // (1024 * 1024)} MB)")
    return data


def prepare_bytes(
    data: bytes,
    source: str,
    knowledge: Knowledge,
    chunking: ChunkingConfig | None = None,
    ocr: OcrConfig | None = None,
    on_page: PageProgress | None = None,
) -> PreparedDocument:
    """Extract, clean, describe and chunk one file's bytes; raises RefusedFile.

    Scanned pages and images are OCR'd with `ocr`; `on_page(done, total)` reports each page.
    `knowledge` (agencies, places, document kinds, names) is built once by the composition root."""
    registry = knowledge.registry
    loaded = load_bytes(data, source, ocr, on_page)
    blocks = clean_blocks(loaded.blocks)
    text, placed = join_blocks(blocks)
    if len(text) < MIN_TEXT_CHARS:
        raise RefusedFile(source, "no extractable text")
    metadata = extract_metadata(blocks, text, knowledge, loaded.hints)
    document = CleanDocument(
        doc_id=doc_id_for(source),
        source=source,
        content_hash=hashlib.sha256(data).hexdigest(),
        format=loaded.format,
        text=text,
        blocks=placed,
        metadata=metadata,
    )
    chunks = chunk_document(document, registry, chunking)
    return PreparedDocument(
        document,
        chunks,
        extract_assignments(document, chunks, registry),
        extract_targets(document, chunks),
        dict(loaded.hints),
        {c.chunk_id: chunk_readings(knowledge, c.text, c.heading_path) for c in chunks}
        if knowledge.reading_version
        else {},
    )


_FOLDER_META_NAMES = Path(__file__).with_name("data") / "folder_meta_names.txt"


@lru_cache(maxsize=1)
def folder_meta_names(path: Path = _FOLDER_META_NAMES) -> frozenset[str]:
    """Names of files that describe a folder (README, LICENSE, …), from the data file, read once."""
    lines = (line.strip().lower() for line in path.read_text("utf-8").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_folder_meta(name: str, names: frozenset[str] | None = None) -> bool:
    """True for a folder's own description (README.md, LICENSE.txt): not a document of the corpus."""
    return name.split(".", 1)[0].lower() in (folder_meta_names() if names is None else names)


def iter_input_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Files under the given paths (recursive), each with its source name relative to the root it
    was found under. Hidden files are included on purpose: a name is data, not an instruction.
    A folder's README/LICENSE-like files (`is_folder_meta`) are skipped in a folder walk; a file
    named explicitly is always taken."""
    found: list[tuple[Path, str]] = []
    meta_names = folder_meta_names()
    for root in paths:
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("_") and d not in {"__pycache__"})
                for name in sorted(filenames):
                    full = Path(dirpath) / name
                    if full.suffix.lower() in SUPPORTED_SUFFIXES and not is_folder_meta(name, meta_names):
                        found.append((full, display_name(str(full.relative_to(root)))))
        else:
            found.append((root, display_name(root.name)))
    return found


def check_suffix(path: Path, source: str, required: bool = False) -> None:
    """A file named explicitly must at least claim to be a document (its bytes decide the format);
    with `required` (uploads) it must name its type. SUPPORTED_SUFFIXES is the one list."""
    suffix = path.suffix.lower()
    if (suffix or required) and suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
        named = f" {suffix!r}" if suffix else ""
        raise RefusedFile(source, f"unsupported file type{named} (supported: {supported})")
