"""Tab "Tài liệu": the indexed documents, their cleaned text, and (after login) upload and removal.

Every list here is read from the index when it is shown (page load, selecting the tab, after an
upload or a removal), never kept from when the app was built: documents another session or the
CLI added are listed. Removal asks for confirmation naming the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.ui import render
from assistant.ui.limits import LoginLimiter, upload_problem
from assistant.ui.services import UPLOAD_TYPES, AdminRequired, UIServices

DOC_HEADERS = ["Văn bản", "Tỉnh", "Số hiệu", "Ngày", "Loại", "Số đoạn", "Định dạng", "Tệp", "Bản khác"]
DOC_KEYS = ["label", "province", "number", "issued", "kind", "n_chunks", "format", "source", "alternates"]


@dataclass
class DocsTab:
    table: gr.Dataframe
    select: gr.Dropdown
    view: gr.HTML
    user: gr.Textbox
    password: gr.Textbox
    login: gr.Button
    login_status: gr.HTML
    upload: gr.File
    ingest: gr.Button
    log: gr.HTML
    rm_select: gr.Dropdown
    rm_btn: gr.Button
    rm_status: gr.HTML
    confirm_row: gr.Row
    confirm_btn: gr.Button
    cancel_btn: gr.Button
    pending: gr.State  # the source awaiting confirmation of its removal
    authed: gr.State  # server-side per session: set only by a successful login


def docs_table(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"headers": DOC_HEADERS, "data": [[d.get(k, "") for k in DOC_KEYS] for d in docs]}


def choices_of(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(shown, value) per document: its readable title and file name; the value is the source."""
    out = [(d["source"] if d["label"] == d["source"] else f"{d['label']} — {d['source']}", d["source"]) for d in docs]
    # then each document's alternate copies (ingest/copies.py): viewable and removable too
    return out + [(f"{a} — bản khác của {d['source']}", a) for d in docs for a in d.get("alternate_sources", [])]


def build_docs_tab(ui: UIServices) -> DocsTab:
    docs = ui.documents()
    sources = choices_of(docs)
    table = gr.Dataframe(
        value=docs_table(docs),
        interactive=False,
        wrap=True,
        elem_id="d-table",
        label="Tài liệu đã lập chỉ mục",
        column_widths=["30%", "8%", "9%", "8%", "8%", "5%", "5%", "14%", "13%"],
    )
    select = gr.Dropdown(choices=sources, value=None, label="Xem nội dung đã làm sạch của", elem_id="d-select")
    view = gr.HTML(render.document_html(None), elem_id="d-view", js_on_load=None, max_height=500)
    disabled = ui.admin_disabled_reason()
    gr.Markdown(
        f"### Quản trị: tải lên và xóa tài liệu\nGiới hạn: {ui.settings.max_file_mb} MB mỗi tệp; "
        f"định dạng {', '.join(t.lstrip('.').upper() for t in UPLOAD_TYPES)}."
    )
    with gr.Row():
        user = gr.Textbox(label="Tên đăng nhập", elem_id="login-user", interactive=not disabled)
        password = gr.Textbox(label="Mật khẩu", type="password", elem_id="login-pass", interactive=not disabled)
        login = gr.Button("Đăng nhập", elem_id="login-btn", interactive=not disabled)
    login_status = gr.HTML(
        render.notice_html(disabled or "Chưa đăng nhập.", "warn" if disabled else "info"),
        elem_id="login-status",
        js_on_load=None,
    )
    upload = gr.File(
        file_count="multiple", file_types=list(UPLOAD_TYPES), label="Tệp tải lên", elem_id="upload", interactive=False
    )
    ingest = gr.Button("Nạp vào chỉ mục", elem_id="ingest-btn", interactive=False, variant="primary")
    log = gr.HTML("", elem_id="ingest-log", js_on_load=None)
    with gr.Row():
        rm_select = gr.Dropdown(
            choices=sources, value=None, label="Tài liệu cần xóa", elem_id="rm-select", interactive=False
        )
        rm_btn = gr.Button("Xóa tài liệu", elem_id="rm-btn", variant="stop", interactive=False)
    rm_status = gr.HTML("", elem_id="rm-status", js_on_load=None)
    with gr.Row(visible=False, elem_id="rm-confirm") as confirm_row:
        confirm_btn = gr.Button("Xác nhận xóa", elem_id="rm-confirm-btn", variant="stop", size="sm")
        cancel_btn = gr.Button("Hủy", elem_id="rm-cancel-btn", size="sm")
    return DocsTab(
        table,
        select,
        view,
        user,
        password,
        login,
        login_status,
        upload,
        ingest,
        log,
        rm_select,
        rm_btn,
        rm_status,
        confirm_row,
        confirm_btn,
        cancel_btn,
        gr.State(""),
        gr.State(False),
    )


class DocsActions:
    def __init__(self, ui: UIServices) -> None:
        self.ui = ui
        self.logins = LoginLimiter.from_settings(ui.settings)  # failed logins, per client address

    def view(self, source: str) -> str:
        title, text = self.ui.document_text(source)
        return render.document_html(text, title)

    def login(self, user: str, password: str, request: gr.Request = None) -> tuple:
        client = request.client.host if request is not None and request.client else ""
        disabled = self.ui.admin_disabled_reason()
        locked = "" if disabled else self.logins.locked_message(client)
        ok = not disabled and not locked and self.ui.check_login(user, password)
        if not disabled and not locked:
            self.logins.record(client, ok)
        message = disabled or locked or ("Đã đăng nhập quản trị." if ok else "Sai tên đăng nhập hoặc mật khẩu.")
        status = render.notice_html(message, "ok" if ok else "error")
        on = gr.update(interactive=ok)
        return ok, status, "", on, on, on, on

    def refreshed(self) -> tuple:
        """The table and both document choices, read from the index now."""
        docs = self.ui.documents()
        sources = choices_of(docs)
        return docs_table(docs), gr.update(choices=sources), gr.update(choices=sources, value=None)

    def ingest(self, files: list[str] | None, authed: bool, progress: gr.Progress = gr.Progress()):
        """Per-file progress (and per page while a scan is OCR'd: "OCR trang 3/10"), then per-file
        results; the document lists are refreshed at the end."""
        paths = [str(f) for f in (files or [])]
        if not paths:
            yield render.notice_html("Chưa chọn tệp nào.", "warn"), gr.skip(), gr.skip(), gr.skip()
            return
        too_much = upload_problem(paths, self.ui.settings) if authed else ""  # the login is checked below
        if too_much:
            yield render.notice_html(too_much, "error"), gr.skip(), gr.skip(), gr.skip()
            return
        rows = [(Path(p).name, "pending", "") for p in paths]
        rows[0] = (rows[0][0], "working", "")
        yield render.ingest_log_html(rows), gr.skip(), gr.skip(), gr.skip()
        try:

            def on_page(source: str, done: int, total: int) -> None:
                progress((done, total), desc=f"{source}: OCR trang {done}/{total}", unit="trang")

            for i, source, status, reason in self.ui.ingest_uploads(paths, authed, on_page):
                rows[i] = (source, status, reason)
                if i + 1 < len(rows):
                    rows[i + 1] = (rows[i + 1][0], "working", "")
                yield render.ingest_log_html(rows), gr.skip(), gr.skip(), gr.skip()
        except AdminRequired as exc:
            yield render.notice_html(str(exc), "error"), gr.skip(), gr.skip(), gr.skip()
            return
        yield (render.ingest_log_html(rows), *self.refreshed())

    def ask_remove(self, source: str, authed: bool) -> tuple:
        """First step of a removal: name the document and ask to confirm (nothing is removed)."""
        hidden = gr.update(visible=False)
        if not authed:
            return render.notice_html("Cần đăng nhập quản trị để thực hiện thao tác này.", "error"), hidden, ""
        if not source:
            return render.notice_html("Chưa chọn tài liệu cần xóa.", "warn"), hidden, ""
        label = self.ui.titles().get(source)
        if label is None and self.ui.alternate_of(source):  # an alternate copy: only it is forgotten
            label = f"bản khác của {self.ui.alternate_of(source)}"
        if label is None:
            return render.notice_html(f"Không có tài liệu {source!r} trong chỉ mục.", "error"), hidden, ""
        named = source if label == source else f"“{label}” ({source})"
        message = (
            f"Xóa tài liệu {named} cùng mọi đoạn của nó khỏi chỉ mục? Bấm “Xác nhận xóa” để xóa, “Hủy” để giữ lại."
        )
        return render.notice_html(message, "warn"), gr.update(visible=True), source

    def remove(self, source: str, authed: bool) -> tuple:
        """Second step: remove the document the confirmation named."""
        hidden = gr.update(visible=False)
        try:
            removed = self.ui.remove(source, authed)
        except AdminRequired as exc:
            return (render.notice_html(str(exc), "error"), hidden, "", gr.skip(), gr.skip(), gr.skip())
        message = f"Đã xóa {source}." if removed else f"Không có tài liệu {source!r} trong chỉ mục."
        return (render.notice_html(message, "ok" if removed else "error"), hidden, "", *self.refreshed())

    def cancel(self) -> tuple:
        return render.notice_html("Đã hủy: không xóa tài liệu nào.", "info"), gr.update(visible=False), ""


def wire_docs_tab(ui: UIServices, tab: DocsTab) -> list[Any]:
    """Wire the tab; returns the events that change the index (to refresh other tabs after them)."""
    actions = DocsActions(ui)
    tab.select.change(actions.view, inputs=[tab.select], outputs=[tab.view], api_visibility="private")
    gr.on(
        [tab.login.click, tab.password.submit],
        actions.login,
        inputs=[tab.user, tab.password],
        outputs=[tab.authed, tab.login_status, tab.password, tab.upload, tab.ingest, tab.rm_select, tab.rm_btn],
        api_visibility="private",
    )
    lists = [tab.table, tab.select, tab.rm_select]
    ingested = tab.ingest.click(
        actions.ingest, inputs=[tab.upload, tab.authed], outputs=[tab.log, *lists], api_visibility="private"
    )
    confirm = [tab.rm_status, tab.confirm_row, tab.pending]
    tab.rm_btn.click(actions.ask_remove, inputs=[tab.rm_select, tab.authed], outputs=confirm, api_visibility="private")
    tab.cancel_btn.click(actions.cancel, outputs=confirm, api_visibility="private")
    removed = tab.confirm_btn.click(
        actions.remove, inputs=[tab.pending, tab.authed], outputs=[*confirm, *lists], api_visibility="private"
    )
    return [ingested, removed]


def wire_docs_refresh(actions_ui: UIServices, tab: DocsTab, triggers: list[Any]) -> None:
    """Re-read the documents from the index on each trigger (page load, selecting the tab)."""
    actions = DocsActions(actions_ui)
    gr.on(
        triggers,
        actions.refreshed,
        outputs=[tab.table, tab.select, tab.rm_select],
        api_visibility="private",
        show_progress="hidden",
    )
