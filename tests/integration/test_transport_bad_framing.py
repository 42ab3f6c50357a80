"""A reply whose HTTP framing is invalid (``Content-Length: abc``) is the server's
``protocol_error``, recorded at once, on every path: a target call (kernel-stamped stream and
aiohttp) and the load engine (its raw route, stamped and over aiohttp). The server then keeps
the connection open: a client that does not notice waits until its deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from golive.execution.observe import observe
from golive.load.engine import LevelPlan, run_level
from golive.registry import registry
from golive.schemas import FailureMode, Message, Request
from golive.targets.base import Target

pytestmark = pytest.mark.integration

# Far above how long a protocol error takes to notice, far below how long the test may run:
# a client that waits for the deadline records ``timeout`` instead.
DEADLINE_S = 20.0

REPLY = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream\r\n"
    b"Content-Length: abc\r\n"
    b"\r\n"
    b'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'
)


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                await reader.readexactly(int(line.split(b":", 1)[1]))
        writer.write(REPLY)
        await writer.drain()
        await reader.read()  # hold the connection open until the client lets it go
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest_asyncio.fixture
async def bad_server() -> AsyncIterator[str]:
    server = await asyncio.start_server(_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.close()


def _config(kind: str, host: str) -> dict[str, Any]:
    """Each kind of target, by the path it takes: stamped where the URL allows, aiohttp
    where it does not (userinfo in the URL) or where the reply is not streamed."""
    if kind == "openai-stamped":
        return {"kind": "openai", "url": f"http://{host}/v1", "model": "m"}
    if kind == "openai-aiohttp":
        return {"kind": "openai", "url": f"http://u:p@{host}/v1", "model": "m"}
    if kind == "openai-json":
        return {"kind": "openai", "url": f"http://{host}/v1", "model": "m", "stream": False}
    if kind == "http-stamped":
        return {"kind": "http", "url": f"http://{host}/ask", "output_path": "$.text"}
    assert kind == "http-aiohttp"
    return {"kind": "http", "url": f"http://u:p@{host}/ask", "output_path": "$.text"}


KINDS = ["openai-stamped", "openai-aiohttp", "openai-json", "http-stamped", "http-aiohttp"]
REQUEST = Request(messages=(Message(role="user", content="hi"),), max_tokens=8)


async def _started(kind: str, host: str) -> Target:
    target: Target = registry.build(
        "target", registry.parse("target", _config(kind, host), field="target")
    )
    await target.start()
    return target


@pytest.mark.parametrize("kind", KINDS)
async def test_a_target_call_records_protocol_error(bad_server: str, kind: str) -> None:
    target = await _started(kind, bad_server)
    try:
        obs = await observe(
            target,
            REQUEST,
            case_id="c",
            sample=0,
            t_sched_ns=time.perf_counter_ns(),
            timeout_s=DEADLINE_S,
            max_output_chars=10_000,
        )
    finally:
        await target.close()
    assert obs.error is not None
    assert obs.error.mode is FailureMode.PROTOCOL_ERROR, obs.error
    assert "Content-Length" in obs.error.message


@pytest.mark.parametrize("kind", KINDS)
async def test_the_load_engine_records_protocol_error(bad_server: str, kind: str) -> None:
    target = await _started(kind, bad_server)
    plan = LevelPlan(
        index=0,
        profile="closed",
        duration_s=DEADLINE_S,
        concurrency=1,
        max_requests=2,
        request_timeout_s=DEADLINE_S,
        grace_s=1.0,
    )
    try:
        level = await run_level(target, plan, [REQUEST])
    finally:
        await target.close()
    errors = [r.error for r in level.records]
    assert errors == [FailureMode.PROTOCOL_ERROR] * 2
