"""The Host/Origin/token middleware on a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import aiohttp
import pytest
from aiohttp import web

from golive._http_access import access_middleware, check_bind, cookie_name, is_loopback
from golive.errors import ConfigError
from servers.app import serving

pytestmark = pytest.mark.integration

TOKEN = "t0ken-for-tests-0123456789"


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text=f"hello {request.path}")


def _app(token: str | None = None, extra: Sequence[str] = (), port: int = 0) -> web.Application:
    app = web.Application(middlewares=[access_middleware("127.0.0.1", port, token, extra)])
    app.router.add_get("/", _hello)
    app.router.add_get("/runs/{id}", _hello)
    app.router.add_post("/act", _hello)
    return app


@pytest.fixture
async def open_port() -> AsyncIterator[int]:
    async with serving(_app()) as port:
        yield port


@pytest.fixture
async def token_port() -> AsyncIterator[int]:
    async with serving(_app(TOKEN)) as port:
        yield port


async def _get(
    port: int, path: str = "/", *, method: str = "GET", **headers: str
) -> tuple[int, str, aiohttp.ClientResponse]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method, f"http://127.0.0.1:{port}{path}", headers=headers, allow_redirects=False
        ) as resp,
    ):
        return resp.status, await resp.text(), resp


async def test_a_rebound_host_name_is_refused_and_the_real_ones_pass(open_port: int) -> None:
    status, body, _ = await _get(open_port, Host=f"evil.example:{open_port}")
    assert status == 403 and "hello" not in body and "--allow-host" in body
    for host in (f"127.0.0.1:{open_port}", f"localhost:{open_port}", "localhost"):
        status, body, _ = await _get(open_port, Host=host)
        assert (status, body) == (200, "hello /"), host
    # The right name on another port is not this server (a port-forward nobody asked for).
    status, _, _ = await _get(open_port, Host=f"127.0.0.1:{open_port + 1}")
    assert status == 403
    for bad in ("", "user@127.0.0.1", "127.0.0.1:notaport", "evil.example", "127.0.0.1.evil"):
        status, _, _ = await _get(open_port, Host=bad)
        assert status == 403, bad


async def test_a_request_without_any_host_header_is_refused(open_port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", open_port)
    writer.write(b"GET / HTTP/1.0\r\n\r\n")
    await writer.drain()
    head = await reader.readline()
    writer.close()
    await writer.wait_closed()
    assert b" 403 " in head


async def test_allowed_extra_names_pass_with_any_port_or_only_theirs() -> None:
    async with serving(_app(extra=["golive.internal", "Dash.Example:443"])) as port:
        assert (await _get(port, Host="golive.internal"))[0] == 200
        assert (await _get(port, Host="GOLIVE.internal.:8080"))[0] == 200
        assert (await _get(port, Host="dash.example:443"))[0] == 200
        assert (await _get(port, Host="dash.example:8443"))[0] == 403
        assert (await _get(port, Host="other.internal"))[0] == 403


def test_an_invalid_extra_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--allow-host"):
        access_middleware("127.0.0.1", 0, None, ["bad host/"])


async def test_a_cross_site_post_is_refused_even_with_the_right_host(open_port: int) -> None:
    host = f"127.0.0.1:{open_port}"
    status, _, _ = await _get(
        open_port, "/act", method="POST", Host=host, Origin="http://evil.example"
    )
    assert status == 403
    for origin in (f"http://127.0.0.1:{open_port}", f"http://localhost:{open_port}"):
        status, _, _ = await _get(open_port, "/act", method="POST", Host=host, Origin=origin)
        assert status == 200, origin
    # No Origin (curl, a server-side client): allowed, as before.
    assert (await _get(open_port, "/act", method="POST", Host=host))[0] == 200


async def test_the_token_is_required_by_header_or_cookie(token_port: int) -> None:
    status, body, resp = await _get(token_port)
    assert status == 401 and "Bearer" in resp.headers["WWW-Authenticate"]
    assert "?token=" in body and TOKEN not in body
    assert (await _get(token_port, Authorization=f"Bearer {TOKEN}x"))[0] == 401
    assert (await _get(token_port, Authorization=f"Bearer {TOKEN}"))[:2] == (200, "hello /")
    # The host check still comes first: a rebound page with a stolen token gets nothing.
    status, _, _ = await _get(token_port, Host="evil.example", Authorization=f"Bearer {TOKEN}")
    assert status == 403


async def test_a_browser_swaps_the_query_token_for_a_cookie_and_a_clean_url(
    token_port: int,
) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        url = f"http://127.0.0.1:{token_port}/runs/abc?token={TOKEN}&x=1"
        async with session.get(url, allow_redirects=False) as resp:
            assert resp.status == 303
            assert resp.headers["Location"] == "/runs/abc?x=1"
            cookie = resp.cookies[cookie_name(token_port)]
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with session.get(f"http://127.0.0.1:{token_port}/runs/abc?x=1") as resp:
            assert resp.status == 200 and await resp.text() == "hello /runs/abc"
        wrong = f"http://127.0.0.1:{token_port}/?token=nope"
        async with session.get(wrong, allow_redirects=False) as resp:
            assert resp.status == 401


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.5", False),
        ("myhost", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_check_bind_requires_a_token_off_loopback_and_a_strong_one_anywhere() -> None:
    assert check_bind("127.0.0.1", None) is None
    assert check_bind("0.0.0.0", TOKEN) is None
    with pytest.raises(ConfigError, match=r"--host: .*token is required.*GOLIVE_SERVE_TOKEN"):
        check_bind("0.0.0.0", None, token_hint="--token or GOLIVE_SERVE_TOKEN")
    with pytest.raises(ConfigError, match="at least 16"):
        check_bind("127.0.0.1", "short")
    warning = check_bind("0.0.0.0", None, insecure=True)
    assert warning is not None and "WARNING" in warning and "without a token" in warning


async def test_a_wildcard_bind_answers_to_loopback_names_and_the_address_it_was_reached_on() -> (
    None
):
    app = web.Application(middlewares=[access_middleware("0.0.0.0", 0, TOKEN, ())])
    app.router.add_get("/", _hello)
    auth = f"Bearer {TOKEN}"
    async with serving(app) as port:
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            assert (await _get(port, Host=host, Authorization=auth))[0] == 200, host
        assert (await _get(port, Host=f"evil.example:{port}", Authorization=auth))[0] == 403
        # An address of this machine the connection did not arrive on is not trusted blindly.
        assert (await _get(port, Host=f"10.11.12.13:{port}", Authorization=auth))[0] == 403
