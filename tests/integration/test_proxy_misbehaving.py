"""golive proxy in front of an upstream that misbehaves: every reply ends, none hangs the client.

The upstream (tests/servers/misbehaving.py, real HTTP on 127.0.0.1) cuts streams, stalls,
streams forever, sends broken JSON and UTF-8, resets connections and answers 429/500. The
proxy must answer each in the API's own terms and stay healthy for the next request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from golive.guard.config import ProxyConfig
from golive.guard.proxy import GuardProxy
from golive.store.engine import open_store
from golive.store.models import ProxyExchangeRecord
from golive.store.proxy_log import StoreExchangeLog
from servers.misbehaving import MisbehavingServer, running_server

TIMEOUT_S = 1.0  # the proxy's upstream_timeout_s: stalls end after this


@pytest.fixture
async def upstream() -> AsyncIterator[MisbehavingServer]:
    async with running_server() as server:
        yield server


@pytest.fixture
async def proxy(upstream: MisbehavingServer, tmp_path: Path) -> AsyncIterator[GuardProxy]:
    config = ProxyConfig(upstream_timeout_s=TIMEOUT_S)
    async with GuardProxy(
        upstream.url, config, log=StoreExchangeLog(f"sqlite:///{tmp_path}/p.db")
    ) as p:
        yield p


async def _ask(proxy: GuardProxy, mode: str, stream: bool) -> tuple[int, dict[str, str], str]:
    body = {
        "model": "m",
        "stream": stream,
        "messages": [{"role": "user", "content": f"mode={mode}"}],
    }
    client_timeout = aiohttp.ClientTimeout(total=TIMEOUT_S * 10)  # a hang fails, not blocks
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(f"{proxy.url}/chat/completions", json=body) as r,
    ):
        return r.status, dict(r.headers), (await r.read()).decode("utf-8", "replace")


def _events(text: str) -> list[str]:
    return [line[6:] for line in text.split("\n") if line.startswith("data: ")]


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("cut", "stream_broken"),
        ("bad_utf8", "stream_broken"),
        ("stall_headers", "upstream_timeout"),
        ("endless", "upstream_timeout"),
    ],
)
async def test_a_stream_that_fails_midway_ends_with_an_error_event(
    proxy: GuardProxy, mode: str, code: str
) -> None:
    status, headers, text = await _ask(proxy, mode, stream=True)
    assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
    last = json.loads(_events(text)[-1])
    assert last["error"]["code"] == code and last["error"]["type"] == "server_error"
    assert "[DONE]" not in _events(text)


@pytest.mark.parametrize(
    ("mode", "stream", "status", "code"),
    [
        ("stall", True, 504, "upstream_timeout"),  # no headers at all
        ("stall", False, 504, "upstream_timeout"),
        ("stall_headers", False, 504, "upstream_timeout"),
        ("endless", False, 504, "upstream_timeout"),
        ("reset", True, 502, "upstream_unreachable"),
        ("cut", False, 502, "stream_broken"),
    ],
)
async def test_failures_before_the_reply_get_an_openai_error(
    proxy: GuardProxy, mode: str, stream: bool, status: int, code: str
) -> None:
    got, _, text = await _ask(proxy, mode, stream)
    assert got == status and json.loads(text)["error"]["code"] == code


async def test_upstream_statuses_pass_through_with_retry_after(proxy: GuardProxy) -> None:
    status, headers, text = await _ask(proxy, "http429", stream=True)
    assert status == 429 and headers["Retry-After"] == "7" and "slow down" in text
    status, _, text = await _ask(proxy, "http500", stream=False)
    assert status == 500 and "internal error" in text


@pytest.mark.parametrize("mode", ["error_obj", "vllm_error", "no_done"])
async def test_odd_but_complete_streams_are_relayed_and_closed(
    proxy: GuardProxy, mode: str
) -> None:
    status, _, text = await _ask(proxy, mode, stream=True)
    events = _events(text)
    assert status == 200 and events[-1] == "[DONE]"
    if mode in ("error_obj", "vllm_error"):
        assert any("error" in e for e in events[:-1])  # the upstream's own error reaches the client


@pytest.mark.parametrize("mode", ["bad_json"])
async def test_a_stream_that_just_stops_is_passed_on_as_truncated(
    proxy: GuardProxy, mode: str, tmp_path: Path
) -> None:
    """No finish_reason, no [DONE], a clean end of the body: the reply was cut short. The
    client gets an error event, never a [DONE] that would make the reply look whole."""
    status, _, text = await _ask(proxy, mode, stream=True)
    events = _events(text)
    assert status == 200 and "[DONE]" not in events
    assert json.loads(events[-1])["error"]["code"] == "stream_truncated"
    if mode == "bad_json":
        assert "{not json" in events  # not the proxy's to judge: passed on unchanged
    assert proxy.log is not None
    await proxy.drain_log()
    store = open_store(f"sqlite:///{tmp_path}/p.db")
    with store.engine.connect() as c:
        outcomes = [r.outcome for r in c.execute(select(ProxyExchangeRecord.__table__))]
    store.dispose()
    assert outcomes == ["stream_truncated"]
    assert 'golive_proxy_requests_total{outcome="stream_truncated"} 1' in proxy.metrics.render()


async def test_not_a_chat_completion_passes_through_with_its_type(proxy: GuardProxy) -> None:
    status, headers, text = await _ask(proxy, "html", stream=False)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and "login" in text


async def test_the_proxy_stays_healthy_and_logs_each_failure(
    proxy: GuardProxy, tmp_path: Path
) -> None:
    for mode, stream in (("cut", True), ("stall_headers", True), ("reset", True)):
        await _ask(proxy, mode, stream)
    status, _, text = await _ask(proxy, "good", stream=True)
    chunks = [json.loads(e) for e in _events(text)[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert status == 200 and content == "tok0 tok1 tok2 " and _events(text)[-1] == "[DONE]"
    assert proxy.log is not None
    await proxy.drain_log()
    store = open_store(f"sqlite:///{tmp_path}/p.db")
    with store.engine.connect() as c:
        outcomes = [r.outcome for r in c.execute(select(ProxyExchangeRecord.__table__))]
    store.dispose()
    assert outcomes == ["stream_broken", "upstream_timeout", "upstream_error", "allowed"]
    metrics = proxy.metrics.render()
    assert 'golive_proxy_requests_total{outcome="upstream_timeout"} 1' in metrics
    assert 'golive_proxy_requests_total{outcome="stream_broken"} 1' in metrics
