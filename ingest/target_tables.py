"""Targets from table rows: every figure cell of a data table, named by its row and column.

The column header says what a cell counts ("Vốn sự nghiệp phân bổ", "Số tiêu chí đã đạt (đến
30/5/2017)") and, through its cue words or its date against the document's date, whether it is
planned or achieved ("Chỉ tiêu thêm mới năm 2018" vs "Số xã đạt chuẩn đến hết năm 2017"); the
row's label says whose figure it is (a place → the scope; anything else → part of the indicator).
When the columns are places ("Tỉnh Lào Cai (cũ) | Tỉnh Yên Bái (cũ)") the row label is the
indicator. The table's caption (the lines just above it), the headings and the document kind
decide the kind of a column whose header has no cue.
"""

from __future__ import annotations

import re

from core.contracts import Chunk, CleanDocument, Target
from core.years import YEAR, stated_period
from ingest.tables import PlacedTable, aligned, figure_of, is_figure_cell, placed_tables
from ingest.target_rules import (
    KindContext,
    TargetRules,
    context_kind,
    heading_kind,
    last_cue,
    time_kind,
)

_CAPTION_BLOCKS = 3
_BARE_YEAR = re.compile(rf"^(?:năm\s+)?{YEAR}$", re.IGNORECASE)
_GROUP_INDEX = re.compile(r"^(?:[A-Z]|[IVX]{1,4})[.)]?$")


def table_targets(
    doc: CleanDocument, chunks: list[Chunk], rules: TargetRules, year: int | None
) -> tuple[list[tuple[Target, str]], set[str]]:
    """(target, its column's header when the row is a total, else '') for every figure cell of
    the document's tables, and the texts of table rows (which the sentence reader skips)."""
    out: list[tuple[Target, str]] = []
    row_texts: set[str] = set()
    for table in placed_tables(doc.blocks):
        caption = _caption(doc, table)
        if table.header_span:
            row_texts.add(doc.text[table.header_span[0] : table.header_span[1]])
        for cells, start, end in table.rows:
            row_texts.add(doc.text[start:end])
            chunk = next((c for c in chunks if c.start <= start < c.end), None)
            if chunk is None:
                continue
            headings = tuple(h for h in chunk.heading_path if h != table.header_text)
            ctx = KindContext(headings, doc.metadata.kind, year)
            out += _row_targets(table, cells, caption, ctx, chunk, doc, rules)
    return out, row_texts


def _row_targets(
    table: PlacedTable,
    cells: tuple[str, ...],
    caption: str,
    ctx: KindContext,
    chunk: Chunk,
    doc: CleanDocument,
    rules: TargetRules,
) -> list[tuple[Target, str]]:
    pairs = aligned(table.header, cells, table.numbered)
    if table.numbered and pairs and is_figure_cell(pairs[0][1]):
        pairs = pairs[1:]  # the row number
    label = next((c for h, c in pairs if c and not is_figure_cell(c) and not _GROUP_INDEX.match(c)), "")
    aggregate = bool(rules.aggregate_row.match(label.lower())) or _is_group_row(cells, label)
    scope = "tỉnh" if aggregate else _scope(pairs, rules)
    row_text = " | ".join(cells)
    out = []
    own = _column_kinds(table.header, rules)
    for header, cell in pairs:
        h = header.lower()
        if (
            not is_figure_cell(cell)
            or _BARE_YEAR.match(cell)
            or rules.skip_column.match(h)
            or rules.admin_count_column.match(h)
        ):
            continue
        place_column = bool(header) and (_names_place(header, rules) or h.endswith("(cũ)"))
        if place_column:
            total = f"{table.header[0]} (tổng cộng)" if aggregate and table.header else ""
            indicator, cell_scope = total or label or header, header
        elif _is_period_column(header, rules) and label and not aggregate:
            indicator, cell_scope = label, scope  # "Kế hoạch 2019 | Thực hiện 2019": the row names it
        else:
            named = label and label != scope and header and not aggregate
            indicator = f"{header} — {label}" if named else (header or label)
            cell_scope = scope
        percent = "%" in cell or "(%)" in header or h.startswith("tỷ lệ")
        value = figure_of(cell) + ("%" if percent else "")
        out.append(
            (
                Target(
                    indicator=indicator or "số liệu bảng",
                    value=value,
                    unit="%" if percent else _unit(cell, header),
                    period=stated_period(header, caption, " ".join(ctx.headings), part_years=False),
                    scope=cell_scope,
                    kind=own.get(header) or _cell_kind(header, caption, ctx, rules),
                    text=row_text,
                    chunk_id=chunk.chunk_id,
                    doc_id=doc.doc_id,
                ),
                header or "?" if aggregate else "",
            )
        )
    return out


def _is_period_column(header: str, rules: TargetRules) -> bool:
    """A column that only says when or which kind ("Kế hoạch 2019", "Thực hiện 2019", "Tỷ lệ (%)")."""
    rest = header.lower()
    for table in (rules.cues, rules.heading_cues):
        for _, pattern in table:
            rest = pattern.sub(" ", rest)
    rest = re.sub(r"(?:năm|giai đoạn|\d{4}|[-–()/.,:])", " ", rest)
    return not rest.split()


def _column_kinds(header: tuple[str, ...], rules: TargetRules) -> dict[str, str]:
    """Kinds stated by the columns' own headers; a column without a cue takes the kind of the
    nearest column to its left that has one ("Kế hoạch 2019 | Thực hiện 2019 | Tỷ lệ (%)": the
    rate compares what was done)."""
    out: dict[str, str] = {}
    current = ""
    for h in header:
        kind = last_cue(h, rules) or heading_kind(h, rules)
        current = kind or current
        if current:
            out[h] = current
    return out


def _cell_kind(header: str, caption: str, ctx: KindContext, rules: TargetRules) -> str:
    """The column header's cue or date first, then the caption's, then headings and document."""
    for text in (header, caption):
        kind = last_cue(text, rules) or heading_kind(text, rules) or time_kind(text, ctx.doc_year)
        if kind:
            return kind
    return context_kind(ctx, rules)


def _caption(doc: CleanDocument, table: PlacedTable) -> str:
    """The lines just above the table: the nearest one (a lead-in ending in ':') and the title lines
    above it ("PHÂN BỔ CHI TIẾT KẾ HOẠCH VỐN …", "Đơn vị tính: triệu đồng"), up to running text."""
    first = table.header_span[0] if table.header_span else table.rows[0][1]
    idx = next((i for i, (_, s, _) in enumerate(doc.blocks) if s == first), 0)
    lines: list[str] = []
    for block, _, _ in reversed(doc.blocks[max(0, idx - _CAPTION_BLOCKS) : idx]):
        if lines and block.text.rstrip().endswith("."):
            break  # running text above the caption lines, not part of them
        lines.insert(0, block.text[-300:])
    return " ".join(lines)


def _names_place(cell: str, rules: TargetRules) -> bool:
    """ "Xã Thạch Bình", "Tỉnh Lào Cai (cũ)": a unit word and a proper name, not "Xã đạt chuẩn …"."""
    m = rules.place_cell.match(cell.lower())
    name = cell[m.end() - 1 :].split()[0] if m else ""
    return bool(name) and name[0].isupper() and not (len(name) > 1 and name.isupper())  # "NTM" is no name


def _scope(pairs: list[tuple[str, str]], rules: TargetRules) -> str:
    for _, cell in pairs:
        if _names_place(cell, rules):
            return cell
    for header, cell in pairs:
        if cell and header and rules.place_column.search(header.lower()) and not is_figure_cell(cell):
            return cell
    return "tỉnh"


def _is_group_row(cells: tuple[str, ...], label: str) -> bool:
    """ "A | CÁC HUYỆN, THÀNH PHỐ | 88.620": a lettered group row written in capitals sums its group."""
    return bool(cells) and bool(_GROUP_INDEX.match(cells[0])) and label.isupper()


def _unit(cell: str, header: str) -> str:
    rest = cell[len(figure_of(cell)) :].strip() if cell.strip().startswith(figure_of(cell)) else ""
    if rest:
        return rest
    m = re.search(r"\(([^()\d]{1,25})\)\s*$", header)
    return m.group(1).strip() if m else ""
