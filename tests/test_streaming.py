"""answer_events: an LLM draft reaches the chat while it is written, then the final answer; an
error in the worker reaches the reader instead of a hang."""

from __future__ import annotations

import threading

import pytest

from assistant.ui.streaming import answer_events
from core.contracts import Answer

pytestmark = pytest.mark.unit


def test_drafts_then_the_answer() -> None:
    final = Answer("Câu trả lời [1].", [], False, 0.5, [])
    words = "Theo Kế hoạch số 40/KH-UBND: Sở Tài chính chủ trì cân đối vốn đối ứng [1].".split()
    release = threading.Event()

    def ask(question, history, filters, on_token):
        for i in range(1, len(words) + 1):
            on_token(" ".join(words[:i]))
            if i == 3:
                release.wait(5)  # the reader sees a draft before the model has finished
        return final

    events = answer_events(ask, "q", None, None, min_chars=1)
    kind, draft = next(events)
    assert kind == "draft" and draft.startswith("Theo")
    release.set()
    rest = list(events)
    assert rest[-1] == ("answer", final)
    drafts = [draft] + [v for k, v in rest if k == "draft"]
    assert all(b.startswith(a) for a, b in zip(drafts, drafts[1:], strict=False))


def test_without_tokens_the_answer_alone() -> None:
    final = Answer("x", [], True, 0.0, [])
    assert list(answer_events(lambda q, h, f, t: final, "q", None, None)) == [("answer", final)]


def test_an_error_in_the_worker_is_raised_to_the_reader() -> None:
    def ask(question, history, filters, on_token):
        on_token("Theo")
        raise RuntimeError("index closed")

    with pytest.raises(RuntimeError, match="index closed"):
        list(answer_events(ask, "q", None, None))
