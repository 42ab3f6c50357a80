"""The kernel-stamped client (transport.stamped) on loopback: it classifies every misbehaviour
exactly as the aiohttp path does, reuses connections, survives a server that dropped an idle
one, and stamps reads when they arrived, not when a blocked event loop got round to them."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import aiohttp
import pytest

from golive.schemas import FailureMode
from golive.transport.exchange import Exchange, decode, read_stream
from golive.transport.openai import OpenAIStreamDecoder, ends_with_done
from golive.transport.stamped import StampedPool, stamped_supported
from servers.misbehaving import MisbehavingServer, misbehaving
from servers.thread_sse import ThreadServer

__all__ = ["misbehaving"]  # the fixture, re-exported for pytest

pytestmark = pytest.mark.skipif(
    not stamped_supported("http://127.0.0.1/"), reason="kernel stamps need Linux"
)

MODES = [
    "good;n=5",
    "no_done",
    "cut",
    "http500",
    "http429",
    "bad_json",
    "bad_utf8",
    "error_obj",
    "vllm_error",
    "html",
    "json",
    "reset",
    "endless",
    "echo_auth",
]


def openai_pool(url: str, headers: dict[str, str] | None = None) -> StampedPool:
    """A pool reading OpenAI streams, as the openai target makes it."""
    return StampedPool(url, headers or {}, connect_timeout_s=2, ends=ends_with_done)


def parse(ex: Exchange) -> None:
    decode(ex, OpenAIStreamDecoder())


def body(mode: str) -> bytes:
    return json.dumps(
        {"model": mode, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    ).encode()


async def via_stamped(pool: StampedPool, mode: str, max_bytes: int = 20_000) -> Exchange:
    ex = Exchange()
    async with asyncio.timeout(5):
        await pool.stream(body(mode), ex, max_bytes)
    parse(ex)
    return ex


async def via_aiohttp(url: str, mode: str, max_bytes: int = 20_000) -> Exchange:
    ex = Exchange()
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session, asyncio.timeout(5):
        await read_stream(session, url, headers, body(mode), ex, max_bytes, ends=ends_with_done)
    parse(ex)
    return ex


@pytest.mark.parametrize("mode", MODES)
async def test_same_outcome_as_the_aiohttp_path(misbehaving: MisbehavingServer, mode: str) -> None:
    url = misbehaving.url.rstrip("/") + "/chat/completions"
    pool = openai_pool(url, {"Content-Type": "application/json"})
    try:
        mine = await via_stamped(pool, mode)
    finally:
        pool.close()
    theirs = await via_aiohttp(url, mode)
    if mode == "endless":  # both cut it; where exactly depends on how reads were split
        assert mine.error is theirs.error is FailureMode.OVERSIZED
        return
    assert (mine.error, mine.text, mine.finish, mine.usage_tokens) == (
        theirs.error,
        theirs.text,
        theirs.finish,
        theirs.usage_tokens,
    )
    assert len(mine.chunk_times) == len(theirs.chunk_times)
    assert mine.chunk_times == sorted(mine.chunk_times)
    if mode.startswith("http"):  # the status and a readable excerpt of the body
        assert mine.message.startswith(f"HTTP {mode[4:]}")
        assert ("Retry-After: 7" in mine.message) == (mode == "http429")
    if mode == "good;n=5":
        assert mine.error is None and mine.text == "tok0 tok1 tok2 tok3 tok4 "


async def test_connections_are_reused(misbehaving: MisbehavingServer) -> None:
    url = misbehaving.url.rstrip("/") + "/chat/completions"
    pool = openai_pool(url, {"Content-Type": "application/json"})
    try:
        for _ in range(5):
            assert (await via_stamped(pool, "good")).error is None
        assert len(pool._open) == 1
        # A reply that failed mid-way leaves no half-read connection behind.
        assert (await via_stamped(pool, "cut")).error is FailureMode.TRUNCATED
        assert (await via_stamped(pool, "good")).error is None
        assert len(pool._open) == 1
    finally:
        pool.close()
    assert not pool._open


async def test_oversized_reply_is_cut(misbehaving: MisbehavingServer) -> None:
    url = misbehaving.url.rstrip("/") + "/chat/completions"
    pool = openai_pool(url, {"Content-Type": "application/json"})
    try:
        ex = await via_stamped(pool, "endless", max_bytes=50_000)
    finally:
        pool.close()
    assert ex.error is FailureMode.OVERSIZED
    assert 50_000 < sum(map(len, ex.reads)) < 50_000 + 300_000


async def test_refused_connection_is_a_transport_error() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]  # bound, not listening: connections are refused
        pool = openai_pool(f"http://127.0.0.1:{port}/v1/chat/completions")
        ex = Exchange()
        await pool.stream(b"{}", ex, 1000)
        pool.close()
    assert ex.error is FailureMode.TRANSPORT_ERROR


def test_only_plain_http_on_linux_is_stamped() -> None:
    assert stamped_supported("http://127.0.0.1:8000/v1/chat/completions")
    assert not stamped_supported("https://api.example.com/v1/chat/completions")
    assert not stamped_supported("http://user:pw@127.0.0.1:8000/v1")


async def test_reads_are_stamped_when_they_arrived_not_when_the_loop_ran() -> None:
    server = ThreadServer(ttft_s=0.02)
    with server.running() as url:
        pool = openai_pool(url)
        ex = Exchange()
        loop = asyncio.get_running_loop()
        blocked: list[int] = []

        def block_the_loop() -> None:
            # The client is busy (another stream's parse, a GC pass) while the first token
            # arrives: the loop cannot read for 400 ms.
            time.sleep(0.4)
            blocked.append(time.perf_counter_ns())

        reading = loop.create_task(pool.stream(b"{}", ex, 10_000))
        await loop.run_in_executor(None, server.requested.wait)  # the request is out
        loop.call_soon(block_the_loop)
        await reading
        pool.close()
    parse(ex)
    assert ex.error is None and ex.text == "a"
    first_written = server.written_ns[0]
    # The loop read the chunk ~380 ms after it was written; the kernel stamp is within a
    # few ms of the write (the margin is scheduling noise on a loaded CI machine).
    assert blocked[0] - first_written > 300_000_000
    assert 0 <= ex.chunk_times[0] - first_written < 50_000_000


async def test_a_connection_the_server_closed_while_idle_is_retried() -> None:
    server = ThreadServer(ttft_s=0.0, close_idle=True)
    with server.running() as url:
        pool = openai_pool(url)
        outcomes = []
        for _ in range(3):
            ex = Exchange()
            await pool.stream(b"{}", ex, 10_000)
            parse(ex)
            outcomes.append((ex.error, ex.text or ex.message))
        pool.close()
    assert outcomes == [(None, "a")] * 3
    assert server.connections >= 3  # one per request at least: each was closed after use


async def test_the_openai_target_streams_with_kernel_stamps() -> None:
    from golive.registry import registry
    from golive.schemas import Chunk, Message, Request
    from golive.targets.openai import OpenAITarget

    server = ThreadServer(ttft_s=0.02)
    with server.running() as url:
        args = registry.parse("target", {"kind": "openai", "url": url, "model": "m"}, field="t")
        target = registry.build("target", args)
        assert isinstance(target, OpenAITarget)
        await target.start()
        try:
            route = target.raw_route()
            assert route is not None and route.stamped is not None
            loop = asyncio.get_running_loop()
            blocked: list[int] = []

            def block_the_loop() -> None:
                time.sleep(0.4)
                blocked.append(time.perf_counter_ns())

            async def wait_then_block() -> None:
                await loop.run_in_executor(None, server.requested.wait)
                loop.call_soon(block_the_loop)

            blocker = loop.create_task(wait_then_block())
            request = Request(messages=(Message(role="user", content="hi"),))
            items = [item async for item in target.stream(request)]
            await blocker
            again = [item async for item in target.stream(request)]  # same connection
        finally:
            await target.close()
    chunks = [i for i in items if isinstance(i, Chunk)]
    assert [c.text for c in chunks] == ["a"]
    assert blocked[0] - server.written_ns[0] > 300_000_000
    assert 0 <= chunks[0].t_ns - server.written_ns[0] < 50_000_000
    assert [c.text for c in again if isinstance(c, Chunk)] == ["a"]
    assert server.connections == 1
