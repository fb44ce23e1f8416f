"""Fixtures of the browser tests (registered by `tests/conftest.py`): the app served on a free loopback
port over a small index of its own (3 seeds: Hà Tĩnh, Lai Châu, Thái Nguyên) with admin credentials
configured, Debian's Chromium driven by Playwright, and a fresh page per test.

The app, its index and the browser are module-scoped: each browser test module gets its own. A page
fails its test if any JavaScript dialog (alert/confirm/prompt) opened or any uncaught error was thrown.
Playwright and the app are imported only when a browser test asks for them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser_support import CHROMIUM_ARGS, Shots, require_chromium
from tests.support import free_port

SEEDS = ("002_8b2520492b2011fc.txt", "003_53ad26070fe62449.txt", "004_2cf336e0c0e404f5.txt")
ADMIN_USER, ADMIN_PASSWORD = "quantri", "mật-khẩu-trình-duyệt"
TIMEOUT_MS = 20_000  # one answer takes ~0.5 s; uploads a few seconds on 2 cores


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    return require_chromium()  # first: no index is built when the browser is missing


@pytest.fixture(scope="module")
def small_index(chromium_path, tmp_path_factory, seeds_dir: Path, build_index):
    folder = tmp_path_factory.mktemp("browser-seeds")
    for name in SEEDS:
        shutil.copy(seeds_dir / name, folder / name)
    return build_index(tmp_path_factory.mktemp("browser-index"), [folder])


@pytest.fixture(scope="module")
def app_url(knowledge, small_index):
    from assistant.service import ChatService
    from assistant.settings import Settings
    from assistant.ui.app import serve

    settings = Settings(index_dir=small_index.index_dir, admin_user=ADMIN_USER, admin_password=ADMIN_PASSWORD)
    port = free_port()
    demo = serve(
        ChatService(small_index, settings, knowledge), settings, "127.0.0.1", port, prevent_thread_lock=True, quiet=True
    )
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of every JavaScript dialog the page opened (each one is dismissed)."""
    return []


@pytest.fixture
def page(browser, app_url, dialogs):
    context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(app_url)
    page.locator("#question textarea").wait_for()
    yield page
    context.close()
    assert not dialogs, f"a JavaScript dialog opened: {dialogs}"
    assert not errors, f"uncaught JavaScript errors in the page: {errors}"


@pytest.fixture
def shot(page, request) -> Shots:
    return Shots(page, request.node.name)
