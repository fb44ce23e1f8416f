"""What a new user trips over in the web app, without a browser: readable source titles, refusal
reasons in Vietnamese, exports with Vietnamese headers and a formatted XLSX, folder README/LICENSE
files kept out of the index, who-answered labels, no leftover markup in register answers, the
documents lists read from the index when shown, confirmed removal, the console's launch line."""

from __future__ import annotations

import ast
import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant import exporting
from assistant.refusals import load_refusal_texts
from assistant.service import ChatService
from assistant.settings import Settings
from assistant.titles import lead_of, readable_title
from assistant.ui import render

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")
ROOT = Path(__file__).resolve().parents[1]


# --- readable titles ----------------------------------------------------------------------------
@pytest.mark.unit
def test_readable_title_kind_number_issuer_date_else_title_else_lead():
    numbered = {
        "kind": "thông báo kết luận",
        "number": "15/TB-UBND",
        "issuer": "UBND tỉnh Lai Châu",
        "province": "Lai Châu",
        "issued": "2014-03-05",
        "title": "Kết luận của Phó Chủ tịch",
    }
    assert readable_title(numbered) == "Thông báo kết luận số 15/TB-UBND của UBND tỉnh Lai Châu, ngày 05/03/2014"
    # a generic kind takes the kind the number's code says; no issuer → the province's UBND
    assert (
        readable_title({"kind": "khác", "number": "05/KH-UBND", "province": "Hà Tĩnh"})
        == "Kế hoạch số 05/KH-UBND của UBND tỉnh Hà Tĩnh"
    )
    news = {"kind": "tin/bài", "title": "Lào Cai: Sơ kết 6 tháng", "province": "Lào Cai", "issued": "2023-08-16"}
    assert readable_title(news) == "Lào Cai: Sơ kết 6 tháng (Lào Cai, 16/08/2023)"
    text = (
        "\n\nPhó Chủ tịch Thường trực UBND tỉnh Hà Tĩnh Nguyễn Hồng Lĩnh đề nghị các sở, ngành "
        "khẩn trương hoàn thành, ban hành"
    )
    lead = lead_of(text)
    assert lead.startswith("Phó Chủ tịch Thường trực") and lead.endswith("…") and len(lead.split()) <= 15
    untitled = {"kind": "tin/bài", "province": "Hà Tĩnh", "issued": "2023-03-13"}
    assert readable_title(untitled, lead) == f"Tin bài (Hà Tĩnh, 13/03/2023): “{lead}”"
    assert readable_title({}) == ""


@pytest.mark.unit
def test_sources_panel_shows_the_readable_title_and_keeps_the_file_name():
    c = {
        "n": 1,
        "chunk_id": "d:0",
        "source": "002_8b2520492b2011fc.txt",
        "title": "",
        "number": "",
        "province": "Hà Tĩnh",
        "issued": "2023-03-13",
        "quote": "q",
        "start": 0,
        "end": 1,
        "label": "Tin bài (Hà Tĩnh, 13/03/2023): “Phó Chủ tịch…”",
    }
    html = render.sources_html({"answer": "x [1]", "citations": [c]})
    assert '<span class="src-title">Tin bài (Hà Tĩnh, 13/03/2023)' in html
    assert '<div class="src-file">002_8b2520492b2011fc.txt</div>' in html
    assert "Tin bài (Hà Tĩnh" in render.answer_markdown("q", {"answer": "x [1]", "citations": [c]})


# --- refusal reasons ----------------------------------------------------------------------------
def _reason_openings() -> list[tuple[str, str]]:
    """(file, fixed opening) of every reason passed to RefusedFile in ingest/ and the UI: a string
    or f-string literal, or the literal a local helper returns (`_damaged(exc)`)."""
    files = sorted((ROOT / "ingest").rglob("*.py")) + [ROOT / "assistant" / "ui" / "services.py"]
    out = []
    for path in files:
        tree = ast.parse(path.read_text("utf-8"))
        helpers = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        constants = {
            t.id: a.value for a in tree.body if isinstance(a, ast.Assign) for t in a.targets if isinstance(t, ast.Name)
        }

        def opening(node: ast.AST, constants: dict = constants, helpers: dict = helpers) -> str | None:
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return node.value
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                return node.values[0].value
            if isinstance(node, ast.Name) and node.id in constants:
                return opening(constants[node.id])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers:
                returns = [r.value for r in ast.walk(helpers[node.func.id]) if isinstance(r, ast.Return) and r.value]
                return opening(returns[0]) if returns else None
            return None

        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "RefusedFile" and len(node.args) == 2:
                text = opening(node.args[1])
                if text is not None:  # a local variable holds one of the module's constants, checked too
                    out.append((f"{path.name}:{node.lineno}", text))
        for name, value in constants.items():
            text = opening(value)
            if name.isupper() and text and path.parent.name == "loaders" and ("not " in text or "fail" in text):
                out.append((f"{path.name}:{name}", text))
    return out


@pytest.mark.unit
def test_every_refusal_reason_the_loaders_give_has_a_vietnamese_message():
    texts = load_refusal_texts()
    openings = _reason_openings()
    assert len(openings) >= 30
    missing = [(where, text) for where, text in openings if texts.kind_of(text) is None]
    assert not missing, f"add these to assistant/data/refusal_reasons.json: {missing}"
    assert texts.vietnamese("file too large (limit 20 MB)") == "Tệp quá lớn (giới hạn 20 MB mỗi tệp)."
    assert texts.vietnamese("something new") == texts.unknown


@pytest.mark.unit
def test_ingest_log_shows_the_reason_in_vietnamese_with_the_detail_folded():
    html = render.ingest_log_html(
        [
            ("a.docx", "refused", "corrupt DOCX (XML parse error: <b>mismatched tag</b>)"),
            ("b.pdf", "refused", "password-protected PDF"),
            ("c.txt", "added", ""),
        ]
    )
    assert "Tệp DOCX bị hỏng" in html and "được bảo vệ bằng mật khẩu" in html
    detail = re.search(r"<details[^>]*><summary>Chi tiết kỹ thuật</summary><code>(.*?)</code></details>", html)
    assert detail and detail.group(1) == "corrupt DOCX (XML parse error: &lt;b&gt;mismatched tag&lt;/b&gt;)"
    assert "<b>mismatched" not in html and "3/3 tệp" in html


# --- exports ------------------------------------------------------------------------------------
ROWS = [
    {
        "agency": "Sở Tài chính",
        "role": "chủ trì",
        "task": "Tham mưu phân bổ vốn " * 10,
        "deadline": "30/6/2022",
        "province": "Nghệ An",
        "document": "Thông báo số 45/TB-UBND",
        "number": "45/TB-UBND",
        "issued": "2022-04-12",
        "source": "01.txt",
        "chunk_id": "d:1",
    }
]
COLUMNS = ("agency", "role", "task", "deadline", "province", "document", "number", "issued", "source", "chunk_id")


@pytest.mark.unit
def test_csv_and_xlsx_have_vietnamese_headers_and_a_formatted_sheet():
    from openpyxl import load_workbook

    header = next(csv.reader(io.StringIO(exporting.to_csv(ROWS, COLUMNS))))
    assert header == [
        "Cơ quan",
        "Vai trò",
        "Nhiệm vụ",
        "Thời hạn",
        "Tỉnh",
        "Văn bản",
        "Số hiệu",
        "Ngày ban hành",
        "Tệp nguồn",
        "Mã đoạn",
    ]
    sheet = load_workbook(io.BytesIO(exporting.to_xlsx(ROWS, COLUMNS, sheet="Nhiệm vụ"))).active
    assert sheet.title == "Nhiệm vụ" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == header and all(c.font.bold for c in sheet[1])
    assert sheet.cell(2, 3).value == ROWS[0]["task"] and sheet.cell(2, 3).alignment.wrap_text
    widths = {col: sheet.column_dimensions[col].width for col in ("A", "C", "D")}
    assert widths["C"] == exporting.MAX_WIDTH and 12 <= widths["A"] < 20 and widths["D"] >= len("30/6/2022")
    assert exporting.to_json(ROWS).count('"agency"') == 1  # JSON keeps the keys


@pytest.mark.unit
def test_export_file_name_names_the_agency_and_the_date():
    name = exporting.export_name("Nhiệm vụ", "Sở KH&ĐT Lai Châu", ".xlsx", date(2026, 12, 1))
    assert name == "Nhiệm-vụ_Sở-KH-ĐT-Lai-Châu_2026-12-01.xlsx"
    assert "/" not in exporting.export_name("Nhiệm vụ", "a/../../b", ".csv")


# --- corpus folders -----------------------------------------------------------------------------
@pytest.mark.unit
def test_folder_walk_skips_readme_and_licence_files_but_not_a_named_file(tmp_path):
    from ingest.pipeline import iter_input_files

    for name in ("README.md", "LICENSE", "license.txt", "Readme.TXT", "01_thong-bao.txt", "readme-not.txt"):
        (tmp_path / name).write_text("x", "utf-8")
    assert [s for _, s in iter_input_files([tmp_path])] == ["01_thong-bao.txt", "readme-not.txt"]
    assert [s for _, s in iter_input_files([tmp_path / "README.md"])] == ["README.md"]
    sample = [s for _, s in iter_input_files([ROOT / "data" / "sample"])]
    assert sample and "README.md" not in sample


# --- who answered -------------------------------------------------------------------------------
@pytest.mark.unit
def test_the_chat_shows_who_answered_under_a_complete_answer():
    from assistant.provenance import answer_label

    label = answer_label({"generator": "register", "fallback_reason": None})
    html = render.answer_html(["x"], label=label)
    assert f'<div class="gen-label">{label}</div>' in html and label.startswith("Từ sổ nhiệm vụ")
    assert "gen-label" not in render.answer_html(["x"], done=False, label=label)  # not while streaming


# --- on a real index ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ui(knowledge, seed_index):
    from assistant.ui.services import UIServices

    settings = Settings(index_dir=seed_index.index_dir, admin_user=None, admin_password=None)
    return UIServices(ChatService(seed_index, settings, knowledge), settings)


@pytest.mark.e2e
def test_documents_get_readable_titles_and_citations_carry_them(ui):
    docs = {d["source"]: d["label"] for d in ui.documents()}
    assert (
        docs["003_53ad26070fe62449.txt"] == "Thông báo kết luận số 15/TB-UBND của UBND tỉnh Lai Châu, ngày 05/03/2014"
    )
    assert docs["002_8b2520492b2011fc.txt"].startswith("Tin bài (Hà Tĩnh, 13/03/2023): “Phó Chủ tịch")
    assert not any(re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", label) for label in docs.values())
    data = ui.answer_json(ui.ask("Sở Kế hoạch và Đầu tư Lai Châu phải làm gì?"))
    assert data["citations"] and all(c["label"] == docs[c["source"]] for c in data["citations"])


MARKUP = re.compile(r"\([^()]*\([^()]*\)[^()]*\)|;\s*hạn:|\)\s*[-+•–]\s|^-\s*[-+•–]\s|[:;] [-+•] \w")


@pytest.mark.unit
def test_tidy_drops_a_quotes_own_list_markers_and_keeps_dashes_of_content():
    from assistant.answering.chain import tidy

    text = (
        "- Hồ sơ UBND xã trình UBND huyện gồm: - Tờ trình của UBND xã; - Biên bản họp [1]\n"
        "- (mục tiêu) - Có thêm 5 xã đạt chuẩn [2]\nGiai đoạn 2021 - 2025: giảm -3%; +2 xã"
    )
    assert tidy(text).splitlines() == [
        "- Hồ sơ UBND xã trình UBND huyện gồm: Tờ trình của UBND xã; Biên bản họp [1]",
        "- (mục tiêu) Có thêm 5 xã đạt chuẩn [2]",
        "Giai đoạn 2021 - 2025: giảm -3%; +2 xã",  # a range dash and signs are content
    ]
    assert not [line for line in tidy(text).splitlines() if MARKUP.search(line)]


@pytest.mark.e2e
def test_register_and_figure_answers_have_no_leftover_markup(ui):
    """Role, deadline and figure kind read as Vietnamese ("— chủ trì, hạn …", "(mục tiêu) Có …"),
    never as nested brackets or a quote's own list marker after the answer's bullet."""
    questions = [f"{a} phải làm gì?" for a in ui.agency_choices()[:8]]
    questions += ["Hà Tĩnh đặt mục tiêu bao nhiêu xã đạt chuẩn nông thôn mới?", "Các sở, ngành Lai Châu phải làm gì?"]
    lines = [line for q in questions for line in ui.ask(q).text.splitlines()]
    assert any("— " in line and ("chủ trì" in line or "phối hợp" in line) for line in lines)
    bad = [line for line in lines if MARKUP.search(line)]
    assert not bad, bad


@pytest.mark.e2e
def test_tasks_and_targets_tables_have_a_province_and_downloads_vietnamese(ui):
    from openpyxl import load_workbook

    from assistant.ui.tasks_tab import TARGET_HEADERS, TASK_HEADERS, TasksActions

    status, table, rows, csv_file, xlsx_file = TasksActions(ui).show("so tai chinh", "", "")
    assert "Tỉnh" in TASK_HEADERS and "Tỉnh" in TARGET_HEADERS
    provinces = {r[TASK_HEADERS.index("Tỉnh")] for r in table["data"]}
    assert provinces and "" not in provinces and provinces <= set(ui.filter_choices().provinces)
    csv_path, xlsx_path = Path(csv_file["value"]), Path(xlsx_file["value"])
    assert csv_path.name == f"Nhiệm-vụ_Sở-Tài-chính_{date.today().isoformat()}.csv"
    header = next(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"))))
    assert header[:5] == ["Cơ quan", "Vai trò", "Nhiệm vụ", "Thời hạn", "Tỉnh"] and "agency" not in header
    sheet = load_workbook(xlsx_path).active
    assert sheet.freeze_panes == "A2" and sheet.cell(1, 1).font.bold and sheet.max_row == len(rows) + 1
    targets = ui.targets("")
    assert targets and all(t["province"] for t in targets)


@pytest.mark.e2e
def test_documents_lists_are_read_from_the_index_when_shown(knowledge, make_index, make_ingester, seeds_dir, tmp_path):
    """A document another session (or the CLI) added after the app was built is listed on refresh;
    removal needs a confirmation that names the document."""
    from assistant.ui.docs_tab import DOC_KEYS, DocsActions
    from assistant.ui.services import UIServices

    index = make_index(tmp_path / "index")
    settings = Settings(index_dir=tmp_path / "index", admin_user="quantri", admin_password="mk")
    ui = UIServices(ChatService(index, settings, knowledge), settings)
    docs = DocsActions(ui)
    assert docs.refreshed()[0]["data"] == []
    folder = tmp_path / "later"
    folder.mkdir()
    shutil.copy(seeds_dir / "003_53ad26070fe62449.txt", folder)
    assert make_ingester(index).ingest_paths([folder]).added  # "another session"
    table, select, rm_select = docs.refreshed()
    assert [row[DOC_KEYS.index("source")] for row in table["data"]] == ["003_53ad26070fe62449.txt"]
    label = "Thông báo kết luận số 15/TB-UBND của UBND tỉnh Lai Châu, ngày 05/03/2014"
    assert (
        select["choices"]
        == rm_select["choices"]
        == [(f"{label} — 003_53ad26070fe62449.txt", "003_53ad26070fe62449.txt")]
    )
    status, row, pending = docs.ask_remove("003_53ad26070fe62449.txt", True)
    assert label in status and "Xác nhận xóa" in status and row["visible"] is True
    assert pending == "003_53ad26070fe62449.txt" and len(ui.documents()) == 1  # nothing removed yet
    assert "Đã hủy" in docs.cancel()[0] and len(ui.documents()) == 1
    assert "Cần đăng nhập" in docs.ask_remove(pending, False)[0]
    status, row, pending_after, table, *_ = docs.remove(pending, True)
    assert "Đã xóa" in status and row["visible"] is False and pending_after == "" and table["data"] == []


@pytest.mark.e2e
def test_console_says_there_is_no_share_link(knowledge, seed_index, capfd):
    from assistant.ui.app import serve
    from tests.support import free_port

    settings = Settings(index_dir=seed_index.index_dir, admin_user=None, admin_password=None)
    port = free_port()
    demo = serve(ChatService(seed_index, settings, knowledge), settings, "127.0.0.1", port, prevent_thread_lock=True)
    try:
        out = capfd.readouterr().out
    finally:
        demo.close()
    assert f"http://127.0.0.1:{port}/" in out and "không có liên kết công khai" in out
    assert "share=True" not in out and "public link" not in out


@pytest.mark.unit
def test_sample_notice_only_when_every_document_is_the_bundled_sample():
    import hashlib
    from types import SimpleNamespace

    from assistant.ui.app import SAMPLE_NOTICE, sample_notice_html
    from assistant.ui.services import UIServices

    sample = ROOT / "data" / "sample"

    def record(name: str, data: bytes) -> SimpleNamespace:
        return SimpleNamespace(source=name, content_hash=hashlib.sha256(data).hexdigest())

    files = sorted(p for p in sample.glob("*.txt"))
    docs = [record(p.name, p.read_bytes()) for p in files]

    def ui_over(records: list) -> UIServices:
        index = SimpleNamespace(documents=lambda: records)
        return UIServices(SimpleNamespace(index=index, register=None), Settings())

    assert ui_over(docs).sample_only() and SAMPLE_NOTICE in sample_notice_html(ui_over(docs))
    assert "giả định" in SAMPLE_NOTICE
    assert not ui_over([]).sample_only()
    assert not ui_over(docs + [record("003_53ad26070fe62449.txt", b"real")]).sample_only()
    edited = [record(files[0].name, b"edited")] + docs[1:]  # a sample name with other content is not the sample
    assert not ui_over(edited).sample_only() and sample_notice_html(ui_over(edited)) == ""
