"""A chat-completions server on 127.0.0.1 that counts requests and answers from a table.

The reply is the first entry of ``replies`` whose key occurs in the last user message (else
``default``), streamed in three chunks. It serves one model, ``counting``: another name gets
vLLM's 404, and ``list_models=False`` makes ``GET /v1/models`` a 404 too. It runs on its own
thread and event loop, so tests can point a `golive` subprocess or the in-process engine at
it alike.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

__all__ = ["MODEL", "CountingServer", "counting_server"]

MODEL = "counting"


class CountingServer:
    def __init__(
        self, replies: dict[str, str], default: str = "I do not know.", list_models: bool = True
    ) -> None:
        self.replies = replies
        self.default = default
        self.list_models = list_models
        self.url = ""
        self._count = 0
        self._lock = threading.Lock()

    @property
    def requests(self) -> int:
        with self._lock:
            return self._count

    def reply_for(self, text: str) -> str:
        return next((v for k, v in self.replies.items() if k in text), self.default)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self._count += 1
        body = await request.json()
        if body.get("model") != MODEL:
            error = {
                "object": "error",
                "message": f"The model `{body.get('model')}` does not exist.",
                "type": "NotFoundError",
                "code": 404,
            }
            return web.json_response(error, status=404)
        text = self.reply_for(str(body["messages"][-1]["content"]))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        third = max(len(text) // 3, 1)
        for part in (text[:third], text[third : 2 * third], text[2 * third :]):
            delta = {"choices": [{"index": 0, "delta": {"content": part}, "finish_reason": None}]}
            await response.write(b"data: " + json.dumps(delta).encode() + b"\n\n")
        end = {
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3},
        }
        await response.write(b"data: " + json.dumps(end).encode() + b"\n\ndata: [DONE]\n\n")
        await response.write_eof()
        return response

    async def _models(self, request: web.Request) -> web.Response:
        if not self.list_models:
            raise web.HTTPNotFound()
        return web.json_response({"object": "list", "data": [{"id": MODEL}, {"id": "other"}]})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        return app


@contextmanager
def counting_server(
    replies: dict[str, str], default: str = "I do not know.", list_models: bool = True
) -> Iterator[CountingServer]:
    """Serve on a free port in a background thread; ``server.url`` ends in /v1."""
    server = CountingServer(replies, default, list_models)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    runner = web.AppRunner(server.app())

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server.url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
        ready.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="counting-server", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the counting server did not start")
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
