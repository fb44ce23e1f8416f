"""PDF loader: pypdf text with its positions, rebuilt into paragraphs, headings, lists and rows.

Why positions: a PDF stores wrapped lines, not paragraphs. pypdf's plain `extract_text()` gives
one line per output line and loses where a paragraph ends. We run the same extraction with a
`visitor_text` callback, which reports each text run with its matrix and font size, and use that
to (1) group runs into lines, (2) find page headers/footers by their place on the page, and
(3) start a new block where the vertical gap exceeds the document's normal line spacing, where a
line starts with a bullet, or after a short line that ends a sentence. The text itself (including
the spaces pypdf infers) is exactly what pypdf extracts; only the grouping is ours.

Measured on the kit (token_match against `formats/_expected/`, see tests/test_loaders.py):
003_lai-chau_ket-luan_libreoffice.pdf 1.0000 and 002_ha-tinh_header-footer_libreoffice.pdf
1.0000, with the same paragraph boundaries as the expected texts (46 and 34 blocks). pypdf keeps
"07-NQ/TU" and "QĐ-UBND" intact, so the two pdftotext artifacts the kit README mentions do not
occur. `extraction_mode="layout"` was not used: it drops font sizes (needed for headings) and
pads lines with spaces, so paragraph ends would still have to be guessed.

Block kinds: a font size above the body's is a HEADING (levels rank the sizes, largest = 1; a
short bold line at the margin comes next); a line starting with a bullet glyph (or "- "/"+ "
after a finished sentence) is a LIST_ITEM; lines whose text runs start at the same x as the
neighbouring lines' runs are TABLE_ROWs with tab-joined cells.

A PDF with no text at all is refused (OCR needed when it draws images). A PDF whose text pages
are fine but which also has image-only pages (a scanned signature/stamp page is common) is
loaded, and `hints["pages_without_text"]` lists those pages ("5" or "3,4").

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
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from ingest.model import Block, BlockKind, LoadedFile, RefusedFile

# A PDF's trailer (startxref + %%EOF) is at its very end; a truncated download loses it.
_TRAILER_WINDOW = 2048
# Private-use code points: symbol-font glyphs (list bullets come out as U+F0B7) with no meaning.
_PUA = re.compile("[\ue000-\uf8ff]")
_BULLET_GLYPHS = "\uf0b7\uf0a7\uf076\uf0d8\uf0fc•◦▪▫●○■□►▸➢➤✓✔"
_TEXT_BULLET = re.compile(r"^[-+–]\s")  # "- Sở Tài chính ..." as typed in Vietnamese documents
_SENTENCE_END = re.compile(r"[.:;!?…]['\"”’)]*$")
_PAGE_NUMBER = re.compile(
    r"^(?:(?:trang|page)\s*)?[-–—]?\s*(?:\d{1,3}\s*(?:/\s*\d{1,3})?|(?-i:[ivxlc]{1,6}))\s*[-–—]?$",
    re.IGNORECASE,
)
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be header/footer
# pypdf's lenient mode logs these and carries on with whatever it could read; each means some
# content was lost ("Ignoring wrong pointing object" alone is a harmless xref repair).
_LOSSY_WARNING = re.compile(
    r"not defined|decompress|Invalid Elementary Object|Stream has ended|Unable to find|unexpected end",
    re.IGNORECASE,
)
_WS = re.compile(r"\s+")


@dataclass
class _Run:
    """One text run reported by pypdf: its text and where/how it is drawn."""

    text: str
    x: float
    y: float
    size: float
    bold: bool


@dataclass
class _Line:
    """Runs on one baseline of one page."""

    page: int
    runs: list[_Run] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # set when the line is a table row

    @property
    def y(self) -> float:
        return self.runs[0].y

    @cached_property
    def text(self) -> str:
        return _WS.sub(" ", "".join(r.text for r in self.runs)).strip()

    @cached_property
    def size(self) -> float:
        """Font size of most of the line's characters."""
        weights: Counter[float] = Counter()
        for run in self.runs:
            weights[run.size] += len(run.text.strip())
        return weights.most_common(1)[0][0]

    @cached_property
    def bold(self) -> bool:
        return all(r.bold for r in self.runs if r.text.strip())

    @cached_property
    def x(self) -> float:
        """Left edge of the line's text, after a bullet glyph if it has one."""
        for run in self.runs:
            if run.text.strip() and run.text.strip() not in _BULLET_GLYPHS:
                return run.x
        return self.runs[0].x

    @cached_property
    def bullet(self) -> bool:
        first = self.text[:1]
        return bool(first) and first in _BULLET_GLYPHS


def load_pdf(data: bytes, source: str) -> LoadedFile:
    """Extract blocks from a PDF, or refuse it (damaged, encrypted, scanned, empty)."""
    _check_trailer(data, source)
    with _pypdf_warnings() as warnings:
        reader = _open(data, source)
        pages, image_pages = _extract_pages(reader, source)
    lossy = [message for message in warnings if _LOSSY_WARNING.search(message)]
    if lossy:
        raise RefusedFile(source, f"damaged/truncated PDF ({_short(lossy[0])})")
    lines = _drop_page_furniture(pages)
    blocks = _build_blocks(lines)
    if not blocks:
        if image_pages:
            raise RefusedFile(source, "no text layer (scanned image); OCR needed")
        raise RefusedFile(source, "no extractable text")
    hints = _hints(reader)
    texted = {line.page for line in lines}
    untexted = [str(n + 1) for n in image_pages if n not in texted]
    if untexted:
        # The text pages are indexed; say which scanned pages were not (they would need OCR).
        hints["pages_without_text"] = ",".join(untexted)
    return LoadedFile(source=source, format="pdf", blocks=blocks, hints=hints)


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


def _extract_pages(reader: PdfReader, source: str) -> tuple[list[list[_Line]], list[int]]:
    """Lines of every page, and the indexes of pages that draw images."""
    pages: list[list[_Line]] = []
    image_pages: list[int] = []
    try:
        for number, page in enumerate(reader.pages):
            pages.append(_page_lines(page, number))
            if _has_images(page):
                image_pages.append(number)
    except FileNotDecryptedError as exc:
        raise RefusedFile(source, "password-protected PDF") from exc
    except RefusedFile:
        raise
    except Exception as exc:  # noqa: BLE001 - never index a partial extraction
        raise RefusedFile(source, _damaged(exc)) from exc
    return pages, image_pages


def _page_lines(page: Any, number: int) -> list[_Line]:
    """Group the page's text runs (in content-stream order) into lines by baseline."""
    runs: list[_Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text or text == "\n":
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        name = str(font.get("/BaseFont", "")) if font else ""
        bold = bool(re.search(r"bold|black|heavy|semibold", name, re.IGNORECASE))
        runs.append(_Run(text.replace("\n", " "), x, y, round(size * scale, 1), bold))

    page.extract_text(visitor_text=visit)
    lines: list[_Line] = []
    for run in runs:
        current = lines[-1] if lines else None
        if current is None or abs(run.y - current.y) > 0.5 * max(run.size, 1.0):
            if not run.text.strip():
                continue  # a separator before the first text of a line
            lines.append(_Line(page=number))
            current = lines[-1]
        current.runs.append(run)
    return [line for line in lines if _clean(line.text)]


def _has_images(page: Any, depth: int = 0) -> bool:
    """True when the page (or a form it draws) has an image XObject or an inline image."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject") or {}
    for ref in xobjects.values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and depth < 3 and _has_images(xobject, depth + 1):
            return True
    if depth == 0:
        contents = page.get_contents()
        if contents is not None and re.search(rb"(^|\s)BI\s", contents.get_data()):
            return True
    return False


def _drop_page_furniture(pages: list[list[_Line]]) -> list[_Line]:
    """Remove running headers/footers and bare page numbers; keep body lines.

    A header/footer line is one that sits among the top or bottom lines of a page and recurs,
    with digits ignored ("Trang 1" .. "Trang 4"), on at least half of the pages. Only such edge
    lines are compared, so a body sentence containing the same words is never touched.
    """
    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text)

    edges = [_edge_lines(lines) for lines in pages]
    counts: Counter[str] = Counter()
    for edge in edges:
        counts.update({key(line) for line in edge})
    texted = sum(1 for lines in pages if lines)
    repeated = {k for k, n in counts.items() if texted >= 2 and n >= max(2, (texted + 1) // 2)}
    kept: list[_Line] = []
    for lines, edge in zip(pages, edges):
        furniture = {id(line) for line in edge if key(line) in repeated or _PAGE_NUMBER.match(line.text)}
        kept.extend(line for line in lines if id(line) not in furniture)
    return kept


def _edge_lines(lines: list[_Line]) -> list[_Line]:
    """The top and bottom lines of a page by position (headers may be drawn last)."""
    ordered = sorted(lines, key=lambda line: -line.y)
    return ordered[:_EDGE_LINES] + ordered[-_EDGE_LINES:]


@dataclass
class _Layout:
    """Document-wide measures the paragraph rules compare against."""

    spacing: dict[float, float]  # normal baseline distance per font size
    full_length: dict[float, int]  # characters in a full-width line per font size
    margin: float  # most common left edge
    heading_sizes: list[float]  # sizes larger than the body, largest first


def _measure(lines: list[_Line]) -> _Layout:
    gaps: dict[float, list[float]] = {}
    lengths: dict[float, list[int]] = {}
    chars: Counter[float] = Counter()
    lefts: Counter[float] = Counter()
    for prev, line in zip([None, *lines], lines):
        chars[line.size] += len(line.text)
        lefts[round(line.x)] += 1
        lengths.setdefault(line.size, []).append(len(line.text))
        if prev and prev.page == line.page and prev.size == line.size and 0 < prev.y - line.y:
            gaps.setdefault(line.size, []).append(round(prev.y - line.y, 1))
    # Lines inside a paragraph are the closest ones; a low percentile stays right even when most
    # gaps are between one-line paragraphs.
    spacing = {size: sorted(values)[len(values) // 4] for size, values in gaps.items()}
    full_length = {
        size: sorted(values)[int(0.9 * (len(values) - 1))] for size, values in lengths.items()
    }
    body = chars.most_common(1)[0][0]
    headings = sorted((s for s in chars if s >= body + 0.5), reverse=True)
    return _Layout(spacing, full_length, float(lefts.most_common(1)[0][0]), headings)


def _build_blocks(lines: list[_Line]) -> list[Block]:
    """Join wrapped lines into paragraphs and classify each block."""
    if not lines:
        return []
    _mark_table_rows(lines)
    layout = _measure(lines)
    groups: list[list[_Line]] = []
    for prev, line in zip([None, *lines], lines):
        if prev is None or _starts_block(prev, line, layout):
            groups.append([line])
        else:
            groups[-1].append(line)
    blocks = [_to_block(group, layout) for group in groups]
    return [block for block in blocks if block.text]


def _starts_block(prev: _Line, line: _Line, layout: _Layout) -> bool:
    """Whether `line` begins a new paragraph rather than continuing `prev`."""
    if line.bullet or line.cells or prev.cells:
        return True
    if abs(line.size - prev.size) >= 0.5:
        return True
    if _TEXT_BULLET.match(line.text) and _SENTENCE_END.search(prev.text):
        return True
    short = len(prev.text) < 0.75 * layout.full_length.get(prev.size, len(prev.text))
    if short and (_SENTENCE_END.search(prev.text) or (prev.bold and not line.bold)):
        return True
    if prev.page == line.page:
        gap = prev.y - line.y
        normal = layout.spacing.get(line.size, 1.2 * line.size)
        if gap < 0 or gap > normal * 1.15 + 0.5:
            return True
    indent = line.x - layout.margin
    long = len(line.text) >= 0.8 * layout.full_length.get(line.size, 0)
    # First-line indent of a new paragraph (documents without space between paragraphs).
    return long and line.size <= indent <= 4 * line.size and abs(prev.x - layout.margin) < 2


def _to_block(group: list[_Line], layout: _Layout) -> Block:
    first = group[0]
    if first.cells:
        return Block("\t".join(first.cells), BlockKind.TABLE_ROW)
    text = _clean(_join_lines([line.text for line in group]))
    if first.bullet:
        return Block(text.lstrip(_BULLET_GLYPHS + " "), BlockKind.LIST_ITEM)
    if _TEXT_BULLET.match(text):
        return Block(text, BlockKind.LIST_ITEM)
    level = _heading_level(group, layout)
    if level:
        return Block(text, BlockKind.HEADING, level)
    return Block(text)


def _heading_level(group: list[_Line], layout: _Layout) -> int:
    """Heading level from font size (larger than body) or a short bold line at the margin.

    Levels rank the document's own heading styles, largest first; a bold body-size heading
    comes after them. For a Word export this matches the DOCX loader (Title 1, Heading 1 → 2).
    """
    size = group[0].size
    if size in layout.heading_sizes and len(group) <= 3:
        return layout.heading_sizes.index(size) + 1
    text = " ".join(line.text for line in group)
    at_margin = abs(group[0].x - layout.margin) <= 2 * size
    if len(group) == 1 and all(line.bold for line in group) and at_margin and len(text) <= 150:
        return len(layout.heading_sizes) + 1
    return 0


def _join_lines(texts: list[str]) -> str:
    """Join wrapped lines; a line ending in a hyphen right after a letter or digit is rejoined.

    The hyphen is kept ("07-" + "NQ/TU" → "07-NQ/TU"): Vietnamese is not hyphenated at line
    ends by typesetters, so a hyphen there is part of the text. A soft hyphen is removed.
    """
    out = ""
    for text in texts:
        if not out:
            out = text
        elif out.endswith("\u00ad"):
            out = out[:-1] + text
        elif out.endswith("-") and len(out) > 1 and not out[-2].isspace():
            out += text
        else:
            out += " " + text
    return out


def _clean(text: str) -> str:
    """NFC, no private-use glyphs or soft hyphens, single spaces."""
    text = _PUA.sub("", unicodedata.normalize("NFC", text))
    text = text.replace("\u00ad", "")
    return _WS.sub(" ", text).strip()


def _mark_table_rows(lines: list[_Line]) -> None:
    """Split lines into cells where text runs start at the same x on neighbouring lines.

    Body text starts mid-line runs only at font changes, at varying places; table cells start
    at the column's x on every row. A run counts as a cell start when it follows whitespace, is
    clearly past where the previous run ends (estimated), and an adjacent line on the same page
    has a cell start within 1.5 pt.
    """
    starts = [_cell_starts(line) for line in lines]
    for i, line in enumerate(lines):
        aligned: set[float] = set()
        for j in (i - 1, i + 1):
            if 0 <= j < len(lines) and lines[j].page == line.page:
                aligned |= {x for x in starts[i] if any(abs(x - o) <= 1.5 for o in starts[j])}
        if aligned:
            line.cells = _split_cells(line, aligned)


def _cell_starts(line: _Line) -> list[float]:
    starts: list[float] = []
    end = None
    pending_space = False
    for run in line.runs:
        if not run.text.strip():
            pending_space = True
            continue
        if run.text.strip() in _BULLET_GLYPHS:
            end = None  # the text after a bullet is the item, not a second cell
            continue
        if end is not None and pending_space and run.x - end >= 1.5 * run.size:
            starts.append(run.x)
        end = run.x + _estimated_width(run.text, run.size)
        pending_space = run.text[-1:].isspace()
    return starts


def _split_cells(line: _Line, starts: set[float]) -> list[str]:
    cells: list[str] = [""]
    for run in line.runs:
        if run.x in starts and run.text.strip():
            cells.append("")
        cells[-1] += run.text
    return [_clean(cell) for cell in cells if _clean(cell)]


def _estimated_width(text: str, size: float) -> float:
    """Rough advance width of `text` in a Latin serif/sans font (pypdf does not report it)."""
    width = 0.0
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1] or char
        if base.isspace():
            width += 0.25
        elif base.isupper():
            width += 0.68
        elif base.isdigit():
            width += 0.5
        elif base.isalpha():
            width += 0.48
        else:
            width += 0.33
    return width * size


def _hints(reader: PdfReader) -> dict[str, str]:
    """The PDF's own /Title, when it has a meaningful one."""
    try:
        title = (reader.metadata or {}).get("/Title")
    except Exception:  # noqa: BLE001 - metadata is optional and often malformed
        return {}
    title = _clean(str(title)) if title else ""
    if not title or title.lower() in {"untitled", "microsoft word"} or title.lower().endswith(".docx"):
        return {}
    return {"title": title}
