"""What the HTTP targets share: sessions, API keys, and turning bad responses into failures.

Secrets stay out of everything a user might read: keys are read from the environment at
start, URLs are shown without credentials or query strings, and messages are redacted.
"""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from pydantic import Field, field_validator

from golive._validation import is_env_name, looks_like_secret, mask_secret, quote
from golive.errors import ConfigError, TargetFailure
from golive.registry import ComponentArgs
from golive.schemas import FailureMode, Usage

__all__ = [
    "MAX_BODY_BYTES",
    "connection_failure",
    "env_name_problem",
    "excerpt",
    "header_problem",
    "make_session",
    "parse_usage",
    "read_api_key",
    "read_body",
    "redact",
    "safe_url",
    "status_failure",
]

# A non-streaming reply larger than this is not an answer; it is a runaway target.
MAX_BODY_BYTES = 32 * 1024 * 1024
_EXCERPT_BYTES = 2048
_EXCERPT_CHARS = 200


def env_name_problem(value: str) -> str | None:
    """What is wrong with ``value`` as ``api_key_env``, never quoting a pasted key."""
    if looks_like_secret(value):
        return (
            "api_key_env must name an environment variable; the value given looks like a key "
            f"itself ({mask_secret(value)}). Put the key in a variable (export OPENAI_API_KEY=…) "
            "and name the variable here."
        )
    if not is_env_name(value):
        shown = quote(value) if len(value) < 20 else f"{mask_secret(value)} ({len(value)} chars)"
        return (
            f"api_key_env must name an environment variable (letters, digits and _, e.g. "
            f"OPENAI_API_KEY); got {shown}."
        )
    return None


def header_problem(headers: dict[str, str]) -> str | None:
    """What is wrong with ``headers``, naming the header but never showing its value."""
    for name, value in headers.items():
        if not name or any(c in name for c in " \t\r\n:\0") or not name.isprintable():
            return f"header name {quote(name, 60)} is not a valid HTTP header name."
        if any(c in value for c in "\r\n\0"):
            return (
                f"the value of header {name!r} holds a line break or NUL; header values are "
                "one line (the value is not shown: it may be a secret)."
            )
    return None


def read_api_key(env_name: str | None, *, field: str) -> str | None:
    """The key held in ``$env_name`` (None when no variable is named)."""
    if env_name is None:
        return None
    problem = env_name_problem(env_name)
    if problem:
        raise ConfigError(problem, field=field)
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(
            f"environment variable {env_name} is not set; export it or change the name.",
            field=field,
        )
    return value


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
    text = body[:_EXCERPT_BYTES].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


def make_session(max_connections: int, connect_timeout_s: float) -> aiohttp.ClientSession:
    """One session per target; the pool is sized for the run's concurrency (0 = unlimited)."""
    connector = aiohttp.TCPConnector(limit=max_connections, limit_per_host=0)
    # No total timeout here: observe() owns the per-request deadline.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, raise_for_status=False)


async def status_failure(resp: aiohttp.ClientResponse, secret: str | None) -> TargetFailure:
    """The failure for a non-2xx response, with a bounded excerpt of its body."""
    try:
        body = await resp.content.read(_EXCERPT_BYTES)
    except (aiohttp.ClientError, OSError):
        body = b""
    detail = redact(excerpt(body), secret)
    head = f"HTTP {resp.status} {resp.reason or ''}".rstrip()
    if resp.status == 429:
        retry = resp.headers.get("Retry-After")
        message = f"{head} (Retry-After: {retry})" if retry else head
        return TargetFailure(FailureMode.RATE_LIMITED, _join(message, detail), status=429)
    return TargetFailure(FailureMode.HTTP_ERROR, _join(head, detail), status=resp.status)


def _join(head: str, detail: str) -> str:
    return f"{head}: {detail}" if detail else head


def connection_failure(
    exc: BaseException, secret: str | None, *, mid_stream: bool
) -> TargetFailure:
    """Classify an aiohttp/OS error: before the response it is the transport, after it the
    stream was cut (``truncated``); socket read timeouts are timeouts either way."""
    message = redact(f"{type(exc).__name__}: {exc}", secret)
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return TargetFailure(FailureMode.TIMEOUT, message)
    if mid_stream:
        return TargetFailure(FailureMode.TRUNCATED, f"connection lost mid-stream: {message}")
    return TargetFailure(FailureMode.TRANSPORT_ERROR, message)


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


def parse_usage(raw: object) -> Usage | None:
    """Token counts from a ``usage`` object (OpenAI or Anthropic-style names)."""
    if not isinstance(raw, dict):
        return None
    prompt = raw.get("prompt_tokens", raw.get("input_tokens"))
    completion = raw.get("completion_tokens", raw.get("output_tokens"))
    return Usage(
        prompt_tokens=prompt if isinstance(prompt, int) else None,
        completion_tokens=completion if isinstance(completion, int) else None,
    )


class HttpConnectionArgs(ComponentArgs):
    """Connection settings shared by the targets that speak HTTP."""

    url: str = Field(description="The endpoint URL.")
    max_connections: int = Field(
        default=1024, ge=0, description="Connection pool size; 0 means unlimited."
    )
    connect_timeout_s: float = Field(
        default=10.0, gt=0, allow_inf_nan=False, description="Seconds to open a connection."
    )

    # The targets that speak HTTP carry these two fields; neither value is ever echoed.
    @field_validator("api_key_env", check_fields=False)
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        problem = env_name_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("headers", check_fields=False)
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        problem = header_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value
