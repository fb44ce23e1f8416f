"""Tab "Hỏi đáp": streamed, cited answers with a sources panel, a source viewer and filters."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.provenance import answer_label
from assistant.ui import render
from assistant.ui.services import UIServices, parse_year
from assistant.ui.streaming import answer_events
from core.contracts import Filters

# Runs once when the sources panel mounts: any click on a citation link anywhere in the page
# (chat answer or sources panel) fires the panel's "click" event with the citation number.
CITE_CLICK_JS = """
window.__ntmCite = trigger;
if (!window.__ntmCiteInstalled) {
  window.__ntmCiteInstalled = true;
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a.cite') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    // the chat's sanitiser drops data-n: fall back to href="#cite-N", then to the text "[N]"
    var n = parseInt(a.getAttribute('data-n') || ((a.getAttribute('href') || '').match(/cite-(\\d+)/) || [])[1]
                     || (a.textContent.match(/\\d+/) || [''])[0], 10);
    if (n && window.__ntmCite) window.__ntmCite('click', {n: n});
  }, true);
}
"""
ALL = ""  # dropdown value meaning "no filter"


@dataclass
class ChatTab:
    question: gr.Textbox
    send: gr.Button
    chatbot: gr.Chatbot
    sources: gr.HTML
    source_view: gr.HTML
    new_chat: gr.Button
    export: gr.DownloadButton
    chips: gr.HTML
    filters: list[gr.Dropdown]  # province, year from, year to, kind, agency
    history: gr.State  # earlier user questions, as messages, for follow-ups
    answer: gr.State  # the last answer's JSON (+ "question")
    examples: gr.Dataset  # the example questions (refreshed from the index on page load)


def with_all(values: list[str], label: str) -> list[tuple[str, str]]:
    return [(label, ALL)] + [(v, v) for v in values]


def filter_updates(ui: UIServices) -> list[Any]:
    """Fresh choices for the five filter dropdowns (after the index changed)."""
    c = ui.filter_choices()
    return [
        gr.update(choices=with_all(c.provinces, "Tất cả tỉnh")),
        gr.update(choices=with_all(c.years, "Từ năm bất kỳ")),
        gr.update(choices=with_all(c.years, "Đến năm bất kỳ")),
        gr.update(choices=with_all(c.kinds, "Mọi loại văn bản")),
        gr.update(choices=with_all(c.agencies, "Mọi cơ quan")),
    ]


def _filters(ui: UIServices) -> list[gr.Dropdown]:
    c = ui.filter_choices()
    spec = [
        ("Tỉnh", "f-province", with_all(c.provinces, "Tất cả tỉnh")),
        ("Từ năm", "f-year-from", with_all(c.years, "Từ năm bất kỳ")),
        ("Đến năm", "f-year-to", with_all(c.years, "Đến năm bất kỳ")),
        ("Loại văn bản", "f-kind", with_all(c.kinds, "Mọi loại văn bản")),
        ("Cơ quan", "f-agency", with_all(c.agencies, "Mọi cơ quan")),
    ]
    return [gr.Dropdown(choices=ch, value=ALL, label=label, elem_id=eid, min_width=120) for label, eid, ch in spec]


def build_chat_tab(ui: UIServices) -> ChatTab:
    with gr.Row():
        filters = _filters(ui)
    chips = gr.HTML(render.chips_html([]), elem_id="filter-chips", js_on_load=None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Trợ lý NTM",
                elem_id="chatbot",
                height=520,
                latex_delimiters=[],
                feedback_options=None,
                buttons=["copy", "copy_all"],
                placeholder="Hỏi về các văn bản xây dựng nông thôn mới đã lập chỉ mục.",
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Nhập câu hỏi (có dấu hoặc không dấu)…",
                    show_label=False,
                    elem_id="question",
                    scale=5,
                    lines=1,
                    max_lines=4,
                )
                send = gr.Button("Gửi", variant="primary", elem_id="send", scale=1, min_width=80)
            with gr.Row():
                new_chat = gr.Button("Cuộc trò chuyện mới", elem_id="new-chat", size="sm")
                export = gr.DownloadButton(
                    "Tải câu trả lời (Markdown)", elem_id="export-md", size="sm", interactive=False
                )
            examples = gr.Examples(
                [[q] for q in ui.example_questions()],
                inputs=[question],
                label="Câu hỏi gợi ý cho cán bộ mới",
                elem_id="examples",
            )
        with gr.Column(scale=2):
            gr.Markdown("#### Nguồn được trích dẫn")
            sources = gr.HTML(render.sources_html(None), elem_id="sources", js_on_load=CITE_CLICK_JS, max_height=420)
            gr.Markdown("#### Đoạn văn gốc")
            source_view = gr.HTML(
                render.source_view_html(None, None), elem_id="source-view", js_on_load=None, max_height=420
            )
    return ChatTab(
        question,
        send,
        chatbot,
        sources,
        source_view,
        new_chat,
        export,
        chips,
        filters,
        gr.State([]),
        gr.State(None),
        examples.dataset,
    )


def example_update(ui: UIServices) -> Any:
    """The example questions for the index as it is now (new agencies and provinces included)."""
    questions = ui.example_questions()
    return gr.Dataset(samples=[[q] for q in questions]) if questions else gr.skip()


def chips_for(province: str, year_from: str, year_to: str, kind: str, agency: str) -> str:
    years = " – ".join(y for y in (year_from, year_to) if y) if (year_from or year_to) else ""
    if year_from and year_to and year_from == year_to:
        years = year_from
    return render.chips_html([("Tỉnh", province), ("Năm", years), ("Loại", kind), ("Cơ quan", agency)])


def export_file(question: str, answer: dict[str, Any]) -> str:
    folder = Path(tempfile.gettempdir()) / "ntm-exports"
    folder.mkdir(exist_ok=True)
    path = folder / f"ntm-tra-loi-{uuid.uuid4().hex[:8]}.md"
    path.write_text(render.answer_markdown(question, answer), "utf-8")
    return str(path)


class ChatActions:
    """The tab's callbacks (bound methods, so Gradio sees their type hints), each one service call."""

    def __init__(self, ui: UIServices) -> None:
        self.ui = ui

    def respond(
        self,
        question: str,
        history: list,
        chat: list,
        province: str,
        year_from: str,
        year_to: str,
        kind: str,
        agency: str,
    ):
        """Ask, then stream the answer line by line; finally the sources panel and the export."""
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        chat = list(chat or []) + [
            {"role": "user", "content": escape(question)},
            {"role": "assistant", "content": render.answer_html([], done=False)},
        ]
        yield chat, "", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        filters = Filters(province or "", parse_year(year_from), parse_year(year_to), kind or "", agency or "")
        answer = None
        for kind_, value in answer_events(self._ask, question, history, filters):
            if kind_ == "draft":  # the LLM's draft as it is written (checked, and maybe replaced, at the end)
                chat[-1] = {"role": "assistant", "content": render.answer_html(render.answer_lines(value), done=False)}
                yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            else:
                answer = value
        lines = render.answer_lines(answer.text)
        for i in range(1, len(lines)):
            chat[-1] = {"role": "assistant", "content": render.answer_html(lines[:i], answer.abstained, done=False)}
            yield chat, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        label = "" if answer.abstained and not answer.fallback_reason else answer_label(answer.as_json())
        chat[-1] = {"role": "assistant", "content": render.answer_html(lines, answer.abstained, label=label)}
        data = {**self.ui.answer_json(answer), "question": question}
        history = list(history or []) + [{"role": "user", "content": question}]
        yield (
            chat,
            gr.skip(),
            render.sources_html(data),
            render.source_view_html(None, None),
            data,
            history,
            gr.update(value=export_file(question, data), interactive=True),
        )

    def _ask(self, question: str, history: list | None, filters: Filters, on_token: Any) -> Any:
        """One question under the UI's index lock, the LLM's draft streamed to `on_token`."""
        with self.ui.lock:
            return self.ui.service.ask(question, history or [], filters, on_token=on_token)

    def show_citation(self, answer: dict[str, Any] | None, evt: gr.EventData) -> Any:
        n = (getattr(evt, "_data", None) or {}).get("n")
        cited = {c["n"]: c for c in (answer or {}).get("citations", [])}
        try:
            citation = cited.get(int(n)) if n is not None else None
        except (TypeError, ValueError):
            citation = None
        if citation is None:
            return gr.skip()
        return render.source_view_html(citation, self.ui.document_text_of_chunk(citation["chunk_id"]))


def clear_chat() -> tuple:
    return (
        [],
        "",
        render.sources_html(None),
        render.source_view_html(None, None),
        None,
        [],
        gr.update(value=None, interactive=False),
    )


def wire_chat_tab(ui: UIServices, tab: ChatTab) -> None:
    actions = ChatActions(ui)
    outputs = [tab.chatbot, tab.question, tab.sources, tab.source_view, tab.answer, tab.history, tab.export]
    gr.on(
        [tab.send.click, tab.question.submit],
        actions.respond,
        inputs=[tab.question, tab.history, tab.chatbot, *tab.filters],
        outputs=outputs,
        api_visibility="private",
        show_progress="minimal",
    )
    tab.new_chat.click(clear_chat, outputs=outputs, api_visibility="private")
    tab.sources.click(
        actions.show_citation,
        inputs=[tab.answer],
        outputs=[tab.source_view],
        api_visibility="private",
        show_progress="hidden",
    )
    gr.on(
        [f.change for f in tab.filters],
        chips_for,
        inputs=tab.filters,
        outputs=[tab.chips],
        api_visibility="private",
        show_progress="hidden",
    )
