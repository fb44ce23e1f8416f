"""The web app: three tabs over one ChatService, the `ask`/`tasks` API, and the launcher.

`build_app` only wires; what the tabs show comes from `assistant.ui.services`, and how it looks
from `assistant.ui.render`.
"""

from __future__ import annotations

import os
from typing import Any

import gradio as gr

from assistant.register import UnknownAgency
from assistant.service import ChatService
from assistant.settings import Settings
from assistant.ui import render
from assistant.ui.chat_tab import (
    build_chat_tab,
    example_update,
    filter_updates,
    wire_chat_tab,
    with_all,
)
from assistant.ui.docs_tab import build_docs_tab, wire_docs_refresh, wire_docs_tab
from assistant.ui.services import UIServices
from assistant.ui.tasks_tab import build_tasks_tab, targets_table, wire_tasks_tab

TITLE = "Trợ lý NTM — hỏi đáp văn bản xây dựng nông thôn mới"
# Fonts of the machine (Debian fonts-noto-core; `make browser`), no web font is ever fetched. The
# first installed font of each stack must have every precomposed Vietnamese letter: a font that
# lacks "ố" but has "ô" and U+0301 gets them drawn apart ("Sô´hiệu"), which is what DejaVu Sans
# Mono did to Gradio's tables (they use the mono stack). So the mono stack falls back to Noto Sans.
FONT_STACK = ["Noto Sans", "DejaVu Sans", "sans-serif"]
FONT_MONO = ["Noto Sans Mono", "Noto Sans", "DejaVu Sans", "monospace"]
SAMPLE_NOTICE = (
    "Đang dùng bộ tài liệu mẫu (data/sample): các văn bản này được soạn để minh họa, số hiệu, ngày tháng, "
    "tên người và phần lớn số liệu là giả định — không dùng làm căn cứ. Nạp văn bản thật ở tab “Tài liệu” "
    "hoặc bằng `ntm ingest`."
)

CSS = """
.answer .abstain-label { font-weight: 600; color: #9a3412; margin-bottom: .3em; }
.answer.abstained { border-left: 3px solid #f97316; padding-left: .6em; }
a.cite, #chatbot a.cite { font-weight: 600; text-decoration: none; cursor: pointer; padding: 0 1px;
         color: var(--link-text-color, #2563eb) !important; }
a.cite:hover { text-decoration: underline; }
mark.hl { background: #fde047; color: inherit; padding: 0 2px; border-radius: 2px; }
.src-card {
  border: 1px solid var(--border-color-primary);
  border-radius: 6px;
  padding: .5em .7em;
  margin-bottom: .5em;
}
.src-title { font-weight: 600; }
.src-meta, .src-file { font-size: .85em; opacity: .8; }
.src-quote {
  margin: .3em 0 0;
  padding-left: .6em;
  border-left: 3px solid var(--border-color-primary);
  font-size: .92em;
}
.sv-head { font-weight: 600; margin-bottom: .2em; }
.sv-para { white-space: pre-wrap; margin-top: .5em; line-height: 1.5; }
.doc-text { white-space: pre-wrap; font-family: inherit; font-size: .92em; }
.chips { display: flex; flex-wrap: wrap; gap: .4em; }
.chip { border-radius: 999px; padding: .1em .7em; background: var(--background-fill-secondary);
        border: 1px solid var(--border-color-primary); font-size: .85em; }
.notice.error { color: #b91c1c; } .notice.ok { color: #15803d; } .notice.warn { color: #9a3412; }
.gen-label { font-size: .8em; opacity: .75; margin-top: .4em; }
.sample-notice {
  border: 1px solid #f59e0b;
  background: #fffbeb;
  color: #78350f;
  border-radius: 6px;
  padding: .4em .7em;
}
.reason-detail { display: inline; font-size: .85em; }
.reason-detail summary { display: inline; cursor: pointer; opacity: .75; }
.ingest-log ul { margin: .3em 0; }
.ingest-log .st-refused { color: #b91c1c; }
.ingest-log .reason { font-style: italic; }
"""


def _add_api(ui: UIServices) -> None:
    """The two public endpoints; every other event is private."""

    def ask(question: str, province: str = "", year: str = "") -> dict:
        """Grounded answer with citations: the JSON of `ntm ask --json`. Empty province/year = no filter."""
        if not (question or "").strip():
            raise gr.Error("Câu hỏi trống: hãy nhập một câu hỏi.")
        try:
            return ui.api_ask(question, province, year)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    def tasks(agency: str, province: str = "", year: str = "") -> list:
        """The task register of an agency (any spelling): the rows of `ntm tasks --format json`."""
        try:
            return ui.api_tasks(agency, province, year)
        except (UnknownAgency, ValueError) as exc:
            raise gr.Error(str(exc)) from exc

    gr.api(ask, api_name="ask")
    gr.api(tasks, api_name="tasks")


def _refresh_choices(ui: UIServices) -> list[Any]:
    """Choices that depend on the index: chat filters, tasks agencies/provinces/years."""
    c = ui.filter_choices()
    provinces = gr.update(choices=with_all(c.provinces, "Tất cả tỉnh"))
    return [
        *filter_updates(ui),
        gr.update(choices=ui.agency_choices()),
        provinces,
        gr.update(choices=with_all(c.years, "Mọi năm")),
        provinces,
    ]


def build_app(service: ChatService, settings: Settings) -> gr.Blocks:
    """The Gradio app over `service` (Vietnamese UI), with `api_name="ask"` and `"tasks"`."""
    ui = UIServices(service, settings)
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(
            f"## {TITLE}\nCâu trả lời chỉ lấy từ các văn bản đã lập chỉ mục, kèm trích dẫn [n] tới đoạn văn gốc."
        )
        sample = gr.HTML(sample_notice_html(ui), elem_id="sample-notice", js_on_load=None)
        with gr.Tab("Hỏi đáp", id="chat"):
            chat = build_chat_tab(ui)
        with gr.Tab("Nhiệm vụ", id="tasks") as tasks_tab:
            tasks = build_tasks_tab(ui)
        with gr.Tab("Tài liệu", id="docs") as docs_tab:
            docs = build_docs_tab(ui)
        wire_chat_tab(ui, chat)
        wire_tasks_tab(ui, tasks)
        index_changed = wire_docs_tab(ui, docs)
        choice_outputs = [*chat.filters, tasks.agency, tasks.province, tasks.year, tasks.g_province]
        for event in index_changed:
            event.then(lambda: _refresh_choices(ui), outputs=choice_outputs, api_visibility="private")
            event.then(lambda: sample_notice_html(ui), outputs=[sample], api_visibility="private")
        demo.load(
            lambda: _refresh_choices(ui), outputs=choice_outputs, api_visibility="private", show_progress="hidden"
        )
        # what the page shows is read from the index when shown, not when the app was built
        demo.load(lambda: sample_notice_html(ui), outputs=[sample], api_visibility="private", show_progress="hidden")
        wire_docs_refresh(ui, docs, [demo.load, docs_tab.select])
        demo.load(lambda: example_update(ui), outputs=[chat.examples], api_visibility="private", show_progress="hidden")
        gr.on(
            [demo.load, tasks_tab.select],
            lambda p: targets_table(ui, p),
            inputs=[tasks.g_province],
            outputs=[tasks.g_table],
            api_visibility="private",
            show_progress="hidden",
        )
        _add_api(ui)
    # Questions are answered settings.ask_concurrency at a time (each event's own limit; uploads have
    # theirs), the rest wait in a bounded queue: bench/load.py measured asks as GIL-bound, serialised
    # on the UI lock, so more workers only add waiting threads.
    demo.queue(default_concurrency_limit=settings.ask_concurrency, max_size=settings.queue_max_size)
    return demo


def sample_notice_html(ui: UIServices) -> str:
    """A warning that the indexed notices are the invented sample corpus ("" otherwise)."""
    return f'<div class="sample-notice">{render.escape(SAMPLE_NOTICE)}</div>' if ui.sample_only() else ""


def theme() -> gr.themes.Base:
    """Gradio's default look with the local font stack (a font name alone makes no request)."""
    return gr.themes.Default(font=FONT_STACK, font_mono=FONT_MONO)


def launch_options(settings: Settings) -> dict[str, Any]:
    """Options of `Blocks.launch` for this app (no share link, no SSR/MCP, the upload size limit,
    local fonts; Gradio's own console lines are replaced by `serve`'s)."""
    return {
        "share": False,
        "quiet": True,
        "theme": theme(),
        "css": CSS,
        "max_file_size": settings.max_file_bytes,
        "ssr_mode": False,
        "mcp_server": False,
        "footer_links": ["api"],
    }


def serve(
    service: ChatService, settings: Settings, host: str | None = None, port: int | None = None, **launch_kwargs: Any
) -> gr.Blocks:
    """Build the app and serve it on host:port (default: settings.host:settings.port).

    Blocks until the server stops, unless `prevent_thread_lock=True` is passed (tests); returns
    the app (call `.close()` to stop it).
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    demo = build_app(service, settings)
    options = {**launch_options(settings), **launch_kwargs}
    blocking = not options.pop("prevent_thread_lock", False)
    demo.launch(
        server_name=host or settings.host, server_port=port or settings.port, prevent_thread_lock=True, **options
    )
    # in place of Gradio's "To create a public link, set share=True" (quiet): there is no share link
    print(
        f"NTM Assistant: {demo.local_url} — không có liên kết công khai (chỉ mở từ địa chỉ này). Ctrl+C để dừng.",
        flush=True,
    )
    if blocking:
        demo.block_thread()
    return demo
