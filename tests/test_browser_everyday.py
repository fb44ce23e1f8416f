"""Everyday use of the web app in headless Chromium: local fonts (no web font requested), lists
read from the index when shown, removal confirmed by name, Vietnamese refusal reasons, readable
source titles, who answered, and the province column / file names of the tasks tab.

Uses the app, index and browser fixtures of `tests/browser_fixtures.py` (3 seeds, admin login configured);
screenshots go to `artifacts/browser/`.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import SEEDS
from tests.browser_steps import ask, choose, log_in, open_tab, upload

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*"),
]

HASH_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")

# Tone marks drawn attached stay over their letter: in the element's own font, the ink of "ố"
# ends within its advance. A font lacking the precomposed letter gets "ô" + a combining acute,
# drawn beside it ("Sô´hiệu"): ink reaching ~1.6-1.8 advances (measured with DejaVu Sans Mono).
ATTACHED_JS = """(el) => {
  const style = getComputedStyle(el);
  const c = document.createElement('canvas').getContext('2d');
  c.font = `${style.fontWeight} 40px ${style.fontFamily}`;
  return ['ố', 'ồ', 'ẫ', 'ổ', 'ấ', 'ề', 'Ố'].map(t => { const m = c.measureText(t); return m.actualBoundingBoxRight / \
m.width; });
}"""
# Is a font installed? Text drawn in it is measured against the generic fallback alone.
FONT_INSTALLED_JS = """(font) => {
  const c = document.createElement('canvas').getContext('2d');
  const sample = 'Số hiệu UBND Quyết định ưu tiên ễ ỗ ữ';
  c.font = '20px monospace'; const mono = c.measureText(sample).width;
  c.font = `20px "${font}", monospace`; return c.measureText(sample).width !== mono;
}"""


def test_local_fonts_with_vietnamese_and_no_font_fetched(browser, app_url, request):
    from tests.browser_support import Shots

    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(app_url)
    page.locator("#question textarea").wait_for()
    open_tab(page, "Tài liệu")
    header = page.locator("#d-table thead th, #d-table [role=columnheader]").first
    expect(header).to_be_visible()
    expect(page.locator("#d-table")).to_contain_text("Số hiệu")
    page.wait_for_timeout(1000)  # fonts are requested while the page lays out (Gradio keeps a stream open)
    Shots(page, request.node.name)("documents-table")
    try:
        selectors = [
            ".gradio-container",
            "#d-table th, #d-table [role=columnheader]",
            "#d-table td, #d-table [role=gridcell]",
        ]
        families = [page.locator(s).first.evaluate("e => getComputedStyle(e).fontFamily") for s in selectors]
        ratios = [page.locator(s).first.evaluate(ATTACHED_JS) for s in selectors]
        installed = {
            f: page.evaluate(FONT_INSTALLED_JS, f) for f in ("Noto Sans", "Noto Sans Mono", "DejaVu Sans Mono")
        }
        faces = page.evaluate("() => Array.from(document.fonts).map(f => f.family + ' ' + f.status)")
    finally:
        context.close()
    assert installed["Noto Sans"], "Noto Sans is not installed here: run `make browser` (fonts-noto-core)"
    for family in families:  # the first installed font of each stack is a Noto Sans
        first = next(f.strip().strip('"') for f in family.split(",") if installed.get(f.strip().strip('"'), True))
        assert first in ("Noto Sans", "Noto Sans Mono"), families
    assert all(r < 1.25 for rs in ratios for r in rs), ratios  # every tone mark attached
    app_host = urlparse(app_url).netloc
    foreign = [u for u in requested if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != app_host]
    assert not foreign, foreign  # no Google Fonts, no CDN: nothing leaves the machine
    assert not [u for u in requested if re.search(r"\.(woff2?|ttf|otf)(\?|$)", u)], "a web font was requested"
    assert not [f for f in faces if "loaded" in f], faces  # every glyph comes from a system font


def test_documents_added_elsewhere_are_listed_and_removal_is_confirmed(
    knowledge, page, shot, small_index, seeds_dir, tmp_path, browser, app_url, make_ingester
):
    source = "000_ba98eac4c7362506.txt"
    assert source not in SEEDS
    log_in(page, shot)
    expect(page.locator("#d-table")).not_to_contain_text(source)
    folder = tmp_path / "cli"
    folder.mkdir()
    shutil.copy(seeds_dir / source, folder / source)
    expect(page.locator("#examples")).not_to_contain_text("Hà Giang")
    make_ingester(small_index).ingest_paths([folder])  # the CLI / another session adds it (Hà Giang)
    try:
        fresh = browser.new_context(locale="vi-VN").new_page()
        fresh.goto(app_url)  # a page opened now suggests questions about the new province too
        expect(fresh.locator("#examples")).to_contain_text("Tỉnh Hà Giang có bao nhiêu xã")
        fresh.context.close()
        open_tab(page, "Hỏi đáp")
        open_tab(page, "Tài liệu")  # selecting the tab reads the index again
        expect(page.locator("#d-table")).to_contain_text(source)
        page.locator("#rm-select input").click()
        expect(page.get_by_role("option", name=re.compile(re.escape(source)))).to_be_visible()
        page.get_by_role("option", name=re.compile(re.escape(source))).click()
        shot("listed")
        page.locator("#rm-btn").click()
        status = page.locator("#rm-status")
        expect(status).to_contain_text("Xác nhận xóa")
        expect(status).to_contain_text(source)
        label = next(d["label"] for d in _documents(knowledge, small_index) if d["source"] == source)
        expect(status).to_contain_text(label)
        expect(page.locator("#rm-confirm-btn")).to_be_visible()
        shot("asks-confirmation")
        page.locator("#rm-cancel-btn").click()
        expect(status).to_contain_text("Đã hủy")
        expect(page.locator("#rm-confirm-btn")).to_be_hidden()
        assert small_index.find_document(source) is not None
        page.locator("#rm-btn").click()
        page.locator("#rm-confirm-btn").click()
        expect(status).to_contain_text(f"Đã xóa {source}")
        expect(page.locator("#d-table")).not_to_contain_text(source)
        shot("removed")
        assert small_index.find_document(source) is None
    finally:
        small_index.remove(source)


def test_a_new_session_lists_documents_uploaded_in_an_earlier_one(browser, app_url, page, shot, shared):
    from tests.browser_support import Shots

    log_in(page, shot)
    good = shared / "corpus" / "formats" / "001_bac-kan_tcvn3-abc.txt"
    upload(page, [good])
    context = browser.new_context(locale="vi-VN", viewport={"width": 1400, "height": 1000})
    later = context.new_page()
    try:
        later.goto(app_url)
        later.locator("#question textarea").wait_for()
        open_tab(later, "Tài liệu")
        expect(later.locator("#d-table")).to_contain_text(good.name)
        choose(later, "d-select", good.name, exact=False)
        expect(later.locator("#d-view .doc-text")).to_be_visible()
        Shots(later, "test_a_new_session_lists_documents_uploaded_in_an_earlier_one-later")("later-session")
    finally:
        context.close()


def test_refusal_reason_is_vietnamese_with_the_detail_folded(page, shot, shared):
    log_in(page, shot)
    bad = shared / "corpus" / "bad"
    files = sorted(p for p in bad.iterdir() if p.suffix in (".pdf", ".docx") and p.stat().st_size < 2_000_000)[:4]
    upload(page, files)
    rows = page.locator("#ingest-log li.st-refused")
    expect(rows.first).to_be_visible()
    shot("refused")
    for i in range(rows.count()):
        row = rows.nth(i)
        reason = row.locator(".reason").inner_text()
        assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", reason, re.I), reason
        detail = row.locator("details code")
        assert detail.count() == 1 and not detail.is_visible()
    rows.first.locator("details summary").click()
    expect(rows.first.locator("details code")).to_be_visible()
    shot("detail-opened")


def test_sources_show_readable_titles_and_who_answered(page, shot):
    ask(page, "Hà Tĩnh đề nghị các sở, ngành hoàn thành kế hoạch triển khai Đề án tỉnh nông thôn mới khi nào?")
    titles = page.locator("#sources .src-title").all_inner_texts()
    files = page.locator("#sources .src-file").all_inner_texts()
    assert titles and files
    assert not [t for t in titles if HASH_NAME.match(t.strip())], titles
    assert any(HASH_NAME.match(f.strip()) for f in files)  # the file name is kept as a detail
    expect(page.locator("#chatbot .gen-label").last).to_be_visible()
    shot("readable-sources")


def test_tasks_table_has_a_province_and_downloads_are_named(page, shot):
    open_tab(page, "Nhiệm vụ")
    agency = page.locator("#t-agency input")
    agency.fill("so tai chinh")
    agency.press("Enter")
    page.locator("#t-show").click()
    expect(page.locator("#t-status")).to_contain_text("Sở Tài chính")
    expect(page.locator("#t-table")).to_contain_text("Tỉnh")
    expect(page.locator("#t-table")).to_contain_text("Lai Châu")
    expect(page.locator("#g-table")).to_contain_text("Tỉnh")
    shot("tasks-with-province")
    with page.expect_download() as info:
        page.locator("#t-xlsx").click()
    assert info.value.suggested_filename == f"Nhiệm-vụ_Sở-Tài-chính_{date.today().isoformat()}.xlsx"


def test_no_sample_notice_over_real_documents(page):
    expect(page.locator("#sample-notice")).not_to_contain_text("tài liệu mẫu")


def _documents(knowledge, index) -> list[dict]:
    from assistant.service import ChatService
    from assistant.settings import Settings
    from assistant.ui.services import UIServices

    settings = Settings(index_dir=index.index_dir)
    return UIServices(ChatService(index, settings, knowledge), settings).documents()
