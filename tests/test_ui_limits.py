"""The web app's limits and LLM path as the tabs meet them: failed logins lock a client out (others
not), an upload over its file count or total size is refused whole in Vietnamese, and the chat
streams an LLM's draft (from a real OpenAI-compatible server on 127.0.0.1) before its checked answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.service import ChatService, build_service
from assistant.settings import Settings
from tests.llm_server import openai_compatible_server

pytestmark = pytest.mark.e2e


def _request(host: str) -> SimpleNamespace:
    return SimpleNamespace(client=SimpleNamespace(host=host))


@pytest.fixture
def docs(knowledge, seed_index):
    from assistant.ui.docs_tab import DocsActions
    from assistant.ui.services import UIServices

    settings = Settings(
        index_dir=seed_index.index_dir,
        admin_user="quantri",
        admin_password="đúng-mật-khẩu",
        login_max_failures=3,
        login_window_s=600,
        max_upload_files=2,
        max_upload_mb=1,
    )
    return DocsActions(UIServices(ChatService(seed_index, settings, knowledge), settings))


def test_failed_logins_lock_the_client_out(docs) -> None:
    attacker, admin = _request("10.0.0.9"), _request("127.0.0.1")
    for _ in range(3):
        ok, status, *_ = docs.login("quantri", "đoán-bừa", attacker)
        assert ok is False and "Sai tên đăng nhập" in status
    ok, status, *_ = docs.login("quantri", "đúng-mật-khẩu", attacker)  # even the right password now
    assert ok is False and "thử lại sau" in status
    ok, status, *_ = docs.login("quantri", "đúng-mật-khẩu", admin)
    assert ok is True and "Đã đăng nhập" in status


def test_upload_over_the_limits_is_refused_whole(docs, tmp_path: Path) -> None:
    files = []
    for i in range(3):
        path = tmp_path / f"van-ban-{i}.txt"
        path.write_text("Kế hoạch xây dựng nông thôn mới năm 2024.\n" * 10, "utf-8")
        files.append(str(path))
    before = len(docs.ui.documents())
    steps = list(docs.ingest(files, True))
    assert len(steps) == 1 and "tối đa 2 tệp" in steps[0][0]
    big = tmp_path / "lon.txt"
    big.write_bytes(b"a" * (700 * 1024))
    steps = list(docs.ingest([str(big), str(big)], True))
    assert len(steps) == 1 and "tối đa 1 MB" in steps[0][0]
    assert len(docs.ui.documents()) == before  # nothing was ingested


@pytest.mark.skipif(importlib.util.find_spec("langchain_openai") is None, reason='needs pip install -e ".[llm]"')
def test_chat_streams_the_llm_draft_then_the_labelled_answer(seed_index) -> None:
    from assistant.ui.chat_tab import ChatActions
    from assistant.ui.services import UIServices

    with openai_compatible_server("slow", delay_s=0.05) as server:  # a token every 50 ms, as a real model writes
        settings = Settings(index_dir=seed_index.index_dir, llm="openai:test-model", llm_base_url=server.url)
        ui = UIServices(build_service(settings, seed_index), settings)
        shown, last = [], None
        for step in ChatActions(ui).respond("Bắc Kạn huy động được bao nhiêu vốn cho NTM?", [], [], "", "", "", "", ""):
            shown.append(step[0][-1]["content"])  # the chat as it was at this yield (the list is reused)
            last = step
    drafts = [html for html in shown[1:-1] if "typing" in html]
    assert any("Theo các văn bản:" in d for d in drafts)  # the model's words appear before it has finished
    assert "Mô hình ngôn ngữ openai:test-model (đã kiểm tra trích dẫn)" in shown[-1]
    assert last[4]["generator"] == "openai:test-model"
