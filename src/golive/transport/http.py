"""HTTP helpers every client in golive shares: aiohttp sessions, bounded bodies, safe URLs and
messages, and the one mapping from what went wrong on the wire to a failure mode.

Both clients (aiohttp, and the kernel-stamped one in ``transport.stamped``) classify through
``status_failure_for``, ``connection_failure`` and ``framing_failure``, so a reply is recorded
the same whichever path read it.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from golive.errors import TargetFailure
from golive.schemas import FailureMode

__all__ = [
    "ERROR_BODY_BYTES",
    "MAX_BODY_BYTES",
    "connection_failure",
    "excerpt",
    "framing_failure",
    "make_session",
    "read_body",
    "redact",
    "safe_url",
    "status_failure",
    "status_failure_for",
]

# A non-streaming reply larger than this is not an answer; it is a runaway target.
MAX_BODY_BYTES = 32 * 1024 * 1024
# How much of an error reply's body is read for its excerpt.
ERROR_BODY_BYTES = 2048
_EXCERPT_CHARS = 200


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` masked."""
    return text.replace(secret, "***") if secret else text


def safe_url(url: str) -> str:
    """``url`` without user:password and query string, which may carry credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def excerpt(body: bytes) -> str:
    """A short, single-line, printable excerpt of a response body for error messages."""
    text = body[:ERROR_BODY_BYTES].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


def make_session(max_connections: int, connect_timeout_s: float) -> aiohttp.ClientSession:
    """One session per target; the pool is sized for the run's concurrency (0 = unlimited)."""
    connector = aiohttp.TCPConnector(limit=max_connections, limit_per_host=0)
    # No total timeout here: observe() owns the per-request deadline.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, raise_for_status=False)


def status_failure_for(
    status: int, reason: str, body: bytes, retry_after: str | None, secret: str | None
) -> TargetFailure:
    """The failure for a non-2xx reply: 429 is ``rate_limited`` (with its Retry-After), any
    other status ``http_error``; the message carries a bounded excerpt of the body."""
    detail = redact(excerpt(body), secret)
    head = f"HTTP {status} {reason or ''}".rstrip()
    if status == 429:
        message = f"{head} (Retry-After: {retry_after})" if retry_after else head
        return TargetFailure(FailureMode.RATE_LIMITED, _join(message, detail), status=429)
    return TargetFailure(FailureMode.HTTP_ERROR, _join(head, detail), status=status)


async def status_failure(resp: aiohttp.ClientResponse, secret: str | None) -> TargetFailure:
    """The failure for a non-2xx aiohttp response (see ``status_failure_for``)."""
    try:
        body = await resp.content.read(ERROR_BODY_BYTES)
    except (aiohttp.ClientError, OSError):
        body = b""
    retry = resp.headers.get("Retry-After")
    return status_failure_for(resp.status, resp.reason or "", body, retry, secret)


def _join(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def framing_failure(detail: str) -> TargetFailure:
    """A reply that is not valid HTTP/1.1 (a bad status line, ``Content-Length: abc``, a bad
    chunk size): the server broke the protocol, whichever client noticed."""
    return TargetFailure(FailureMode.PROTOCOL_ERROR, f"malformed HTTP reply: {detail}")


def connection_failure(
    exc: BaseException, secret: str | None, *, mid_stream: bool
) -> TargetFailure:
    """Classify an aiohttp/OS error: a reply aiohttp could not parse is the protocol; before
    the response it is the transport, after it the stream was cut (``truncated``); socket read
    timeouts are timeouts either way."""
    message = redact(f"{type(exc).__name__}: {exc}", secret)
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return TargetFailure(FailureMode.TIMEOUT, message)
    if _bad_framing(exc):
        return framing_failure(message)
    if mid_stream:
        return TargetFailure(FailureMode.TRUNCATED, f"connection lost mid-stream: {message}")
    return TargetFailure(FailureMode.TRANSPORT_ERROR, message)


def _bad_framing(exc: BaseException) -> bool:
    """Whether aiohttp raised ``exc`` because the reply's HTTP framing was invalid.

    aiohttp reports a parse error of the reply (``Content-Length: abc``, a bad chunk size) as
    ``ClientResponseError`` caused by its parser's ``HttpProcessingError``. A body cut short
    is a ``ClientPayloadError`` (whose cause is a parser error too): that stays ``truncated``.
    """
    from aiohttp import http_exceptions

    seen: set[int] = set()
    cause: BaseException | None = exc
    framing = False
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, aiohttp.ClientPayloadError):
            return False
        framing = framing or isinstance(cause, http_exceptions.HttpProcessingError)
        cause = cause.__cause__ or cause.__context__
    return framing


async def read_body(resp: aiohttp.ClientResponse, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refusing to buffer more than ``limit`` bytes."""
    if resp.content_length is not None and resp.content_length > limit:
        raise TargetFailure(
            FailureMode.OVERSIZED, f"response body of {resp.content_length} bytes exceeds {limit}"
        )
    parts: list[bytes] = []
    size = 0
    async for data in resp.content.iter_any():
        size += len(data)
        if size > limit:
            raise TargetFailure(FailureMode.OVERSIZED, f"response body exceeds {limit} bytes")
        parts.append(data)
    return b"".join(parts)
