"""The web app: pure rendering (escaping, citation links, highlight), the services behind the tabs,
admin login, and the running app's `ask` / `tasks` API called with gradio_client (no browser)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.register import TASK_COLUMNS
from assistant.service import ChatService
from assistant.settings import Settings
from assistant.ui import render
from core.contracts import Filters
from tests.support import free_port

# gradio's queue calls pandas options that pandas 3 deprecates: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")

KIT_XSS = "prompt-injection_script_onerror.html"
QUESTION = "Sở Kế hoạch và Đầu tư Lai Châu phải làm gì?"
ELEM_IDS = {
    "question",
    "send",
    "chatbot",
    "sources",
    "source-view",
    "new-chat",
    "examples",
    "export-md",
    "filter-chips",
    "f-province",
    "f-year-from",
    "f-year-to",
    "f-kind",
    "f-agency",
    "t-agency",
    "t-province",
    "t-year",
    "t-show",
    "t-table",
    "t-csv",
    "t-xlsx",
    "g-province",
    "g-table",
    "d-table",
    "d-select",
    "d-view",
    "login-user",
    "login-pass",
    "login-btn",
    "login-status",
    "upload",
    "ingest-btn",
    "ingest-log",
    "rm-select",
    "rm-btn",
}


def _citation(**kw):
    base = {
        "n": 1,
        "chunk_id": "d:0",
        "source": "a.txt",
        "title": "T",
        "number": "15/TB-UBND",
        "province": "Lai Châu",
        "issued": "2014-03-05",
        "quote": "q",
        "start": 0,
        "end": 1,
    }
    return {**base, **kw}


# --- render (pure) ------------------------------------------------------------------------------
@pytest.mark.unit
def test_answer_lines_escape_markup_and_link_citations():
    lines = render.answer_lines("Cập nhật <script>alert(1)</script> <img src=x onerror=alert(1)> [2]\ndòng hai [1][3]")
    html = render.answer_html(lines)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "onerror=alert(1)&gt;" in html
    assert '<a class="cite" data-n="2" href="#cite-2"' in html and ">[2]</a>" in html
    assert html.count('class="cite"') == 3
    assert "\n\n" not in html  # one raw-HTML block for the chat's Markdown renderer


@pytest.mark.unit
def test_abstention_is_labelled():
    html = render.answer_html(render.answer_lines("Không có thông tin."), abstained=True)
    assert "abstained" in html and render.ABSTAIN_LABEL in html


@pytest.mark.unit
def test_highlight_marks_the_span_inside_its_escaped_paragraph():
    text = "Đoạn một.\n\nTrước <b>x</b> ĐÂY LÀ <script>alert(1)</script> TRÍCH DẪN sau onerror=x.\n\nĐoạn ba."
    start = text.index("ĐÂY")
    end = text.index(" sau")
    html = render.highlight_html(text, start, end)
    assert html.startswith("Trước &lt;b&gt;x&lt;/b&gt; ")
    assert '<mark class="hl">ĐÂY LÀ &lt;script&gt;alert(1)&lt;/script&gt; TRÍCH DẪN</mark>' in html
    assert html.endswith(" sau onerror=x.")
    assert "Đoạn một" not in html and "Đoạn ba" not in html and "<script" not in html


@pytest.mark.unit
def test_long_paragraph_is_cut_to_a_window_around_the_quote():
    text = "a" * 5000 + "QUOTE" + "b" * 5000
    html = render.highlight_html(text, 5000, 5005)
    assert '<mark class="hl">QUOTE</mark>' in html and len(html) < 2 * render.PARAGRAPH_WINDOW
    assert html.startswith("… ") and html.endswith(" …")


@pytest.mark.unit
def test_sources_panel_lists_only_cited_sources_escaped():
    answer = {
        "answer": "Một [1]. Ba [3].",
        "citations": [
            _citation(n=1, title="<img src=x onerror=alert(1)>", quote="<script>alert(1)</script>"),
            _citation(n=2, title="Không được trích"),
            _citation(n=3, title="Thứ ba", source="c.txt"),
        ],
    }
    html = render.sources_html(answer)
    assert "Không được trích" not in html and "Thứ ba" in html
    assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html
    assert 'data-n="1"' in html and 'data-n="3"' in html
    assert "15/TB-UBND" in html and "Lai Châu" in html and "2014-03-05" in html


@pytest.mark.unit
def test_source_view_and_document_views_escape():
    text = "Mở đầu.\n\nGhi chú: <script>alert(2)</script> hết."
    start = text.index("<script>")
    c = _citation(start=start, end=start + len("<script>alert(2)</script>"), title="<b>t</b>")
    html = render.source_view_html(c, text)
    assert '<mark class="hl">&lt;script&gt;alert(2)&lt;/script&gt;</mark>' in html and "<b>t</b>" not in html
    stale = render.source_view_html(_citation(quote="<i>q</i>", start=50, end=60), "ngắn")
    assert '<mark class="hl">&lt;i&gt;q&lt;/i&gt;</mark>' in stale
    assert "<script" not in render.document_html(text, "<script>") and "&lt;script&gt;" in render.document_html(text)
    assert "<script" not in render.ingest_log_html([("<script>.txt", "refused", "<b>bad</b>")])


@pytest.mark.unit
def test_chips_and_markdown_export():
    assert "Không lọc" in render.chips_html([("Tỉnh", ""), ("Năm", "")])
    chips = render.chips_html([("Tỉnh", "Lai Châu"), ("Năm", "2014")])
    assert chips.count('class="chip"') == 2 and "Lai Châu" in chips
    md = render.answer_markdown(
        "Hỏi gì?", {"answer": "Trả lời [1].", "abstained": False, "citations": [_citation(quote="câu\ntrích")]}
    )
    assert "**Câu hỏi:** Hỏi gì?" in md and "Trả lời [1]." in md
    assert "1. **T** (15/TB-UBND, Lai Châu, 2014-03-05)" in md and "> câu trích" in md


@pytest.mark.unit
def test_kit_xss_file_text_is_shown_inertly(knowledge, shared):
    from ingest.pipeline import prepare_bytes

    data = (shared / "corpus" / "bad" / KIT_XSS).read_bytes()
    text = prepare_bytes(data, KIT_XSS, knowledge).document.text
    assert "<script>alert(2)</script>" in text  # the editorial note is text, kept verbatim
    start = text.index("<script>alert(2)")
    for html in (
        render.document_html(text),
        render.highlight_html(text, start, start + len("<script>alert(2)</script>")),
    ):
        assert "<script" not in html and "<img" not in html and "<svg" not in html and "javascript:" not in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


# --- services and callbacks on the seed index ---------------------------------------------------
@pytest.fixture(scope="module")
def service(knowledge, seed_index) -> ChatService:
    return ChatService(
        seed_index, Settings(index_dir=seed_index.index_dir, admin_user=None, admin_password=None), knowledge
    )


@pytest.fixture(scope="module")
def ui(service):
    from assistant.ui.services import UIServices

    return UIServices(service, service.settings)


@pytest.mark.e2e
def test_filter_choices_and_examples_come_from_the_index(ui):
    choices = ui.filter_choices()
    assert {"Lai Châu", "Hà Tĩnh", "Thái Nguyên"} <= set(choices.provinces)
    assert "2014" in choices.years and "thông báo kết luận" in choices.kinds
    assert "Sở Kế hoạch và Đầu tư" in choices.agencies and "Sở Tài chính" in ui.agency_choices()
    examples = ui.example_questions()
    assert 3 <= len(examples) <= 6
    assert any(p in q for q in examples for p in choices.provinces)
    for q in examples[:2]:
        assert not ui.ask(q).abstained, q


@pytest.mark.e2e
def test_chat_streams_a_cited_answer_and_opens_a_citation(ui):
    from assistant.ui.chat_tab import ChatActions

    actions = ChatActions(ui)
    steps = list(actions.respond(QUESTION, [], [], "", "", "", "", ""))
    assert len(steps) >= 3  # the question, then the answer line by line
    chat, _, sources, _, data, history, _ = steps[-1]
    final = chat[-1]["content"]
    assert "cơ chế quản lý đầu tư" in final and 'class="cite"' in final
    assert 'class="src-card"' in sources and history == [{"role": "user", "content": QUESTION}]
    assert data["citations"] and data["question"] == QUESTION
    n = data["citations"][-1]["n"]
    view = actions.show_citation(data, SimpleNamespace(_data={"n": n}))
    assert '<mark class="hl">' in view and data["citations"][-1]["quote"][:40] in view.replace("&quot;", '"')
    follow = list(actions.respond("Còn Sở Tài chính thì sao?", history, chat, "", "", "", "", ""))[-1]
    assert "Sở Tài chính" in follow[0][-1]["content"] and len(follow[0]) == 4


@pytest.mark.e2e
def test_province_filter_applies_to_retrieval(ui):
    from assistant.ui.chat_tab import ChatActions

    *_, last = ChatActions(ui).respond("Có bao nhiêu xã đạt chuẩn nông thôn mới?", [], [], "Hà Tĩnh", "", "", "", "")
    data = last[4]
    assert data["citations"] and {c["province"] for c in data["citations"]} == {"Hà Tĩnh"}


@pytest.mark.e2e
def test_tasks_tab_accent_insensitive_with_downloads(ui):
    from assistant.ui.tasks_tab import TasksActions

    status, table, rows, csv, xlsx = TasksActions(ui).show("so tai chinh", "", "")
    assert "Sở Tài chính" in status and table["data"] and len(rows) == len(table["data"])
    csv_text = Path(csv["value"]).read_text("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Cơ quan,Vai trò,Nhiệm vụ,Thời hạn,Tỉnh,") and "Sở Tài chính" in csv_text
    assert Path(xlsx["value"]).read_bytes()[:2] == b"PK"
    error, empty, *_ = TasksActions(ui).show("cơ quan không có", "", "")
    assert "không nhận ra" in error and not empty["data"]
    assert ui.targets("Bắc Kạn") and all(r["planned"] or r["achieved"] for r in ui.targets("Bắc Kạn"))


# --- admin actions ------------------------------------------------------------------------------
def _uploads(shared: Path, tmp_path: Path) -> list[str]:
    folder = tmp_path / "gradio-upload"
    folder.mkdir()
    out = []
    for name in (KIT_XSS, "random-bytes.pdf"):
        shutil.copy(shared / "corpus" / "bad" / name, folder / name)
        out.append(str(folder / name))
    return out


@pytest.mark.e2e
def test_admin_actions_are_disabled_without_configured_credentials(ui, shared, tmp_path):
    from assistant.ui.docs_tab import DocsActions
    from assistant.ui.services import AdminRequired

    assert "NTM_ADMIN_USER" in ui.admin_disabled_reason()
    assert not ui.check_login("", "") and not ui.check_login("admin", "admin")
    with pytest.raises(AdminRequired):
        list(ui.ingest_uploads(_uploads(shared, tmp_path), authed=True))
    with pytest.raises(AdminRequired):
        ui.remove("003_53ad26070fe62449.txt", authed=True)
    authed, status, *_ = DocsActions(ui).login("admin", "admin")
    assert authed is False and "NTM_ADMIN_USER" in status
    assert len(ui.documents()) == 5


@pytest.mark.e2e
def test_admin_login_upload_and_remove_with_credentials(knowledge, make_index, shared, tmp_path):
    from assistant.ui.docs_tab import DocsActions
    from assistant.ui.services import AdminRequired, UIServices

    settings = Settings(index_dir=tmp_path / "index", admin_user="quantri", admin_password="mật-khẩu-thử")
    ui = UIServices(ChatService(make_index(tmp_path / "index"), settings, knowledge), settings)
    docs = DocsActions(ui)
    assert ui.admin_disabled_reason() == ""
    assert docs.login("quantri", "sai")[0] is False
    assert docs.login("quantri", "mật-khẩu-thử")[0] is True
    paths = _uploads(shared, tmp_path)
    with pytest.raises(AdminRequired):
        list(ui.ingest_uploads(paths, authed=False))
    steps = list(docs.ingest(paths, True))
    log = steps[-1][0]
    assert "2/2" in log and "thêm mới" in log and "từ chối" in log and "<script" not in log
    results = {source: (status, reason) for _, source, status, reason in ui.ingest_uploads(paths, authed=True)}
    assert results[KIT_XSS] == ("unchanged", "") and results["random-bytes.pdf"][0] == "refused"
    title, text = ui.document_text(KIT_XSS)
    assert "<script" not in render.document_html(text, title)
    status, _row, _pending, table, *_ = docs.remove(KIT_XSS, True)  # (after its confirmation)
    assert "Đã xóa" in status and not table["data"] and ui.documents() == []
    assert "Cần đăng nhập" in docs.remove(KIT_XSS, False)[0]


# --- the running app over HTTP ------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_url(service):
    from assistant.ui.app import serve

    port = free_port()
    demo = serve(service, service.settings, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.mark.e2e
def test_app_serves_the_page_with_stable_element_ids(app_url):
    import json
    import urllib.request

    with urllib.request.urlopen(app_url, timeout=10) as response:
        assert response.status == 200
    with urllib.request.urlopen(app_url + "config", timeout=10) as response:
        config = json.load(response)
    ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert ELEM_IDS <= ids, ELEM_IDS - ids


@pytest.mark.e2e
def test_api_exposes_only_ask_and_tasks(client):
    assert set(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == {"/ask", "/tasks"}


@pytest.mark.e2e
def test_api_ask_returns_the_cli_json(client, service):
    result = client.predict(QUESTION, "", "", api_name="/ask")
    assert set(result) == {
        "answer",
        "abstained",
        "confidence",
        "citations",
        "retrieved",
        "generator",
        "fallback_reason",
    }
    assert result["generator"] == "register" and result["fallback_reason"] is None
    assert "cơ chế quản lý đầu tư" in result["answer"] and not result["abstained"]
    assert set(result["citations"][0]) == {
        "n",
        "source",
        "chunk_id",
        "title",
        "number",
        "province",
        "issued",
        "quote",
        "start",
        "end",
    }
    assert set(result["retrieved"][0]) == {"chunk_id", "source", "score"}
    assert result == service.ask(QUESTION, filters=Filters()).as_json()
    filtered = client.predict("Sở Kế hoạch và Đầu tư phải làm gì?", "Lai Châu", "2014", api_name="/ask")
    assert filtered["citations"] and {c["province"] for c in filtered["citations"]} == {"Lai Châu"}
    assert {c["issued"][:4] for c in filtered["citations"]} == {"2014"}


@pytest.mark.e2e
def test_api_tasks_returns_register_rows(client, ui):
    from gradio_client.exceptions import AppError

    rows = client.predict("Sở Tài chính", "", "", api_name="/tasks")
    assert rows and all(list(r) == list(TASK_COLUMNS) for r in rows)
    assert rows == ui.api_tasks("Sở Tài chính")
    assert client.predict("so tai chinh", "", "", api_name="/tasks") == rows
    lai_chau = client.predict("Sở Tài chính", "Lai Châu", "2014", api_name="/tasks")
    assert lai_chau and all(r["issued"].startswith("2014") for r in lai_chau)
    with pytest.raises(AppError, match="không nhận ra"):
        client.predict("không phải cơ quan", "", "", api_name="/tasks")
