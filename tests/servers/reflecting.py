"""An OpenAI-compatible server that reflects every credential it is sent, in its replies and in
its error bodies: the worst case for golive's secret masking. In its own thread, so a
`golive` subprocess (or the test's own loop) can use it.

The reply quotes every request header, the query string and the path. A user message
holding ``FAIL`` gets HTTP 500 whose body quotes the same; ``CUT`` gets a reply of exactly
``cut_at`` characters that ends halfway through the Authorization header's value.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

__all__ = ["reflecting_server"]


def _reflection(request: web.Request) -> str:
    headers = " ".join(f"{k}={v}" for k, v in request.headers.items())
    return f"path={request.path} query={request.query_string} {headers}"


async def _models(request: web.Request) -> web.Response:
    return web.json_response({"object": "list", "data": [{"id": "m", "object": "model"}]})


async def _chat(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    user = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    reflected = _reflection(request)
    if "FAIL" in user:
        return web.Response(status=500, text=f"upstream rejected the call: {reflected}")
    text = f"You said {user!r}; I was sent {reflected}"
    if "CUT" in user:
        auth = request.headers.get("Authorization", "")
        text = "cut: " + auth[: len(auth) - 6]  # the key's tail is missing, as if capped
    if not body.get("stream"):
        return web.json_response(
            {
                "choices": [{"message": {"content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 5},
            }
        )
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
        chunk = {"choices": [{"delta": {"content": piece}, "finish_reason": None}]}
        await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())
    done = {"choices": [{"delta": {}, "finish_reason": "stop"}]}
    await resp.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
    await resp.write_eof()
    return resp


@contextmanager
def reflecting_server() -> Iterator[int]:
    """Serve on a free port of 127.0.0.1 in a thread until the block ends; yields the port."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    port: list[int] = []
    app = web.Application()
    app.router.add_get("/v1/models", _models)
    app.router.add_post("/v1/chat/completions", _chat)
    runner = web.AppRunner(app, access_log=None)

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port.append(int(runner.addresses[0][1]))

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the reflecting server did not start")
    try:
        yield port[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
