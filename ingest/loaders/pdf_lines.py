"""PDF text runs grouped into lines, and page furniture (running headers/footers) removed.

pypdf's `visitor_text` callback reports each text run with its matrix and font size; runs on one
baseline form a `Line`. OCR pages (ingest/loaders/ocr.py) are turned into the same `Line`s, so a
scanned page's running header or page number is dropped by the same rule as a text page's.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

# Private-use code points: symbol-font glyphs (list bullets come out as U+F0B7) with no meaning.
_PUA = re.compile("[\ue000-\uf8ff]")
BULLET_GLYPHS = "\uf0b7\uf0a7\uf076\uf0d8\uf0fc•◦▪▫●○■□►▸➢➤✓✔"
_PAGE_NUMBER = re.compile(
    r"^(?:(?:trang|page)\s*)?[-–—]?\s*(?:\d{1,3}\s*(?:/\s*\d{1,3})?|(?-i:[ivxlc]{1,6}))\s*[-–—]?$",
    re.IGNORECASE,
)
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be header/footer
_WS = re.compile(r"\s+")


@dataclass
class Run:
    """One text run reported by pypdf: its text and where/how it is drawn."""

    text: str
    x: float
    y: float
    size: float
    bold: bool


@dataclass
class Line:
    """Runs on one baseline of one page."""

    page: int
    runs: list[Run] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)  # set when the line is a table row
    paragraph: int = -1  # OCR lines: the paragraph Tesseract put the line in (-1: a text-layer line)

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
            if run.text.strip() and run.text.strip() not in BULLET_GLYPHS:
                return run.x
        return self.runs[0].x

    @cached_property
    def bullet(self) -> bool:
        first = self.text[:1]
        return bool(first) and first in BULLET_GLYPHS


def page_lines(page: Any, number: int) -> list[Line]:
    """Group the page's text runs (in content-stream order) into lines by baseline."""
    runs: list[Run] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text or text == "\n":
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        name = str(font.get("/BaseFont", "")) if font else ""
        bold = bool(re.search(r"bold|black|heavy|semibold", name, re.IGNORECASE))
        runs.append(Run(text.replace("\n", " "), x, y, round(size * scale, 1), bold))

    page.extract_text(visitor_text=visit)
    lines: list[Line] = []
    for run in runs:
        current = lines[-1] if lines else None
        if current is None or abs(run.y - current.y) > 0.5 * max(run.size, 1.0):
            if not run.text.strip():
                continue  # a separator before the first text of a line
            lines.append(Line(page=number))
            current = lines[-1]
        current.runs.append(run)
    return [line for line in lines if clean_text(line.text)]


def has_images(page: Any, depth: int = 0) -> bool:
    """True when the page (or a form it draws) has an image XObject or an inline image."""
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject") or {}
    for ref in xobjects.values():
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Image":
            return True
        if subtype == "/Form" and depth < 3 and has_images(xobject, depth + 1):
            return True
    if depth == 0:
        contents = page.get_contents()
        if contents is not None and re.search(rb"(^|\s)BI\s", contents.get_data()):
            return True
    return False


def drop_page_furniture(pages: list[list[Line]]) -> list[Line]:
    """Remove running headers/footers and bare page numbers; keep body lines.

    A header/footer line is one that sits among the top or bottom lines of a page and recurs,
    with digits ignored ("Trang 1" .. "Trang 4"), on at least half of the pages. Only such edge
    lines are compared, so a body sentence containing the same words is never touched.
    """

    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text)

    edges = [_edge_lines(lines) for lines in pages]
    counts: Counter[str] = Counter()
    for edge in edges:
        counts.update({key(line) for line in edge})
    texted = sum(1 for lines in pages if lines)
    repeated = {k for k, n in counts.items() if texted >= 2 and n >= max(2, (texted + 1) // 2)}
    kept: list[Line] = []
    for lines, edge in zip(pages, edges, strict=False):
        furniture = {id(line) for line in edge if key(line) in repeated or _PAGE_NUMBER.match(line.text)}
        kept.extend(line for line in lines if id(line) not in furniture)
    return kept


def _edge_lines(lines: list[Line]) -> list[Line]:
    """The top and bottom lines of a page by position (headers may be drawn last)."""
    ordered = sorted(lines, key=lambda line: -line.y)
    return ordered[:_EDGE_LINES] + ordered[-_EDGE_LINES:]


def clean_text(text: str) -> str:
    """NFC, no private-use glyphs or soft hyphens, single spaces."""
    text = _PUA.sub("", unicodedata.normalize("NFC", text))
    text = text.replace("\u00ad", "")
    return _WS.sub(" ", text).strip()
