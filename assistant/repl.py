"""Interactive terminal chat over the index (what `make run` starts until the web app lands)."""
from __future__ import annotations

import sys

from assistant.service import ChatService

HELP = "Gõ câu hỏi rồi Enter. Lệnh: /moi (cuộc trò chuyện mới), /thoat (thoát)."


def chat_loop(service: ChatService, read=input, write=print) -> None:  # type: ignore[no-untyped-def]
    """Read questions until /thoat or end of input; follow-ups use the conversation so far."""
    history: list[dict[str, str]] = []
    write(HELP)
    while True:
        try:
            question = read("\nHỏi> ").strip()
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if not question:
            continue
        if question in ("/thoat", "/quit", "/q"):
            return
        if question in ("/moi", "/new"):
            history.clear()
            write("Đã bắt đầu cuộc trò chuyện mới.")
            continue
        answer = service.ask(question, history)
        write(answer.text)
        for c in answer.citations:
            where = " · ".join(x for x in (c.number, c.province, c.issued) if x)
            write(f"  [{c.n}] {c.source}" + (f" ({where})" if where else ""))
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def main() -> None:
    from assistant.service import build_service

    service = build_service()
    if not service.index.documents():
        sys.stderr.write("Chỉ mục trống: hãy chạy `ntm ingest THƯ_MỤC` trước.\n")
    chat_loop(service)
