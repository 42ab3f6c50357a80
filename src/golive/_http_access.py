"""Who may talk to a server golive starts (``golive serve``, ``golive proxy``).

Two checks, in one aiohttp middleware:

- **Host.** A DNS-rebinding page (``http://evil.example:8765`` re-resolved to 127.0.0.1)
  reaches a loopback server from the user's own browser, but its requests still carry
  ``Host: evil.example:8765``. Only the names the server is really known by pass: the
  loopback names, the address bound, the address the connection arrived on (an IP literal
  cannot be rebound), and the names the user allows (``--allow-host``). A request with
  another ``Host`` gets 403 before any handler runs.
- **Token.** Optional on loopback, required on any other bind (``check_bind``): every
  request then carries ``Authorization: Bearer <token>``. A browser opens the URL once with
  ``?token=<token>``: the server answers with an HttpOnly, SameSite=Strict cookie and a
  redirect to the same URL without the token, so the token stays out of history and links.

A cross-site form post carries the right ``Host`` (the browser addresses the real server),
so unsafe methods (POST, PUT, DELETE…) with an ``Origin`` header must come from an allowed
origin too.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable, Iterable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware
from multidict import MultiDict
from yarl import URL

from golive.errors import ConfigError

__all__ = [
    "LOOPBACK_NAMES",
    "MIN_TOKEN_CHARS",
    "Middleware",
    "access_middleware",
    "check_bind",
    "cookie_name",
    "is_loopback",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MIN_TOKEN_CHARS = 16
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TOKEN_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(24))"'


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` listens on loopback only (``localhost``, 127.0.0.0/8, ::1).

    Any other name may resolve to a public address, so it counts as not loopback; so does
    the empty string, which aiohttp binds on every interface.
    """
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_bind(
    host: str,
    token: str | None,
    *,
    insecure: bool = False,
    token_hint: str = "--token",
    field: str = "--host",
) -> str | None:
    """Refuse a bind that would serve everything to anyone who can reach the port.

    Args:
        host: The address about to be bound.
        token: The bearer token the server will require, if any.
        insecure: The user explicitly opted out of the token on a non-loopback bind; then a
            warning is returned instead of an error.
        token_hint: How the user sets the token (``--token or GOLIVE_SERVE_TOKEN``), for the
            message.
        field: The flag that chose ``host``, for the message.

    Returns:
        A warning to print loudly, or None when the bind is safe.

    Raises:
        ConfigError: a non-loopback bind without a token (and without ``insecure``), or a
            token shorter than ``MIN_TOKEN_CHARS``.
    """
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"the token is {len(token)} characters; use at least {MIN_TOKEN_CHARS}, "
            f"e.g. from: {_TOKEN_HINT}",
            field=token_hint.split()[0],
        )
    if token or is_loopback(host):
        return None
    if insecure:
        return (
            f"WARNING: listening on {host or 'every interface'} without a token: anyone who "
            "can reach this port can read and use everything this server serves."
        )
    raise ConfigError(
        f"{host or 'every interface'} is not a loopback address, so a token is required: "
        f"set {token_hint} (generate one with: {_TOKEN_HINT}), or bind 127.0.0.1",
        field=field,
    )


def cookie_name(port: int) -> str:
    """The cookie holding the token: one per port, since cookies ignore ports."""
    return f"golive_token_{port}"


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``name`` and ``port`` of a ``Host`` header (None when it is malformed)."""
    try:
        parts = urlsplit(f"//{value.strip()}")
        port = parts.port
    except ValueError:
        return None
    name = parts.hostname
    if not name or parts.username is not None or parts.password is not None or parts.path:
        return None
    return name.rstrip(".").lower(), port


def _normal(name: str) -> str:
    name = name.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def _extra(extra_hosts: Iterable[str]) -> tuple[frozenset[str], frozenset[tuple[str, int]]]:
    """Allowed extra names, any port (``golive.internal``), and names with one port."""
    names: set[str] = set()
    pairs: set[tuple[str, int]] = set()
    for entry in extra_hosts:
        split = _split_host(entry)
        if split is None:
            raise ConfigError(
                f"{entry!r} is not a host name (write e.g. golive.internal or "
                "golive.internal:8765)",
                field="--allow-host",
            )
        name, port = split
        if port is None:
            names.add(_normal(name))
        else:
            pairs.add((_normal(name), port))
    return frozenset(names), frozenset(pairs)


def _local(request: web.Request) -> tuple[str | None, int | None]:
    """The address and port this connection arrived on."""
    transport = request.transport
    sock = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sock, tuple) and len(sock) >= 2:
        return _normal(str(sock[0])), int(sock[1])
    return None, None


def _refuse(status: int, message: str, *, challenge: bool = False) -> web.Response:
    response = web.Response(status=status, text=message + "\n", content_type="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    if challenge:
        response.headers["WWW-Authenticate"] = 'Bearer realm="golive"'
    return response


def access_middleware(
    bound_host: str,
    port: int,
    token: str | None,
    extra_hosts: Sequence[str] = (),
    *,
    check_origin: bool = True,
    token_header: str = "Authorization",
) -> Middleware:
    """The middleware enforcing ``Host`` (and ``Origin``) and the optional token.

    Args:
        bound_host: The address the server binds (``127.0.0.1``, ``0.0.0.0``, ``::``…).
        port: The port it binds; 0 (a free port) means the port each connection arrived on.
        token: Require ``Authorization: Bearer <token>`` (or the browser cookie) when set.
        extra_hosts: More names the server may be addressed by (``name`` for any port,
            ``name:port`` for one); an invalid one raises ``ConfigError``.
        check_origin: Refuse unsafe methods whose ``Origin`` is not an allowed host.
        token_header: Where the token comes: ``Authorization`` (``Bearer <token>``, or the
            browser's cookie), or another header holding it (``X-Golive-Token`` for the proxy,
            whose ``Authorization`` carries the upstream's key), where ``Bearer`` is optional.

    Put it first in the application's middleware list, so nothing runs before it.
    """
    names, pairs = _extra(extra_hosts)
    bound = _normal(bound_host)
    # A browser sends ``Host: localhost`` only for a page it loaded from localhost, which no
    # rebinding page can be: the loopback names are always this server.
    own = set(LOOPBACK_NAMES)
    if bound and bound not in ("0.0.0.0", "::"):
        own.add(bound)
    secret = token.encode() if token else None

    def allowed(name: str, host_port: int | None, request: web.Request) -> bool:
        name = _normal(name)
        local_addr, local_port = _local(request)
        expected = port or local_port
        if name in names or (host_port is not None and (name, host_port) in pairs):
            return True
        if host_port is not None and expected is not None and host_port != expected:
            return False
        # The address the connection arrived on: an IP literal cannot be rebound.
        return name in own or (local_addr is not None and name == local_addr)

    def token_ok(request: web.Request) -> bool:
        assert secret is not None
        given = request.headers.get(token_header, "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), secret):
            return True
        if token_header != "Authorization":  # an API header: the token alone, no cookie
            return hmac.compare_digest(given.strip().encode(), secret)
        _, local_port = _local(request)
        cookie = request.cookies.get(cookie_name(port or local_port or 0), "")
        return hmac.compare_digest(cookie.encode(), secret)

    @web.middleware
    async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get("Host")
        split = _split_host(host) if host else None
        if split is None or not allowed(split[0], split[1], request):
            return _refuse(
                403,
                "This server does not answer to that Host name (a DNS-rebinding guard). "
                "Open it at its own address, or start it with --allow-host NAME.",
            )
        origin = request.headers.get("Origin")
        if check_origin and origin is not None and request.method not in _SAFE_METHODS:
            o = _split_host(urlsplit(origin).netloc) if "://" in origin else None
            if o is None or not allowed(o[0], o[1], request):
                return _refuse(403, "Cross-site request refused (Origin is not this server).")
        if secret is None:
            return await handler(request)
        query_token = request.query.get("token") if token_header == "Authorization" else None
        if query_token is not None and request.method in ("GET", "HEAD"):
            if not hmac.compare_digest(query_token.encode(), secret):
                return _refuse(401, "Wrong token.", challenge=True)
            # Swap the token for a cookie and drop it from the URL (history, Referer, logs).
            query = MultiDict((k, v) for k, v in request.query.items() if k != "token")
            location = URL.build(path=request.path, query=query) if query else URL(request.path)
            response = web.Response(status=303, headers={"Location": str(location)})
            _, local_port = _local(request)
            response.set_cookie(
                cookie_name(port or local_port or 0),
                token or "",
                httponly=True,
                samesite="Strict",
                path="/",
            )
            response.headers["Cache-Control"] = "no-store"
            return response
        if not token_ok(request):
            how = (
                "send 'Authorization: Bearer <token>', or, in a browser, open the address "
                "once with ?token=<token> appended"
                if token_header == "Authorization"
                else f"send it in the {token_header} header"
            )
            return _refuse(401, f"This server needs its token: {how}.", challenge=True)
        return await handler(request)

    return access
