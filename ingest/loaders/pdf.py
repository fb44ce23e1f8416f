"""PDF loader: pypdf text with its positions, rebuilt into paragraphs, headings, lists and rows;
pages without a usable text layer (scans) are OCR'd.

Why positions: a PDF stores wrapped lines, not paragraphs. pypdf's plain `extract_text()` gives
one line per output line and loses where a paragraph ends. We run the same extraction with a
`visitor_text` callback, which reports each text run with its matrix and font size
(`pdf_lines.py`), and use that to find page headers/footers by their place on the page and to
rebuild paragraphs, headings, list items and table rows (`pdf_blocks.py`). The text itself
(including the spaces pypdf infers) is exactly what pypdf extracts; only the grouping is ours.

Measured on the kit (token_match against `formats/_expected/`, see tests/test_loaders.py):
003_lai-chau_ket-luan_libreoffice.pdf 1.0000 and 002_ha-tinh_header-footer_libreoffice.pdf
1.0000, with the same paragraph boundaries as the expected texts (46 and 34 blocks). pypdf keeps
"07-NQ/TU" and "QĐ-UBND" intact, so the two pdftotext artifacts the kit README mentions do not
occur. `extraction_mode="layout"` was not used: it drops font sizes (needed for headings) and
pads lines with spaces, so paragraph ends would still have to be guessed.

Scanned pages: a page that draws an image and has less than a line of text (`_USABLE_PAGE_CHARS`)
is rendered and OCR'd (`raster.py`, `ocr.py`, `ocr_pages.py`); the other pages keep their text
layer. OCR lines join the text pages' lines before furniture removal, so the whole file gets the
same cleaning. `hints["ocr_pages"]` lists the OCR'd pages ("1,2"). Without Tesseract such a file
is refused with the Debian packages to install.

Refusals are all-or-nothing: a damaged, truncated or encrypted file is never indexed from
whatever pypdf's lenient mode could recover. Truncation is caught by the missing trailer; other
damage by pypdf's exceptions and by the warnings it logs when it skips unreadable objects or
streams (collected per call through a logging handler on the "pypdf" logger).
"""

from __future__ import annotations

import io
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from core.contracts import Block, LoadedFile, RefusedFile
from ingest.loaders.ocr import OcrConfig, PageProgress, require_ocr
from ingest.loaders.ocr_pages import ocr_blocks, ocr_pages
from ingest.loaders.pdf_blocks import build_blocks
from ingest.loaders.pdf_lines import (
    Line,
    clean_text,
    drop_page_furniture,
    has_images,
    page_lines,
)
from ingest.loaders.raster import render_pdf_pages, require_renderer

# A PDF's trailer (startxref + %%EOF) is at its very end; a truncated download loses it.
_TRAILER_WINDOW = 2048
# pypdf's lenient mode logs these and carries on with whatever it could read; each means some
# content was lost ("Ignoring wrong pointing object" alone is a harmless xref repair).
_LOSSY_WARNING = re.compile(
    r"not defined|decompress|Invalid Elementary Object|Stream has ended|Unable to find|unexpected end",
    re.IGNORECASE,
)
# An image page with less text than one line (a scanner's stamp, a page number) is a scan.
_USABLE_PAGE_CHARS = 40


def load_pdf(data: bytes, source: str, ocr: OcrConfig | None = None, on_page: PageProgress | None = None) -> LoadedFile:
    """Extract blocks from a PDF (OCR'ing scanned pages), or refuse it (damaged, encrypted, empty)."""
    _check_trailer(data, source)
    with _pypdf_warnings() as warnings:
        reader = _open(data, source)
        pages, image_pages = _extract_pages(reader, source)
    lossy = [message for message in warnings if _LOSSY_WARNING.search(message)]
    if lossy:
        raise RefusedFile(source, f"damaged/truncated PDF ({_short(lossy[0])})")
    scanned = [n for n in image_pages if sum(len(line.text) for line in pages[n]) < _USABLE_PAGE_CHARS]
    if scanned:
        config = ocr or OcrConfig()
        require_ocr(config, source)
        require_renderer(source)
        images = render_pdf_pages(data, scanned, config.dpi, source)
        for number, lines in ocr_pages(images, scanned, config, source, on_page).items():
            pages[number] = lines
    blocks = _blocks(drop_page_furniture(pages))
    if not blocks:
        raise RefusedFile(
            source, "no extractable text" + (" (OCR found no text on the scanned pages)" if scanned else "")
        )
    hints = _hints(reader)
    if scanned:
        hints["ocr_pages"] = ",".join(str(n + 1) for n in scanned)
    return LoadedFile(source=source, format="pdf", blocks=blocks, hints=hints)


def _blocks(lines: list[Line]) -> list[Block]:
    """Blocks in page order: text-layer lines by layout, OCR lines by Tesseract's paragraphs."""
    blocks: list[Block] = []
    run: list[Line] = []
    for line in [*lines, None]:
        if run and (line is None or (line.paragraph >= 0) != (run[-1].paragraph >= 0)):
            blocks.extend(ocr_blocks(run) if run[-1].paragraph >= 0 else build_blocks(run))
            run = []
        if line is not None:
            run.append(line)
    return blocks


def _damaged(exc: Exception) -> str:
    return f"damaged/truncated PDF ({type(exc).__name__}: {_short(str(exc))})"


def _short(message: str, limit: int = 120) -> str:
    """pypdf messages can quote kilobytes of raw bytes; a reason shown to users must not."""
    return message if len(message) <= limit else message[:limit] + "…"


@contextmanager
def _pypdf_warnings() -> Iterator[list[str]]:
    """Collect the warnings pypdf logs in this thread while the block runs."""
    messages: list[str] = []
    thread = threading.get_ident()

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                messages.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    logger = logging.getLogger("pypdf")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


def _check_trailer(data: bytes, source: str) -> None:
    """Refuse a file whose end lacks %%EOF/startxref: it was cut off, and text would be partial."""
    tail = data[-_TRAILER_WINDOW:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise RefusedFile(source, "damaged/truncated PDF (no startxref/%%EOF at the end)")


def _open(data: bytes, source: str) -> PdfReader:
    """Open with pypdf; encrypted files open only if the empty user password works."""
    try:
        reader = PdfReader(io.BytesIO(data))
    except DependencyError as exc:
        # pypdf tries the empty password at once; AES needs the `cryptography` package.
        raise RefusedFile(
            source,
            "password-protected PDF (AES-encrypted; it cannot be opened without its password,"
            " and PDFs with only an owner password need the 'cryptography' package)",
        ) from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure on untrusted bytes
        raise RefusedFile(source, _damaged(exc)) from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # noqa: BLE001
            raise RefusedFile(source, f"password-protected PDF ({type(exc).__name__})") from exc
        if not opened:
            raise RefusedFile(source, "password-protected PDF")
    return reader


def _extract_pages(reader: PdfReader, source: str) -> tuple[list[list[Line]], list[int]]:
    """Lines of every page, and the indexes of pages that draw images."""
    pages: list[list[Line]] = []
    image_pages: list[int] = []
    try:
        for number, page in enumerate(reader.pages):
            pages.append(page_lines(page, number))
            if has_images(page):
                image_pages.append(number)
    except FileNotDecryptedError as exc:
        raise RefusedFile(source, "password-protected PDF") from exc
    except RefusedFile:
        raise
    except Exception as exc:  # noqa: BLE001 - never index a partial extraction
        raise RefusedFile(source, _damaged(exc)) from exc
    return pages, image_pages


def _hints(reader: PdfReader) -> dict[str, str]:
    """The PDF's own /Title, when it has a meaningful one."""
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:  # noqa: BLE001 - metadata is optional and often malformed
        return {}
    title = clean_text(str(title)) if title else ""
    if not title or title.lower() in {"untitled", "microsoft word"} or title.lower().endswith(".docx"):
        return {}
    return {"title": title}
