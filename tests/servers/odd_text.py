"""A chat-completions server on 127.0.0.1 whose replies carry lone UTF-16 surrogates.

Each content delta is written as raw JSON text, so ``\\ud800`` reaches the client exactly as
a server that split an emoji's surrogate pair between two events sends it. It runs in a
thread of the test process, so a ``golive`` subprocess can use it too.

- ``POST /v1/chat/completions``: streamed (SSE) when the body asks for ``stream``, else one
  JSON reply with the deltas joined.
- ``POST /json``: ``{"answer": …}`` for the ``http`` target.
- ``GET /v1/models``: 404 (the server lists no models, so any model name is accepted).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["DELTAS", "odd_text_server"]

# JSON string literals, as sent: a lone high surrogate, then an emoji (U+1F600) split across
# two events, then a lone low surrogate at the very end.
DELTAS = (r'"hello \ud800 "', r'"\ud83d"', r'"\ude00 done"', r'" bye \udc00"')


def _event(content: str | None, finish: str | None = None) -> bytes:
    delta = "{}" if content is None else '{"content":' + content + "}"
    reason = "null" if finish is None else json.dumps(finish)
    return (
        b'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":'
        + delta.encode()
        + b',"finish_reason":'
        + reason.encode()
        + b"}]}\n\n"
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(404, b'{"error": "no model list"}', "application/json")

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        joined = "".join(json.loads(d) for d in DELTAS)
        # ensure_ascii keeps the lone surrogates as \u escapes: exactly what is sent
        whole = json.dumps(joined)
        if self.path == "/json":
            self._send(200, b'{"answer": ' + whole.encode() + b"}", "application/json")
            return
        if request.get("stream"):
            body = b"".join(_event(d) for d in DELTAS) + _event(None, "stop")
            self._send(200, body + b"data: [DONE]\n\n", "text/event-stream")
            return
        reply = (
            b'{"object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",'
            b'"content":' + whole.encode() + b'},"finish_reason":"stop"}]}'
        )
        self._send(200, reply, "application/json")


@contextlib.contextmanager
def odd_text_server() -> Iterator[str]:
    """Serve on a free port of 127.0.0.1; yields ``http://127.0.0.1:PORT``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
