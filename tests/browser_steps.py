"""Steps of the browser tests: ask a question, open a tab, pick an option, log in, upload files
(each waits until the page shows its result)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser_fixtures import ADMIN_PASSWORD, ADMIN_USER
from tests.browser_support import Shots


def ask(page, question: str) -> None:
    """Type a question, send it, and wait until the answer is complete (its sources are listed)."""
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    expect(page.locator("#chatbot")).to_contain_text(question)
    # the panel is replaced only by the last streamed update; an abstention lists no card
    expect(page.locator("#sources .src-card, #sources .sources.empty:not(:has-text('sẽ hiện'))").first).to_be_visible()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def choose(page, dropdown_id: str, option: str, exact: bool = True) -> None:
    """Pick an option by its shown name (exact=False: the name contains `option`, e.g. a file name
    shown after the document's readable title)."""
    page.locator(f"#{dropdown_id} input").click()
    page.get_by_role("option", name=option, exact=exact).first.click()


def log_in(page, shot: Shots, password: str = ADMIN_PASSWORD) -> None:
    open_tab(page, "Tài liệu")
    page.locator("#login-user :is(input,textarea)").fill(ADMIN_USER)
    page.locator("#login-pass :is(input,textarea)").fill(password)
    page.locator("#login-btn").click()
    expect(page.locator("#login-status")).to_contain_text("Đã đăng nhập quản trị")
    shot("logged-in")


def upload(page, paths: list[Path]) -> None:
    """Upload files into #upload, wait until all are listed, then ingest them."""
    page.set_input_files("#upload input[type=file]", [str(p) for p in paths])
    for p in paths:  # uploaded to the server: one row per file (the name shows as stem + suffix)
        expect(page.locator("#upload").get_by_role("row", name=re.compile(re.escape(p.name)))).to_be_visible()
    page.locator("#ingest-btn").click()
    expect(page.locator("#ingest-log")).to_contain_text(f"{len(paths)}/{len(paths)} tệp")
