"""A chat-completions server on 127.0.0.1 that misbehaves on request, for target tests.

The last user message ``"mode=<spec>"`` (else the model name) picks the behaviour, with
optional knobs: ``"good;ttft=0.05;n=5;itl=0.01;length=1"``.
Modes: good, cut, http500, http429, stall_headers, stall, bad_json, bad_utf8, endless,
html, reset, error_obj, vllm_error, echo_auth (401 echoing the key), json (a non-streaming reply),
no_done (finish_reason but no [DONE]).
``POST /json/<mode>`` serves the ``http`` target: good, http500, http429, not_json, html.

Handlers are counted, so tests can check that nothing keeps running after the client left.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest_asyncio
from aiohttp import web

__all__ = ["MisbehavingServer", "misbehaving", "running_server"]


def _knobs(model: str) -> tuple[str, dict[str, float]]:
    mode, *pairs = model.split(";")
    knobs = {k: float(v) for k, v in (p.split("=", 1) for p in pairs)}
    return mode, knobs


def _chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> bytes:
    delta = {} if content is None else {"content": content}
    obj = {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


_USAGE = b'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5}}\n\n'


class MisbehavingServer:
    """Start with ``async with running_server() as server``; ``server.url`` ends in /v1."""

    def __init__(self) -> None:
        self.url = ""
        self.active = 0  # handlers running right now
        self.requests: list[dict[str, Any]] = []  # JSON bodies received
        self.headers: list[dict[str, str]] = []
        self._idle = asyncio.Condition()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/json/{mode}", self._json)
        # Cancel handlers whose client went away, as a production server would.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_idle(self, timeout_s: float = 2.0) -> None:
        """Wait until no handler runs (raises TimeoutError if one keeps running)."""
        async with asyncio.timeout(timeout_s), self._idle:
            await self._idle.wait_for(lambda: self.active == 0)

    async def _enter(self, request: web.Request) -> None:
        self.active += 1
        self.headers.append(dict(request.headers))

    async def _leave(self) -> None:
        self.active -= 1
        async with self._idle:
            self._idle.notify_all()

    async def _models(self, request: web.Request) -> web.Response:
        # Any model name is a behaviour here, so no list would be true: like a server that
        # does not list its models.
        raise web.HTTPNotFound()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        await self._enter(request)
        try:
            body = await request.json()
            self.requests.append(body)
            messages = body.get("messages") or [{}]
            last = str(messages[-1].get("content", ""))
            spec = last[5:] if last.startswith("mode=") else str(body.get("model", "good"))
            mode, knobs = _knobs(spec)
            return await self._mode(request, mode, knobs)
        finally:
            await self._leave()

    async def _mode(
        self, request: web.Request, mode: str, knobs: dict[str, float]
    ) -> web.StreamResponse:
        n = int(knobs.get("n", 3))
        if mode == "http500":
            return web.Response(status=500, text="<html>" + "internal error " * 500 + "</html>")
        if mode == "http429":
            return web.json_response(
                {"error": {"message": "slow down"}}, status=429, headers={"Retry-After": "7"}
            )
        if mode == "echo_auth":  # a careless server that echoes credentials back
            auth = request.headers.get("Authorization", "")
            return web.Response(status=401, text=f"bad key {auth}")
        if mode == "html":
            return web.Response(text="<html><body>login</body></html>", content_type="text/html")
        if mode == "json":
            return web.json_response(
                {
                    "choices": [{"message": {"content": "whole answer"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 2},
                }
            )
        if mode == "reset":
            _reset(request)
            return web.Response()  # never delivered: the socket is gone
        if mode == "stall":
            await self._closing.wait()
            return web.Response()
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        if mode == "stall_headers":
            await self._closing.wait()
            return resp
        await resp.write(b": keep-alive\n\n" + _chunk(""))  # role chunk, no content
        if mode == "endless":
            while True:
                await resp.write(_chunk("x" * 100))
                await asyncio.sleep(0)  # writes rarely block: let the client run too
        if mode == "bad_json":
            await resp.write(_chunk("ok") + b"data: {not json\n\n")
        elif mode == "bad_utf8":
            await resp.write(
                _chunk("ok") + b'data: {"choices":[{"delta":{"content":"\xff\xfe"}}]}\n\n'
            )
        elif mode == "error_obj":
            await resp.write(
                _chunk("ok") + b'data: {"error":{"message":"model overloaded","code":503}}\n\n'
            )
        elif mode == "vllm_error":
            await resp.write(
                b'data: {"object":"error","message":"context too long","code":400}\n\n'
            )
        elif mode == "cut":
            for i in range(n):
                await resp.write(_chunk(f"part{i} "))
            # A FIN mid-body: the client has its chunks but no end of the chunked body.
            assert request.transport is not None
            request.transport.close()
            return resp
        else:  # good, no_done
            await asyncio.sleep(knobs.get("ttft", 0.0))
            for i in range(n):
                if i:
                    await asyncio.sleep(knobs.get("itl", 0.0))
                await resp.write(_chunk(f"tok{i} "))
            await resp.write(_chunk(finish="length" if "length" in knobs else "stop") + _USAGE)
            if mode != "no_done":
                await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def _json(self, request: web.Request) -> web.Response:
        await self._enter(request)
        try:
            body = await request.json()
            self.requests.append(body)
            mode = request.match_info["mode"]
            if mode == "http500":
                return web.Response(status=503, text="upstream unavailable")
            if mode == "http429":
                return web.Response(status=429, headers={"Retry-After": "2"})
            if mode == "not_json":
                return web.Response(text="this is not json")
            return web.json_response(
                {
                    "result": {"answer": f"echo: {body.get('prompt', body)}"},
                    "meta": {"usage": {"input_tokens": 4, "output_tokens": 2}},
                }
            )
        finally:
            await self._leave()


def _reset(request: web.Request) -> None:
    """Close the connection with a TCP RST (SO_LINGER 0), like a crashed proxy."""
    transport = request.transport
    assert transport is not None
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


@asynccontextmanager
async def running_server() -> AsyncIterator[MisbehavingServer]:
    server = MisbehavingServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def misbehaving() -> AsyncIterator[MisbehavingServer]:
    """A fresh misbehaving server for one test."""
    async with running_server() as server:
        yield server
