"""The web app in a real headless Chromium (Debian's `chromium` driven by Playwright).

The app is served on a free loopback port over a small index of its own (3 seeds: Hà Tĩnh,
Lai Châu, Thái Nguyên) with admin credentials configured (`tests/browser_fixtures.py`). Each test
opens a fresh page (a new Gradio session), fails if any JavaScript dialog (alert/confirm/prompt)
opens, and saves a screenshot of each step to `artifacts/browser/<test>-<NN>-<step>.png`.

Without /usr/bin/chromium the tests fail and say to run `make browser`.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import ADMIN_USER
from tests.browser_steps import ask, choose, log_in, open_tab, upload
from tests.browser_support import squash

pytestmark = [
    pytest.mark.e2e,
    # gradio's queue calls pandas options that pandas 3 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
]

KIT_XSS = "prompt-injection_script_onerror.html"
QUESTION = "Sở Kế hoạch và Đầu tư Lai Châu phải làm gì?"
INGESTED = re.compile("thêm mới|cập nhật|không đổi|bản trùng")  # bản trùng: kept as an alternate copy


def scripts_with_alert(page) -> int:
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('script')).filter(s => /alert/.test(s.textContent)).length"
    )


# --- tests --------------------------------------------------------------------------------------
def test_question_shows_a_cited_answer(page, shot):
    shot("start")
    ask(page, QUESTION)
    chat = page.locator("#chatbot")
    expect(chat).to_contain_text("cơ chế quản lý đầu tư")
    expect(chat.locator("a.cite").first).to_be_visible()
    cards = page.locator("#sources .src-card")
    expect(cards.first).to_contain_text("Lai Châu")
    # only cited sources are listed: one card per distinct [n] in the answer
    shown = {t.strip("[]") for t in chat.locator("a.cite").all_inner_texts()}
    assert cards.count() == len(shown) >= 1
    expect(page.locator("#export-md")).to_be_enabled()
    shot("answer")


def test_clicking_a_citation_highlights_the_quoted_span(page, shot, small_index):
    ask(page, QUESTION)
    shot("answer")
    # the citation of the sentence about "cơ chế quản lý đầu tư": its number from the sources panel
    card = page.locator("#sources .src-card", has_text="cơ chế quản lý đầu tư").first
    n = card.locator("a.cite").get_attribute("data-n")
    page.locator(f'#chatbot a.cite[href="#cite-{n}"]').first.click()
    mark = page.locator("#source-view mark.hl")
    expect(mark).to_be_visible()
    expect(page.locator("#source-view .sv-head")).to_contain_text(f"[{n}]")
    shot("citation-open")
    highlighted = squash(mark.inner_text())
    assert "cơ chế quản lý đầu tư" in highlighted
    assert squash(card.locator(".src-quote").inner_text()) in highlighted  # the quote, in its paragraph
    source = page.locator("#source-view .src-file").inner_text().strip()
    record = small_index.find_document(source)
    assert record is not None, source
    assert highlighted in squash(small_index.document_text(record.doc_id))
    # the sources panel links open the same viewer
    page.locator("#sources a.cite").last.click()
    expect(mark).to_be_visible()
    n = page.locator("#sources a.cite").last.get_attribute("data-n")
    expect(page.locator("#source-view .sv-head")).to_contain_text(f"[{n}]")
    shot("citation-from-sources")


def test_province_filter_shows_a_chip_and_restricts_the_answer(page, shot):
    choose(page, "f-province", "Thái Nguyên")
    expect(page.locator("#filter-chips")).to_contain_text("Thái Nguyên")
    shot("filter-chosen")
    ask(page, "Có bao nhiêu xã đạt chuẩn nông thôn mới?")
    expect(page.locator("#chatbot")).to_contain_text("88 xã")
    metas = page.locator("#sources .src-card .src-meta").all_inner_texts()
    assert metas and all("Tỉnh: Thái Nguyên" in m for m in metas), metas
    shot("answer")


def test_tasks_tab_finds_an_agency_typed_without_accents_and_downloads(page, shot, tmp_path):
    open_tab(page, "Nhiệm vụ")
    agency = page.locator("#t-agency input")
    agency.fill("so tai chinh")
    agency.press("Enter")
    page.locator("#t-show").click()
    expect(page.locator("#t-status")).to_contain_text("Sở Tài chính")
    expect(page.locator("#t-table [role=gridcell]").first).to_be_visible()
    shot("table")
    expect(page.locator("#t-csv")).to_be_enabled()

    with page.expect_download() as info:
        page.locator("#t-csv").click()
    csv_path = tmp_path / "tasks.csv"
    info.value.save_as(csv_path)
    rows = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"))))
    assert rows[0][:5] == ["Cơ quan", "Vai trò", "Nhiệm vụ", "Thời hạn", "Tỉnh"] and len(rows) >= 2
    # its own rows, then the tasks it inherited from Sở KH&ĐT (2025 merger), each marked so
    assert rows[1][0] == "Sở Tài chính"
    assert all(r[0] == "Sở Tài chính" or "kế thừa từ" in r[1] for r in rows[1:]), rows[1:]

    with page.expect_download() as info:
        page.locator("#t-xlsx").click()
    xlsx_path = tmp_path / "tasks.xlsx"
    info.value.save_as(xlsx_path)
    assert xlsx_path.read_bytes()[:2] == b"PK"
    shot("downloaded")


def test_documents_tab_upload_needs_login_and_reports_each_file(page, shot, shared):
    open_tab(page, "Tài liệu")
    expect(page.locator("#d-table")).to_contain_text("Thái Nguyên")
    expect(page.locator("#login-status")).to_contain_text("Chưa đăng nhập")
    expect(page.locator("#ingest-btn")).to_be_disabled()
    assert page.locator("#upload input[type=file]").count() == 0  # no file picker before login
    shot("logged-out")
    page.locator("#login-user :is(input,textarea)").fill(ADMIN_USER)
    page.locator("#login-pass :is(input,textarea)").fill("sai-mật-khẩu")
    page.locator("#login-btn").click()
    expect(page.locator("#login-status")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")
    expect(page.locator("#ingest-btn")).to_be_disabled()
    shot("wrong-password")

    log_in(page, shot)
    expect(page.locator("#ingest-btn")).to_be_enabled()
    good = shared / "corpus" / "formats" / "004_thai-nguyen_cp1258.txt"
    bad = shared / "corpus" / "bad" / "random-bytes.pdf"
    upload(page, [good, bad])
    log = page.locator("#ingest-log")
    good_row, bad_row = log.locator("li", has_text=good.name), log.locator("li", has_text=bad.name)
    expect(good_row).to_contain_text(INGESTED)
    expect(bad_row).to_contain_text("từ chối")
    expect(bad_row).to_contain_text("không phải là PDF")  # Vietnamese; the loader's words folded away
    expect(bad_row.locator("details code")).to_contain_text("not a PDF")
    expect(page.locator("#d-table")).to_contain_text(good.name)
    shot("ingested")


def test_xss_kit_file_is_shown_as_text_and_never_runs(page, shot, dialogs, shared):
    log_in(page, shot)
    upload(page, [shared / "corpus" / "bad" / KIT_XSS])
    # the page is seed 004 with an editorial note and injections: recorded as its alternate copy
    expect(page.locator("#ingest-log li", has_text=KIT_XSS)).to_contain_text("bản trùng")
    expect(page.locator("#d-table")).to_contain_text(KIT_XSS)  # in the "Bản khác" column
    shot("ingested")
    # removing seed 004 (confirmed) promotes its richest copy in its place: the page
    page.locator("#rm-select input").click()
    page.get_by_role("option", name="004_2cf336e0c0e404f5.txt", exact=False).first.click()
    page.locator("#rm-btn").click()
    page.locator("#rm-confirm-btn").click()
    expect(page.locator("#rm-status")).to_contain_text("Đã xóa")

    choose(page, "d-select", KIT_XSS, exact=False)
    view = page.locator("#d-view .doc-text")
    # the page's escaped editorial note `&lt;script&gt;alert(2)…` is document text: shown literally
    expect(view).to_contain_text("Ghi chú biên tập: đoạn mã <script>alert(2)</script> là văn bản thuần")
    # the live <script>/<img onerror> of the page are dropped by the loader, their sentence kept
    expect(view).to_contain_text("Cập nhật số liệu mới nhất")
    assert scripts_with_alert(page) == 0
    shot("document-text")

    open_tab(page, "Hỏi đáp")
    ask(page, "Ghi chú biên tập về đoạn mã script của Thái Nguyên năm 2019 nói gì?")
    literal = "<script>alert(2)</script>"  # shown as text everywhere document text appears
    expect(page.locator("#chatbot")).to_contain_text(literal)
    expect(page.locator("#sources .src-card", has_text=KIT_XSS).first).to_contain_text(literal)
    page.locator("#chatbot a.cite").first.click()
    expect(page.locator("#source-view mark.hl")).to_contain_text(literal)
    shot("answer-and-source")

    page.wait_for_timeout(500)  # let any (unexpected) handler fire before checking
    assert dialogs == []
    assert scripts_with_alert(page) == 0
    hostile = page.evaluate("""() => document.querySelectorAll(
        'img[onerror], svg[onload], [onerror*="alert"], [onload*="alert"], a[href^="javascript:"]').length""")
    assert hostile == 0
