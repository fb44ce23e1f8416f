"""PDF lines rebuilt into blocks: paragraphs, headings, list items and table rows.

A PDF stores wrapped lines, not paragraphs. A new block starts where the vertical gap exceeds the
document's normal line spacing, where a line starts with a bullet, or after a short line that ends
a sentence; a font size above the body's is a heading; lines whose text runs start at the same x
as the neighbouring lines' runs are table rows with tab-joined cells.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from core.contracts import Block, BlockKind
from ingest.loaders.pdf_lines import BULLET_GLYPHS as _BULLET_GLYPHS
from ingest.loaders.pdf_lines import Line as _Line
from ingest.loaders.pdf_lines import clean_text as _clean

_TEXT_BULLET = re.compile(r"^[-+–]\s")  # "- Sở Tài chính ..." as typed in Vietnamese documents
_SENTENCE_END = re.compile(r"[.:;!?…]['\"”’)]*$")


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
    for prev, line in zip([None, *lines], lines, strict=False):
        chars[line.size] += len(line.text)
        lefts[round(line.x)] += 1
        lengths.setdefault(line.size, []).append(len(line.text))
        if prev and prev.page == line.page and prev.size == line.size and 0 < prev.y - line.y:
            gaps.setdefault(line.size, []).append(round(prev.y - line.y, 1))
    # Lines inside a paragraph are the closest ones; a low percentile stays right even when most
    # gaps are between one-line paragraphs.
    spacing = {size: sorted(values)[len(values) // 4] for size, values in gaps.items()}
    full_length = {size: sorted(values)[int(0.9 * (len(values) - 1))] for size, values in lengths.items()}
    body = chars.most_common(1)[0][0]
    headings = sorted((s for s in chars if s >= body + 0.5), reverse=True)
    return _Layout(spacing, full_length, float(lefts.most_common(1)[0][0]), headings)


def build_blocks(lines: list[_Line]) -> list[Block]:
    """Join wrapped lines into paragraphs and classify each block."""
    if not lines:
        return []
    _mark_table_rows(lines)
    layout = _measure(lines)
    groups: list[list[_Line]] = []
    for prev, line in zip([None, *lines], lines, strict=False):
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
    text = _clean(join_lines([line.text for line in group]))
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


def join_lines(texts: list[str]) -> str:
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
