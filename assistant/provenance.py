"""Who answered, in one short Vietnamese label: the same words for the CLI and the web app.

Reads the `generator` and `fallback_reason` fields of the answer JSON (`ntm ask --json`, `/ask`),
so a user sees whether a quote, the task register or a language model wrote the answer, and why
a language model's answer was not used.
"""

from __future__ import annotations

from typing import Any

_STRATEGY = {
    "extractive": "Trích nguyên văn từ văn bản",
    "list": "Trích danh sách từ văn bản",
    "register": "Từ sổ nhiệm vụ (trích từ văn bản)",
    "metadata": "Từ thông tin của văn bản",
}


def _strategy_label(generator: str) -> str:
    parts = [p for p in (generator or "extractive").split("+") if p]
    if len(parts) == 1 and parts[0] not in _STRATEGY and ":" in parts[0]:
        return f"Mô hình ngôn ngữ {parts[0]} (đã kiểm tra trích dẫn)"
    labels = list(dict.fromkeys(_STRATEGY.get(p, p) for p in parts))
    return " + ".join(labels) or _STRATEGY["extractive"]


def fallback_notice(reason: str | None) -> str:
    """One line on why the LLM's answer was replaced by the extractive one ('' when it was not)."""
    if not reason:
        return ""
    if reason.startswith("llm timeout"):
        return "Mô hình ngôn ngữ không trả lời kịp; đây là câu trả lời trích nguyên văn."
    if reason.startswith("llm error"):
        return "Mô hình ngôn ngữ gặp lỗi; đây là câu trả lời trích nguyên văn."
    return "Câu trả lời của mô hình ngôn ngữ không khớp văn bản nguồn nên không được dùng."


def answer_label(answer: dict[str, Any]) -> str:
    """ "Trích nguyên văn từ văn bản", "Mô hình ngôn ngữ openai:qwen (đã kiểm tra trích dẫn)",
    or the strategy plus the fallback notice when a language model's answer was rejected."""
    label = _strategy_label(str(answer.get("generator") or "extractive"))
    notice = fallback_notice(answer.get("fallback_reason"))
    return f"{label} · {notice}" if notice else label
