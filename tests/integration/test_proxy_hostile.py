"""golive proxy against hostile clients and a careless configuration (issue 12).

Hostile bodies (megabytes of PII-shaped text), clients that stall or leave, an upstream that
stops mid-reply, and credentials in the upstream's URL. Real servers on 127.0.0.1; bounds
are generous (they catch a frozen loop, not a slow machine); figures come from
benchmarks/proxy_hostile.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from golive.guard.config import ProxyConfig
from golive.guard.proxy import GuardProxy
from golive.store.engine import open_store
from golive.store.models import ProxyExchangeRecord
from golive.store.proxy_log import StoreExchangeLog
from servers.app import serving

UNIT = "1234 5678 9012 3456 a@b.co "
HOSTILE = (UNIT * (3_900_000 // len(UNIT) + 1))[:3_900_000]  # under the 4 MiB body limit
BOUND_S = 60.0  # a frozen proxy fails the test instead of hanging it


def _chunk(content: str | None = None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {"object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
    return f"data: {json.dumps(body)}\n\n".encode()


async def _chat(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    mode = body["messages"][-1]["content"]
    if not body.get("stream"):
        reply = {"choices": [{"message": {"role": "assistant", "content": "fine"},
                              "finish_reason": "stop"}]}  # fmt: skip
        return web.json_response(reply)
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    if mode == "truncated":  # content, then a clean end of the body: no finish, no [DONE]
        await resp.write(_chunk("The answer is "))
        await resp.write(_chunk("forty"))
    elif mode == "long":  # long enough that a client leaving midway is noticed
        for _ in range(2000):
            await resp.write(_chunk("word " * 50))
            await asyncio.sleep(0.001)
        await resp.write(_chunk(finish="stop") + b"data: [DONE]\n\n")
    else:
        await resp.write(_chunk("fine") + _chunk(finish="stop") + b"data: [DONE]\n\n")
    await resp.write_eof()
    return resp


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", _chat)
    async with serving(app) as port:
        yield f"http://127.0.0.1:{port}/v1"


async def _proxy(upstream: str, tmp_path: Path, **config: Any) -> GuardProxy:
    proxy = GuardProxy(
        upstream, ProxyConfig(**config), log=StoreExchangeLog(f"sqlite:///{tmp_path}/p.db")
    )
    await proxy.start()
    return proxy


def _rows(tmp_path: Path) -> list[Any]:
    store = open_store(f"sqlite:///{tmp_path}/p.db")
    with store.engine.connect() as c:
        rows = list(c.execute(select(ProxyExchangeRecord.__table__)))
    store.dispose()
    return rows


async def _post(session: aiohttp.ClientSession, url: str, content: str,
                stream: bool = False) -> tuple[int, str]:  # fmt: skip
    body = {"model": "m", "stream": stream, "messages": [{"role": "user", "content": content}]}
    async with session.post(f"{url}/chat/completions", json=body) as r:
        return r.status, (await r.read()).decode()


async def test_health_answers_while_ten_hostile_requests_are_in_flight(
    upstream: str, tmp_path: Path
) -> None:
    """Ten 3.9 MB PII-shaped messages (the default chain) and ten of 40,000 characters
    (pii and injection only, under the scan limit: they are scanned, off the loop)."""
    proxy = await _proxy(upstream, tmp_path)
    scanned = await _proxy(upstream, tmp_path, input=["pii", "injection"])
    medium = HOSTILE[:40_000]
    timeout = aiohttp.ClientTimeout(total=BOUND_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as s:
            hostile = [asyncio.ensure_future(_post(s, proxy.url, HOSTILE)) for _ in range(10)]
            hostile += [asyncio.ensure_future(_post(s, scanned.url, medium)) for _ in range(10)]
            for target in (proxy, scanned):
                async with s.get(target.url.removesuffix("/v1") + "/health") as r:
                    assert r.status == 200
                status, text = await _post(s, target.url, "How do I reset my password?")
                assert status == 200 and "fine" in text
            results = await asyncio.gather(*hostile)
    finally:
        await proxy.stop()
        await scanned.stop()
    for status, text in results[:10]:  # refused unscanned: longer than max_scan_chars
        error = json.loads(text)["error"]
        assert status == 400 and error["code"] == "content_blocked"
        assert "oversized" in error["message"]
    assert all(status == 200 for status, _ in results[10:])  # redacted and forwarded


async def test_a_blocked_huge_input_is_logged_as_an_excerpt_with_its_size(
    upstream: str, tmp_path: Path
) -> None:
    proxy = await _proxy(upstream, tmp_path, log_max_chars=1000)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=BOUND_S)) as s:
            status, _ = await _post(s, proxy.url, HOSTILE)
        await proxy.drain_log()
    finally:
        await proxy.stop()
    assert status == 400
    (row,) = _rows(tmp_path)
    assert row.outcome == "blocked_input" and row.input_action == "block"
    assert len(row.input_text) < 1200 and "of 3900000 characters not stored" in row.input_text
    assert "a@b.co" not in row.input_text and "[EMAIL]" in row.input_text  # still redacted
    assert any(d["guard"] == "oversized" for d in row.decisions_json)


async def test_the_chain_stops_at_the_first_block(upstream: str, tmp_path: Path) -> None:
    proxy = await _proxy(upstream, tmp_path, max_scan_chars=10_000_000)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=BOUND_S)) as s:
            status, text = await _post(s, proxy.url, HOSTILE)  # validate: over 32,000 chars
        await proxy.drain_log()
    finally:
        await proxy.stop()
    assert status == 400 and "validate" in json.loads(text)["error"]["message"]
    (row,) = _rows(tmp_path)
    assert [d["guard"] for d in row.decisions_json] == ["validate"]  # pii never ran on it


async def test_a_stream_cut_short_reaches_the_client_as_truncated(
    upstream: str, tmp_path: Path
) -> None:
    proxy = await _proxy(upstream, tmp_path)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=BOUND_S)) as s:
            status, text = await _post(s, proxy.url, "truncated", stream=True)
        events = [line[6:] for line in text.split("\n") if line.startswith("data: ")]
        assert status == 200 and "[DONE]" not in events  # before: [DONE], as if whole
        assert json.loads(events[-1])["error"]["code"] == "stream_truncated"
        await proxy.drain_log()
    finally:
        await proxy.stop()
    (row,) = _rows(tmp_path)
    assert row.outcome == "stream_truncated" and row.output_text == "The answer is forty"


# --- clients that stall or leave ------------------------------------------------------------


async def _raw(port: int, data: bytes) -> bytes:
    """Send ``data`` and read until the proxy closes the connection (or BOUND_S passes)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        async with asyncio.timeout(BOUND_S):
            return await reader.read()
    finally:
        writer.close()


def _port(proxy: GuardProxy) -> int:
    return int(proxy.url.rsplit(":", 1)[1].split("/")[0])


async def test_a_client_that_sends_no_complete_head_is_dropped(
    upstream: str, tmp_path: Path
) -> None:
    proxy = await _proxy(upstream, tmp_path, client_header_timeout_s=0.3)
    try:
        got = await _raw(_port(proxy), b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n")
    finally:
        await proxy.stop()
    assert got == b""  # closed without a reply


@pytest.mark.parametrize("declared", [1_000_000, 50_000_000])
async def test_a_client_that_declares_a_body_and_sends_nothing_is_answered(
    upstream: str, tmp_path: Path, declared: int
) -> None:
    proxy = await _proxy(upstream, tmp_path, client_body_timeout_s=0.3)
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
            f"\r\nContent-Length: {declared}\r\n\r\n").encode()  # fmt: skip
    try:
        got = await _raw(_port(proxy), head + b'{"model"')
        await proxy.drain_log()
    finally:
        await proxy.stop()
    want = 408 if declared < 4 * 1024 * 1024 else 413  # 413 at once: too large as declared
    assert got.startswith(f"HTTP/1.1 {want}".encode())
    (row,) = _rows(tmp_path)
    assert row.outcome == ("client_timeout" if want == 408 else "bad_request")


async def test_a_client_that_leaves_is_logged_as_the_clients_doing(
    upstream: str, tmp_path: Path
) -> None:
    proxy = await _proxy(upstream, tmp_path)
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
            b"\r\nContent-Length: 1000\r\n\r\n{")  # fmt: skip
    body = json.dumps({"model": "m", "stream": True,
                       "messages": [{"role": "user", "content": "long"}]}).encode()  # fmt: skip
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", _port(proxy))
        writer.write(head)  # leaves in the middle of its body
        await writer.drain()
        writer.close()
        # And one that leaves in the middle of a streamed reply.
        reader, writer = await asyncio.open_connection("127.0.0.1", _port(proxy))
        request = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
        request += b"application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        writer.write(request)
        await writer.drain()
        await reader.readuntil(b"word")
        writer.transport.abort()
        async with asyncio.timeout(BOUND_S):
            while len(_rows(tmp_path)) < 2:
                await proxy.drain_log()
                await asyncio.sleep(0.05)
        metrics = proxy.metrics.render()
    finally:
        await proxy.stop()
    assert sorted(r.outcome for r in _rows(tmp_path)) == ["client_disconnected"] * 2
    assert "stream_broken" not in metrics and "upstream_unreachable" not in metrics


# --- nothing leaks the upstream's URL -------------------------------------------------------


async def test_health_and_502s_never_show_the_upstream_url() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secret_url = f"http://admin:hunter2-SECRET@127.0.0.1:{port}/v1?api-key=KEY-SECRET"
    async with GuardProxy(secret_url, ProxyConfig()) as proxy:
        assert proxy.upstream_display == f"http://***@127.0.0.1:{port}/v1?api-key=***"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=BOUND_S)) as s:
            async with s.get(proxy.url.removesuffix("/v1") + "/health") as r:
                health = await r.text()
            status, error = await _post(s, proxy.url, "hello")
            async with s.get(f"{proxy.url}/models") as r:
                models = await r.text()
    assert status == 502 and json.loads(error)["error"]["code"] == "upstream_unreachable"
    for text in (health, error, models):
        assert "SECRET" not in text and "admin" not in text and str(port) not in text
