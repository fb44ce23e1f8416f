"""Concurrent users of the HTTP API: N `/ask` calls at once, against the real app on 127.0.0.1, all
succeed with complete answers, the same ones a lone user gets (speed is measured in bench/load.py)."""

from __future__ import annotations

import re
import threading

import pytest

from tests.support import free_port

pytestmark = pytest.mark.e2e

QUESTIONS = [
    "Bắc Kạn huy động được bao nhiêu vốn cho NTM?",
    "Sở Tài chính Lai Châu phải làm gì?",
    "Hà Tĩnh có bao nhiêu sản phẩm OCOP?",
    "so ke hoach va dau tu phai lam gi",
]
KEYS = {"answer", "abstained", "confidence", "citations", "retrieved", "generator", "fallback_reason"}


@pytest.fixture(scope="module")
def app_url(seed_index):
    from assistant.service import build_service
    from assistant.settings import Settings
    from assistant.ui.app import serve

    service = build_service(Settings(index_dir=seed_index.index_dir), seed_index)
    port = free_port()
    demo = serve(service, service.settings, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def _complete(payload: dict) -> bool:
    cited = {c["n"]: c for c in payload["citations"]}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", payload["answer"])}
    return (
        KEYS <= set(payload)
        and bool(payload["answer"].strip())
        and all(n in cited and cited[n]["quote"].strip() for n in markers)
    )


def test_concurrent_asks_all_succeed_with_complete_answers(app_url) -> None:
    from gradio_client import Client

    alone = {q: Client(app_url, verbose=False).predict(q, "", "", api_name="/ask") for q in QUESTIONS}
    users = 12
    clients = [Client(app_url, verbose=False) for _ in range(users)]
    got: list[tuple[str, dict | BaseException]] = []
    start = threading.Barrier(users)

    def user(u: int) -> None:
        start.wait()  # all at once
        for q in (QUESTIONS[u % len(QUESTIONS)], QUESTIONS[(u + 1) % len(QUESTIONS)]):
            try:
                got.append((q, clients[u].predict(q, "", "", api_name="/ask")))
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                got.append((q, exc))

    threads = [threading.Thread(target=user, args=(u,)) for u in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert len(got) == 2 * users
    errors = [r for _, r in got if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    assert all(_complete(r) for _, r in got)
    assert all(r["answer"] == alone[q]["answer"] and r["citations"] == alone[q]["citations"] for q, r in got)


def test_empty_question_is_refused_in_vietnamese(app_url) -> None:
    from gradio_client import Client

    with pytest.raises(Exception, match="Câu hỏi trống"):
        Client(app_url, verbose=False).predict("   ", "", "", api_name="/ask")
