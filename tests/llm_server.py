"""A real OpenAI-compatible chat server on 127.0.0.1 for tests (stdlib only, no model): it answers
`POST /v1/chat/completions` (streamed as server-sent events or not) by quoting the first sentence of
excerpt 1 of the prompt with a [1] marker — a grounded answer — or, by mode, trickles tokens too
slowly, or returns HTTP 500. What the LLM path does with each is then tested end to end.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_EXCERPT = re.compile(r'<trich_doan so="1">\n(?:Nguồn:[^\n]*\n)?(?:Mục:[^\n]*\n)?(.*?)</trich_doan>', re.S)


def grounded_reply(prompt: str) -> str:
    """ "Theo các văn bản:" then excerpt 1's first sentence cited [1]."""
    m = _EXCERPT.search(prompt)
    body = " ".join((m.group(1) if m else "").split())
    sentence = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0].rstrip(" .;:")
    return f"Theo các văn bản:\n- {sentence} [1]."


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append(body)
        mode = self.server.mode
        if mode == "error":
            self._send(500, {"error": {"message": "internal server error", "type": "server_error"}})
            return
        messages = body.get("messages") or [{}]
        reply = grounded_reply(str(messages[-1].get("content", "")))  # the user turn holds the excerpts
        if not body.get("stream"):
            if mode == "slow":
                time.sleep(self.server.delay_s * 20)
            self._send(
                200,
                {
                    "id": "t",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model", ""),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}
                    ],
                },
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            for word in re.findall(r"\S+\s*", reply):
                if mode == "slow":
                    time.sleep(self.server.delay_s)
                chunk = {
                    "id": "t",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body.get("model", ""),
                    "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout): fine
            pass

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    mode = "ok"
    delay_s = 0.0
    requests: list[dict[str, Any]]


@contextmanager
def openai_compatible_server(mode: str = "ok", delay_s: float = 0.5) -> Iterator[_Server]:
    """Serve on a free port of 127.0.0.1; `server.url` is the base URL (…/v1)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.mode, server.delay_s, server.requests = mode, delay_s, []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
