"""Tab "Nhiệm vụ": an agency's task register (with sources, CSV/XLSX) and a province's targets."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import exporting
from assistant.register import TaskRow, UnknownAgency
from assistant.ui import render
from assistant.ui.chat_tab import with_all
from assistant.ui.services import UIServices

TASK_HEADERS = ["Nhiệm vụ", "Vai trò", "Thời hạn", "Tỉnh", "Văn bản", "Ngày", "Tệp"]
TARGET_HEADERS = ["Tỉnh", "Chỉ tiêu", "Mục tiêu (kế hoạch)", "Kết quả (đạt được)", "Đơn vị", "Kỳ", "Phạm vi", "Nguồn"]
TARGET_KEYS = ["province", "indicator", "planned", "achieved", "unit", "period", "scope", "source"]
# the downloads: the CLI's row keys plus the province and the readable document title
EXPORT_COLUMNS = (
    "agency",
    "role",
    "task",
    "deadline",
    "province",
    "document",
    "number",
    "issued",
    "source",
    "chunk_id",
)


@dataclass
class TasksTab:
    agency: gr.Dropdown
    province: gr.Dropdown
    year: gr.Dropdown
    show: gr.Button
    status: gr.HTML
    table: gr.Dataframe
    source_view: gr.HTML
    csv: gr.DownloadButton
    xlsx: gr.DownloadButton
    rows: gr.State  # the shown rows (citation-like dicts) for the source viewer
    g_province: gr.Dropdown
    g_table: gr.Dataframe


def build_tasks_tab(ui: UIServices) -> TasksTab:
    choices = ui.filter_choices()
    gr.Markdown("Chọn hoặc gõ tên cơ quan (có dấu, không dấu hay viết tắt, ví dụ *so tai chinh*, *Sở KH&ĐT*).")
    with gr.Row():
        agency = gr.Dropdown(
            choices=ui.agency_choices(),
            value=None,
            label="Cơ quan",
            elem_id="t-agency",
            allow_custom_value=True,
            filterable=True,
            scale=3,
        )
        province = gr.Dropdown(
            choices=with_all(choices.provinces, "Tất cả tỉnh"), value="", label="Tỉnh", elem_id="t-province"
        )
        year = gr.Dropdown(choices=with_all(choices.years, "Mọi năm"), value="", label="Năm", elem_id="t-year")
        show = gr.Button("Xem nhiệm vụ", variant="primary", elem_id="t-show", scale=1)
    status = gr.HTML("", elem_id="t-status", js_on_load=None)
    table = gr.Dataframe(
        value={"headers": TASK_HEADERS, "data": []},
        headers=TASK_HEADERS,
        interactive=False,
        wrap=True,
        elem_id="t-table",
        column_widths=["40%", "9%", "10%", "8%", "15%", "8%", "10%"],
        label="Sổ nhiệm vụ (bấm một dòng để xem đoạn văn gốc)",
    )
    source_view = gr.HTML(render.source_view_html(None, None), elem_id="t-source", js_on_load=None)
    with gr.Row():
        csv = gr.DownloadButton("Tải CSV", elem_id="t-csv", interactive=False, size="sm")
        xlsx = gr.DownloadButton("Tải XLSX", elem_id="t-xlsx", interactive=False, size="sm")
    gr.Markdown("### Chỉ tiêu: kế hoạch và kết quả")
    g_province = gr.Dropdown(
        choices=with_all(choices.provinces, "Tất cả tỉnh"), value="", label="Tỉnh", elem_id="g-province"
    )
    g_table = gr.Dataframe(value=targets_table(ui, ""), interactive=False, wrap=True, elem_id="g-table")
    return TasksTab(
        agency, province, year, show, status, table, source_view, csv, xlsx, gr.State([]), g_province, g_table
    )


def targets_table(ui: UIServices, province: str) -> dict[str, Any]:
    return {"headers": TARGET_HEADERS, "data": [[r[k] for k in TARGET_KEYS] for r in ui.targets(province)]}


def export_rows(rows: list[TaskRow], titles: dict[str, str]) -> list[dict[str, Any]]:
    """Register rows as the downloads' dicts (readable title of each row's notice as "document")."""
    return [
        {**r.as_dict(), "province": r.province, "document": titles.get(r.source) or r.number or r.source} for r in rows
    ]


def _export(rows: list[dict[str, Any]], agency: str, province: str = "") -> tuple[str, str]:
    """CSV and XLSX of the shown rows, named by agency (and province) and date; each download in a
    folder of its own, so two sessions never overwrite each other's file."""
    folder = Path(tempfile.gettempdir()) / "ntm-exports" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    subject = f"{agency} {province}".strip()
    csv_path = folder / exporting.export_name("Nhiệm vụ", subject, ".csv")
    xlsx_path = folder / exporting.export_name("Nhiệm vụ", subject, ".xlsx")
    csv_path.write_text(exporting.to_csv(rows, EXPORT_COLUMNS), "utf-8-sig")
    xlsx_path.write_bytes(exporting.to_xlsx(rows, EXPORT_COLUMNS, sheet="Nhiệm vụ"))
    return str(csv_path), str(xlsx_path)


class TasksActions:
    def __init__(self, ui: UIServices) -> None:
        self.ui = ui

    def show(self, agency: str, province: str, year: str) -> tuple:
        empty = {"headers": TASK_HEADERS, "data": []}
        off = gr.update(value=None, interactive=False)
        try:
            rows = self.ui.tasks(agency or "", province, year)
        except (UnknownAgency, ValueError) as exc:
            return render.notice_html(str(exc), "error"), empty, [], off, off
        if not rows:
            return (
                render.notice_html(f"Không có nhiệm vụ nào của {agency} với bộ lọc này.", "info"),
                empty,
                [],
                off,
                off,
            )
        titles = self.ui.titles()
        data = [
            [
                r.task,
                r.role_label,
                r.deadline,
                r.province,
                titles.get(r.source) or r.number or r.source,
                r.issued,
                r.source,
            ]
            for r in rows
        ]
        csv_path, xlsx_path = _export(export_rows(rows, titles), rows[0].agency, province)
        message = render.notice_html(f"{rows[0].agency}: {len(rows)} nhiệm vụ.", "ok")
        return (
            message,
            {"headers": TASK_HEADERS, "data": data},
            [{**self.ui.task_source(r), "label": titles.get(r.source, "")} for r in rows],
            gr.update(value=csv_path, interactive=True),
            gr.update(value=xlsx_path, interactive=True),
        )

    def open_row(self, rows: list[dict[str, Any]], evt: gr.SelectData) -> Any:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not rows or index is None or not 0 <= int(index) < len(rows):
            return gr.skip()
        row = rows[int(index)]
        return render.source_view_html(row, self.ui.document_text_of_chunk(row["chunk_id"]))

    def targets(self, province: str) -> dict[str, Any]:
        return targets_table(self.ui, province)


def wire_tasks_tab(ui: UIServices, tab: TasksTab) -> None:
    actions = TasksActions(ui)
    gr.on(
        [tab.show.click, tab.agency.select],
        actions.show,
        inputs=[tab.agency, tab.province, tab.year],
        outputs=[tab.status, tab.table, tab.rows, tab.csv, tab.xlsx],
        api_visibility="private",
    )
    tab.table.select(actions.open_row, inputs=[tab.rows], outputs=[tab.source_view], api_visibility="private")
    tab.g_province.change(actions.targets, inputs=[tab.g_province], outputs=[tab.g_table], api_visibility="private")
