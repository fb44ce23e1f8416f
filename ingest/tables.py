"""Text tables: tell a data table from a portal menu by its structure, and read a row with its
header.

Plain-text files write tables as rows of cells separated by " | " (or tabs); DOCX, HTML and PDF
loaders write table rows as tab-separated cells. A portal menu looks the same on one line
("Trang chủ | Giới thiệu | Tin tức"), so the difference is structural: a table is a run of rows
with one column count (a totals row may merge its leading cells), usually under a header row whose
cells are labels, and its body cells hold figures ("12", "6.480", "44,8%", "5 tỷ đồng/xã") or
prose. A menu is a single line, or lines of short link labels with no figures.

Cleaned table rows are stored with " | " between cells, so the chunker, the extractors and the
answer stage read rows the same way whatever format they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.contracts import Block, BlockKind

SEPARATOR = " | "
_PIPE = re.compile(r"\s*\|\s*")
# A cell that is one figure: a number with an optional qualifier and unit ("ít nhất 150 sản phẩm").
_FIGURE_CELL = re.compile(
    r"^(?:(?:ít nhất|tối thiểu|trên|dưới|khoảng|từ)\s+)?\d+(?:[.,]\d+)*(?:/\d+)?(?:\s*%|\s+[^\d|]{1,30})?$",
    re.IGNORECASE,
)  # "45/TB-UBND" (a document number) and "20/3/2023" (a date) are not figures
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:/\d+)?")
_EMPTY_CELL = re.compile(r"^[-–—x]?$")
MIN_ROWS = 2
PROSE_CELL_WORDS = 5  # body cells this long on average are prose, not link labels


@dataclass(frozen=True)
class Table:
    """A run of rows judged to be a data table. `header` is () when the first row holds figures."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # body rows, cells as written (stripped)


def split_cells(text: str) -> list[str] | None:
    """The cells of a line written as a table row, or None when it is not one.

    Tabs separate cells in what the loaders write; " | " in plain-text tables. A line needs two
    cells at least; empty trailing cells stay, so a row keeps its alignment with the header."""
    if "\t" in text:
        cells = [c.strip() for c in text.split("\t")]
        while cells and not cells[0]:
            cells.pop(0)  # a leading tab indents, it is not an empty first column
    elif "|" in text:
        body = text.strip()
        if body.startswith("|") and body.endswith("|"):
            body = body[1:-1]  # a Markdown row: "| a | b |"
        cells = [c.strip() for c in _PIPE.split(body)]
    else:
        return None
    return cells if sum(1 for c in cells if c) >= 2 else None


def is_figure_cell(cell: str) -> bool:
    return bool(_FIGURE_CELL.match(cell.strip())) and not re.match(r"^\d{1,2}[:h]\d{2}", cell.strip())


def _is_header(cells: list[str]) -> bool:
    """A header row labels columns: no cell is a figure, and most cells have letters."""
    filled = [c for c in cells if c]
    return bool(filled) and not any(is_figure_cell(c) for c in filled)


def judge_table(rows: list[list[str]]) -> Table | None:
    """The run of candidate rows as a Table, or None when its structure is not a table's."""
    if len(rows) < MIN_ROWS:
        return None
    width = max(len(r) for r in rows)
    if width < 2:
        return None
    full = sum(1 for r in rows if len(r) == width)
    if full < max(2, round(len(rows) * 2 / 3)) or any(len(r) < 2 for r in rows):
        return None  # a table has one column count; a totals row may merge leading cells
    has_header = _is_header(rows[0])
    body = rows[1:] if has_header else rows
    if not body:
        return None
    with_figures = sum(1 for r in body if any(is_figure_cell(c) for c in r))
    cells = [c for r in body for c in r if c]
    prose = bool(cells) and sum(len(c.split()) for c in cells) / len(cells) >= PROSE_CELL_WORDS
    prose_table = has_header and prose and width >= 3 and len(body) >= 2
    if with_figures * 2 < len(body) and not prose_table:
        return None  # link labels without figures: a menu, not a table
    header = tuple(rows[0]) if has_header else ()
    return Table(header, tuple(tuple(r) for r in body))


def find_tables(cells_per_line: list[list[str] | None]) -> list[tuple[int, int, Table]]:
    """(first, end, table) for each run of consecutive candidate rows that is a table."""
    out: list[tuple[int, int, Table]] = []
    i = 0
    while i < len(cells_per_line):
        if cells_per_line[i] is None:
            i += 1
            continue
        j = i
        while j < len(cells_per_line) and cells_per_line[j] is not None:
            j += 1
        table = judge_table([c for c in cells_per_line[i:j] if c is not None])
        if table is not None:
            out.append((i, j, table))
        i = j
    return out


def aligned(header: tuple[str, ...], row: tuple[str, ...], numbered: bool = False) -> list[tuple[str, str]]:
    """(column header, cell) pairs of a row. A row shorter than the header has either lost
    empty trailing cells (it aligns left) or, in a numbered table, merged its leading cells into
    a label ("Tổng cộng | 62 | 25" under "STT | Huyện | A | B"): then it aligns right."""
    if not header:
        return [("", c) for c in row]
    if len(row) >= len(header) or not (numbered and row and not is_figure_cell(row[0])):
        return list(zip(header, row[: len(header)], strict=False))
    offset = len(header) - len(row)
    return [("" if k == 0 else header[offset + k], c) for k, c in enumerate(row)]


def row_with_header(header: tuple[str, ...], row: tuple[str, ...], numbered: bool = False) -> str:
    """A row readable on its own: "Huyện, thị xã: Ba Vì; Xã NTM nâng cao: 8; …"."""
    pairs = aligned(header, row, numbered)
    if numbered and pairs and is_figure_cell(pairs[0][1]):
        pairs = pairs[1:]  # the row number says nothing on its own
    parts = [f"{h}: {c}" if h else c for h, c in pairs if c and not _EMPTY_CELL.match(c)]
    return "; ".join(parts)


def join_cells(cells: list[str]) -> str:
    """A row as stored: cells between " | ", an empty cell left empty ("3.150 | | Ghi chú")."""
    return re.sub(r" {2,}", " ", SEPARATOR.join(cells)).strip()


def cells_of_row(text: str) -> tuple[str, ...]:
    """Cells of a cleaned table row (written with SEPARATOR)."""
    return tuple(c.strip() for c in text.split("|"))


def figure_of(cell: str) -> str:
    """The number in a figure cell ("6.480", "44,8%" → "44,8")."""
    m = _NUMBER.search(cell)
    return m.group(0) if m else ""


@dataclass(frozen=True)
class PlacedTable:
    """A table of a cleaned document: its header row's text and offsets of every row."""

    header: tuple[str, ...]
    header_text: str
    header_span: tuple[int, int] | None
    rows: tuple[tuple[tuple[str, ...], int, int], ...]  # (cells, start, end) of body rows
    numbered: bool  # the first column holds row numbers (STT)


def placed_tables(placed: list[tuple[Block, int, int]]) -> list[PlacedTable]:
    """Tables among a cleaned document's placed blocks (runs of rows written with " | ")."""
    out: list[PlacedTable] = []
    run: list[tuple[tuple[str, ...], int, int]] = []

    def close() -> None:
        if len(run) >= MIN_ROWS:
            table = judge_table([list(c) for c, _, _ in run])
            if table is not None:
                body = run[1:] if table.header else run
                numbered = sum(1 for c, _, _ in body if c and is_figure_cell(c[0])) * 2 > len(body)
                span = (run[0][1], run[0][2]) if table.header else None
                out.append(PlacedTable(table.header, join_cells(list(table.header)), span, tuple(body), numbered))
        run.clear()

    for block, start, end in placed:
        if block.kind == BlockKind.TABLE_ROW and "|" in block.text:
            run.append((cells_of_row(block.text), start, end))
        else:
            close()
    close()
    return out
