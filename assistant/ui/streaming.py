"""An answer as a stream of events for the chat tab: the LLM's draft token by token while it is
written, then the final (checked) answer. Without an LLM the only event is the answer.

The question runs on a worker thread and its draft comes back through a queue, so a Gradio
generator can yield each draft as it arrives; the worker always ends with the answer (or the
error it raised), so the stream never hangs — the LLM's own total timeout bounds the wait.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from core.contracts import Answer, Filters

AskWithTokens = Callable[[str, list[Any] | None, Filters | None, Callable[[str], None]], Answer]
Event = tuple[str, Any]  # ("draft", text so far) | ("answer", Answer)


def answer_events(
    ask: AskWithTokens, question: str, history: list[Any] | None, filters: Filters | None, min_chars: int = 12
) -> Iterator[Event]:
    """Yield ("draft", text) while the model writes (at most one per `min_chars` new characters,
    the newest only), then ("answer", Answer); an exception in `ask` is re-raised here."""
    events: queue.Queue[Event] = queue.Queue()

    def on_token(draft: str) -> None:
        events.put(("draft", draft))

    def work() -> None:
        try:
            events.put(("answer", ask(question, history, filters, on_token)))
        except BaseException as exc:  # noqa: BLE001 - handed to the reading side
            events.put(("error", exc))

    threading.Thread(target=work, name="ntm-ask", daemon=True).start()
    shown = 0
    while True:
        kind, value = events.get()
        if kind == "draft":
            while not events.empty():  # skip to the newest draft, or to the answer
                kind, value = events.get()
                if kind != "draft":
                    break
        if kind == "draft":
            if len(value) - shown >= min_chars:
                shown = len(value)
                yield kind, value
            continue
        if kind == "error":
            raise value
        yield kind, value
        return
