"""Rows out as a text table, CSV, XLSX or JSON (the CLI's --format and the app's downloads).

CSV and XLSX are for people: Vietnamese column headers (`assistant/data/export_columns.json`), and
the XLSX has a bold, frozen header row and column widths fitted to the content. JSON keeps the
row keys, which are the programmatic contract.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMATS = ("table", "csv", "xlsx", "json")
HEADERS_FILE = Path(__file__).with_name("data") / "export_columns.json"
MAX_WIDTH = 70  # characters: longer cells wrap
MIN_WIDTH = 8


@lru_cache(maxsize=1)
def column_headers(path: Path = HEADERS_FILE) -> dict[str, str]:
    """Row key → Vietnamese column header (read once)."""
    return {k: v for k, v in json.loads(path.read_text("utf-8")).items() if not k.startswith("_")}


def headers_for(columns: Sequence[str], headers: Mapping[str, str] | None = None) -> list[str]:
    """The header shown for each column (the key itself when the table has no header for it)."""
    table = column_headers() if headers is None else headers
    return [table.get(c, c) for c in columns]


def export_name(kind: str, subject: str, suffix: str, day: date | None = None) -> str:
    """ "Nhiệm-vụ_Sở-Tài-chính_2026-12-01.csv": what, for whom, when — diacritics kept (NFC), only
    letters, digits and hyphens from the subject, so the name is safe on every file system."""

    def part(text: str) -> str:
        words = re.findall(r"\w+", unicodedata.normalize("NFC", text))
        return "-".join(w for w in words if w != "_")[:80]

    pieces = [part(kind), part(subject), (day or date.today()).isoformat()]
    return "_".join(p for p in pieces if p) + suffix


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], headers: Mapping[str, str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers_for(columns, headers))
    writer.writerows([[row.get(c, "") for c in columns] for row in rows])
    return buffer.getvalue()


def _width(values: Sequence[str]) -> int:
    longest = max((max((len(line) for line in v.splitlines()), default=0) for v in values), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))


def to_xlsx(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], sheet: str = "NTM", headers: Mapping[str, str] | None = None
) -> bytes:
    """One sheet: a bold header row frozen above the data, an autofilter, fitted column widths,
    long cells wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    names = headers_for(columns, headers)
    ws.append(names)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E5E7EB")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append([row.get(c, "") for c in columns])
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _width(
            [names[i - 1]] + [str(r.get(column, "")) for r in rows]
        )
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], width: int = 60) -> str:
    """A plain aligned text table (long cells cut) for the terminal."""
    cells = [[str(r.get(c, ""))[:width] for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=False)).rstrip()  # noqa: E731
    out = [line(list(columns)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2)
