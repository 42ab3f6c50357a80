"""golive proxy answers only requests addressed to itself, and with ``--token`` only those
carrying it in ``X-Golive-Token``, while ``Authorization`` still reaches the upstream
(issue 12 §5). Real servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from golive.guard.config import ProxyConfig
from golive.guard.proxy import TOKEN_HEADER, GuardProxy, proxy_access
from servers.app import serving

TOKEN = "proxy-token-0123456789abcdef"
BODY = {"model": "m", "messages": [{"role": "user", "content": "What are your hours?"}]}


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []  # the headers of each request the upstream received

    async def chat(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        reply = {"choices": [{"message": {"role": "assistant", "content": "9 to 5"},
                              "finish_reason": "stop"}]}  # fmt: skip
        return web.json_response(reply)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    async with serving(app) as port:
        yield f"http://127.0.0.1:{port}/v1", seen


async def _post(url: str, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/chat/completions", json=BODY, headers=headers) as r,
    ):
        await r.read()
        return r.status


async def test_a_foreign_host_is_refused_before_the_upstream_sees_it(
    upstream: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = upstream
    access = proxy_access("127.0.0.1", 0, None)
    async with GuardProxy(url, ProxyConfig(), middlewares=[access]) as proxy:
        # A DNS-rebinding page reaches 127.0.0.1 under its own name.
        assert await _post(proxy.url, {"Host": "evil.example"}) == 403
        assert seen == []
        assert await _post(proxy.url, {}) == 200  # addressed as 127.0.0.1:PORT
        assert await _post(proxy.url, {"Host": "localhost"}) == 200
    assert len(seen) == 2


async def test_the_token_rides_its_own_header_and_authorization_reaches_the_upstream(
    upstream: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = upstream
    access = proxy_access("127.0.0.1", 0, TOKEN, ["gw.internal"])
    key = {"Authorization": "Bearer sk-upstream-key-0123456789"}
    async with GuardProxy(url, ProxyConfig(), middlewares=[access]) as proxy:
        assert await _post(proxy.url, key) == 401  # no token
        assert await _post(proxy.url, {**key, TOKEN_HEADER: "wrong-token-0123456789"}) == 401
        # A Bearer token in Authorization is the upstream's key, not the proxy's token.
        assert await _post(proxy.url, {"Authorization": f"Bearer {TOKEN}"}) == 401
        assert seen == []
        assert await _post(proxy.url, {**key, TOKEN_HEADER: TOKEN}) == 200
        allowed = {**key, TOKEN_HEADER: f"Bearer {TOKEN}", "Host": "gw.internal"}
        assert await _post(proxy.url, allowed) == 200
    assert [h.get("Authorization") for h in seen] == [key["Authorization"]] * 2
    assert all(TOKEN_HEADER.lower() not in {k.lower() for k in h} for h in seen)
