"""A chat-completions server on 127.0.0.1 whose model is stuck in a loop: every reply is one
short phrase repeated to about 100 KB, streamed in chunks as a real server sends it.

It runs in a thread of the test process, so a ``golive`` subprocess can use it too.

- ``POST /v1/chat/completions``: streamed (SSE) when the body asks for ``stream``, else one
  JSON reply.
- ``GET /v1/models``: 404 (the server lists no models, so any model name is accepted).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["PHRASE", "REPLY", "looping_server"]

PHRASE = "No, you can't reset it from Settings > Security; contact support within 30 days. "
REPLY = PHRASE * (100_000 // len(PHRASE))  # about 100 KB
_CHUNK = 4_000


def _event(delta: dict[str, str], finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return b"data: " + json.dumps({"object": "chat.completion.chunk", "choices": [choice]}).encode()


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
        if request.get("stream"):
            chunks = [REPLY[i : i + _CHUNK] for i in range(0, len(REPLY), _CHUNK)]
            events = [_event({"content": c}) for c in chunks] + [_event({}, "stop")]
            body = b"\n\n".join(events) + b"\n\ndata: [DONE]\n\n"
            self._send(200, body, "text/event-stream")
            return
        message = {"role": "assistant", "content": REPLY}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        reply = {"object": "chat.completion", "choices": [choice]}
        self._send(200, json.dumps(reply).encode(), "application/json")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # an interrupted golive drops its connections mid-reply: expected here


@contextlib.contextmanager
def looping_server() -> Iterator[str]:
    """Serve on a free port of 127.0.0.1; yields ``http://127.0.0.1:PORT/v1``."""
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
