"""Tasks given in table rows: "TT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp |
Thời gian hoàn thành", a sponsor table ("STT | Đơn vị đỡ đầu | Xã được giúp đỡ"), an allocation
table ("STT | Đơn vị | Vốn phân bổ | Ghi chú").

The header says what each column is (its words are cue data): the lead column (chủ trì, or a
"đơn vị / cơ quan thực hiện" column), partner columns (phối hợp), the deadline column, and the
content columns that make up the task. Without a header the cells' content decides: the first
column of agency names leads, later ones are partners, a date cell is the deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.agencies import AgencyMention, AgencyRegistry
from ingest.directive_cues import DirectiveCues
from ingest.directives import deadline_of, find_agencies, leading_agencies

LEAD, PARTNER, DEADLINE, TASK, INDEX, CONTENT = "lead", "partner", "deadline", "task", "index", "content"
_INDEX_CELL = re.compile(r"^\s*(?:\d{1,3}|[IVX]{1,5}|[A-Z]|[a-zđ])[.)]?\s*$")
_FIGURE_CELL = re.compile(r"^[\d.,%\s/-]*$")


@dataclass(frozen=True)
class TableRow:
    mention: AgencyMention
    role: str
    task: str
    deadline: str


def split_row(line: str) -> list[str] | None:
    """The cells of a text table row ("a | b | c" or tab-separated), or None."""
    if line.count(" | ") >= 1 and line.count("|") >= 2:
        return [c.strip() for c in line.split("|")]
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return None


def header_columns(cells: list[str], cues: DirectiveCues) -> list[str] | None:
    """Column kinds when `cells` is a header row (no figures, header words), else None."""
    if any(_FIGURE_CELL.fullmatch(c) and c.strip() for c in cells):
        return None
    kinds = []
    for cell in cells:
        if cues.table_index.match(cell):
            kinds.append(INDEX)
        elif cues.table_partner.search(cell):
            kinds.append(PARTNER)
        elif cues.table_chair.search(cell):
            kinds.append(LEAD)
        elif cues.table_deadline.search(cell):
            kinds.append(DEADLINE)
        elif cues.table_task.search(cell):
            kinds.append(TASK)
        elif (cues.table_doer.search(cell) or cues.table_doer_bare.match(cell)) and LEAD not in kinds:
            # "Đơn vị đỡ đầu", "Cơ quan phụ trách, hỗ trợ", "Đơn vị" — not "Đơn vị cấp huyện",
            # which only says where a row's commune lies
            kinds.append(LEAD)
        else:
            kinds.append(CONTENT)
    if LEAD not in kinds and INDEX not in kinds:
        return None
    return kinds


def _kinds_from_cells(cells: list[str], registry: AgencyRegistry, cues: DirectiveCues) -> list[str]:
    kinds = []
    for cell in cells:
        mentions = find_agencies(cell, registry, cues)
        covered = sum(m.end - m.start for m in mentions)
        if _INDEX_CELL.match(cell):
            kinds.append(INDEX)
        elif mentions and covered >= 0.6 * len(cell.strip()):
            kinds.append(PARTNER if LEAD in kinds else LEAD)
        elif deadline_of(cell) and len(cell) < 40:
            kinds.append(DEADLINE)
        else:
            kinds.append(CONTENT)
    return kinds


def row_tasks(
    cells: list[str], header: list[str] | None, labels: list[str], registry: AgencyRegistry, cues: DirectiveCues
) -> list[TableRow]:
    """The assignments one row states (lead first, then partners)."""
    kinds = header if header and len(header) == len(cells) else _kinds_from_cells(cells, registry, cues)
    labels = labels if header and len(labels) == len(cells) else [""] * len(cells)
    if LEAD not in kinds or (kinds[0] == INDEX and re.fullmatch(r"[A-Z]", cells[0].strip())):
        return []  # a group row ("A | CÁC HUYỆN, THÀNH PHỐ") heads rows, it is not one
    parts, deadline, prose = [], "", False
    lead_cell = cells[kinds.index(LEAD)]
    head = lead_cell.split()[0].lower() if lead_cell.split() else ""
    for kind, label, cell in zip(kinds, labels, cells, strict=False):
        if not cell or cell == "-":
            continue
        if kind == TASK:
            parts.append(cell)
            prose = True
        elif kind == CONTENT:
            parts.append(f"{label}: {cell}" if label else cell)
            # a note that describes the row's unit ("Huyện nghèo" for "Huyện Tu Mơ Rông") is no task
            words = cell.split()
            prose = prose or (not _FIGURE_CELL.fullmatch(cell) and len(words) >= 2 and words[0].lower() != head)
        elif kind == DEADLINE:
            deadline = cell
    if not parts or not prose:
        return []  # an allocation row (figures only) assigns money, not a task
    task = "; ".join(parts)
    if deadline:
        task = f"{task} (thời gian: {deadline})"
    out: list[TableRow] = []
    lead_role = (
        "chủ trì"
        if header and any(cues.table_chair.search(label) for k, label in zip(kinds, labels, strict=False) if k == LEAD)
        else "thực hiện"
    )
    for kind, cell in zip(kinds, cells, strict=False):
        if kind in (LEAD, PARTNER) and not cell.isupper():
            for mention in leading_agencies(cell, registry, cues)[0] or find_agencies(cell, registry, cues):
                out.append(TableRow(mention, lead_role if kind == LEAD else "phối hợp", task, deadline))
    return out
