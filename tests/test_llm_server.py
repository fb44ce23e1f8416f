"""The LLM path against a real OpenAI-compatible server on 127.0.0.1 (tests/llm_server.py, no model):
a grounded streamed answer is kept and says who wrote it; a slow server or an HTTP 500 gives the
extractive answer with a one-line notice instead of a hang; `eval run --llm` records the backend."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from assistant.provenance import answer_label
from assistant.service import build_service
from assistant.settings import Settings
from tests.llm_server import openai_compatible_server

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(importlib.util.find_spec("langchain_openai") is None, reason='needs pip install -e ".[llm]"'),
]

QUESTION = "Bắc Kạn huy động được bao nhiêu vốn cho NTM?"
MODEL = "openai:test-model"


def _service(seed_index, url: str, timeout_s: float = 5.0):
    settings = Settings(index_dir=seed_index.index_dir, llm=MODEL, llm_base_url=url, llm_timeout_s=timeout_s)
    return build_service(settings, seed_index)


def test_grounded_answer_streams_and_names_the_backend(seed_index) -> None:
    drafts: list[str] = []
    with openai_compatible_server("ok") as server:
        answer = _service(seed_index, server.url).ask(QUESTION, on_token=drafts.append)
    assert server.requests and server.requests[0]["stream"] is True
    assert server.requests[0]["model"] == "test-model"
    payload = answer.as_json()
    assert payload["generator"] == MODEL and payload["fallback_reason"] is None
    assert not payload["abstained"] and payload["citations"]
    assert len(drafts) > 3 and all(b.startswith(a) for a, b in zip(drafts, drafts[1:], strict=False))  # token by token
    assert payload["answer"].startswith("Theo các văn bản:") and "[1]" in payload["answer"]
    assert answer_label(payload) == f"Mô hình ngôn ngữ {MODEL} (đã kiểm tra trích dẫn)"


def _extractive(seed_index):
    return build_service(Settings(index_dir=seed_index.index_dir), seed_index).ask(QUESTION)


def test_slow_server_falls_back_to_the_extractive_answer(seed_index) -> None:
    with openai_compatible_server("slow", delay_s=0.6) as server:
        answer = _service(seed_index, server.url, timeout_s=1.5).ask(QUESTION)
    expected = _extractive(seed_index)
    payload = answer.as_json()
    assert payload["generator"] == expected.generator and payload["answer"] == expected.text
    assert payload["fallback_reason"].startswith("llm timeout")
    assert answer_label(payload).endswith("Mô hình ngôn ngữ không trả lời kịp; đây là câu trả lời trích nguyên văn.")


def test_server_error_falls_back_to_the_extractive_answer(seed_index) -> None:
    with openai_compatible_server("error") as server:
        answer = _service(seed_index, server.url).ask(QUESTION)
    assert len(server.requests) == 1  # no retries: the user is not kept waiting
    payload = answer.as_json()
    assert payload["answer"] == _extractive(seed_index).text
    assert payload["fallback_reason"].startswith("llm error") and "500" in payload["fallback_reason"]
    assert "gặp lỗi" in answer_label(payload)


def test_eval_run_records_the_llm_backend(seed_index, tmp_path, monkeypatch, seeds_dir: Path) -> None:
    from eval.__main__ import main

    qa = tmp_path / "qa.jsonl"
    seed = next(
        json.loads(line)
        for line in (seeds_dir.parent.parent / "eval" / "seed_qa.jsonl").open(encoding="utf-8")
        if "4.051" in line
    )
    qa.write_text(json.dumps(seed, ensure_ascii=False) + "\n", "utf-8")
    with openai_compatible_server("ok") as server:
        monkeypatch.setenv("NTM_LLM_BASE_URL", server.url)
        code = main(
            [
                "run",
                "--corpus",
                str(seeds_dir),
                "--qa",
                str(qa),
                "--out",
                str(tmp_path / "out"),
                "--index",
                str(seed_index.index_dir),
                "--llm",
                MODEL,
                "--quiet",
            ]
        )
    assert code == 0
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text("utf-8"))
    assert metrics["config"]["llm"] == MODEL
    answers = [json.loads(line) for line in (tmp_path / "out" / "answers.jsonl").read_text("utf-8").splitlines()]
    assert answers[0]["generator"] == MODEL
