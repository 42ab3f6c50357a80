"""The ``openai`` target: any OpenAI-compatible chat-completions endpoint, streamed over SSE.

Each content delta becomes a ``Chunk`` stamped when its bytes arrived; the final usage chunk
becomes ``StreamEnd``. Every way the server can misbehave is raised as ``TargetFailure``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from pydantic import Field, ValidationInfo, field_validator

from golive._redact import show_headers_problem
from golive._unicode import clean_text
from golive.errors import ConfigError, TargetFailure
from golive.registry import target
from golive.schemas import Chunk, FailureMode, Request, StreamEnd
from golive.targets._http import HttpConnectionArgs, read_api_key
from golive.targets.base import StreamItem
from golive.transport.http import (
    MAX_BODY_BYTES,
    connection_failure,
    make_session,
    read_body,
    redact,
    safe_url,
    status_failure,
)
from golive.transport.openai import (
    OpenAIStreamDecoder,
    ends_with_done,
    finish_reason,
    first_choice,
    loads_object,
    parse_usage,
    raise_reply_error,
)
from golive.transport.route import RawRoute
from golive.transport.stamped import StampedPool, stamped_reads, stamped_supported

__all__ = ["OpenAIArgs", "OpenAITarget"]

_COMPLETIONS = "/chat/completions"


class OpenAIArgs(HttpConnectionArgs):
    """An OpenAI-compatible chat-completions endpoint."""

    kind: Literal["openai"] = "openai"
    url: str = Field(
        description="Base URL ending in /v1, or the full …/chat/completions URL.",
        examples=["http://127.0.0.1:8000/v1"],
    )
    model: str = Field(description="Model name sent with every request.")
    api_key_env: str | None = Field(
        default=None,
        description="Name of the environment variable holding the API key (never the key itself).",
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        repr=False,
        description="Extra HTTP headers; kept out of reports and fingerprints.",
    )
    show_headers: list[str] = Field(
        default_factory=list,
        description="Headers (of ``headers``) whose values reports may show; every other "
        "header value is masked. Never a credential (Authorization, X-Api-Key…).",
        examples=[["X-Request-Source"]],
    )
    stream: bool = Field(default=True, description="Stream the reply (SSE); false: one JSON reply.")
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="Extra fields merged into every request body."
    )
    validate_timeout_s: float = Field(
        default=5.0,
        gt=0,
        allow_inf_nan=False,
        description="Seconds allowed for the reachability check (GET /models).",
    )

    @field_validator("show_headers")
    @classmethod
    def _shown_headers(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # ``headers`` is declared first, so it is validated (or failed) by now.
        problem = show_headers_problem(info.data.get("headers") or {}, value)
        if problem:
            raise ValueError(problem)
        return value


def _endpoints(url: str) -> tuple[str, str]:
    """(chat completions URL, models URL) from either form the user may give.

    The query string is kept on both (Azure-style ``?api-version=``).
    """
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith(_COMPLETIONS):
        path = path[: -len(_COMPLETIONS)]
    return (
        urlunsplit(parts._replace(path=path + _COMPLETIONS)),
        urlunsplit(parts._replace(path=path + "/models")),
    )


@target("openai", args=OpenAIArgs)
class OpenAITarget:
    """An OpenAI-compatible chat-completions endpoint, streamed."""

    def __init__(self, args: OpenAIArgs, *, field: str = "target") -> None:
        """``field``: where these args live in the config, for error messages (a generator
        model is ``diversity.generator``)."""
        self.args = args
        self._field = field
        self._completions, self._models = _endpoints(args.url)
        self._model = args.model
        self._session: aiohttp.ClientSession | None = None
        self._stamped: StampedPool | None = None
        self._version: str | None = None  # what /v1/models says of the model, if anything
        self._listed: tuple[str, ...] | None = None  # the models /v1/models lists, if it does
        self._answered = False  # some request got a 2xx: a later 404 is the target's own
        self._key: str | None = None
        self._headers: dict[str, str] = {}

    def _set_endpoint(self, url: str, model: str) -> None:
        """Point the target elsewhere before ``start`` (the demo target learns its port late)."""
        self._completions, self._models = _endpoints(url)
        self._model = model

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.base_url!r}, model={self._model!r})"

    @property
    def model(self) -> str:
        """The model every request names."""
        return self._model

    @property
    def base_url(self) -> str:
        """The base URL (…/v1), without credentials or query string: safe to show."""
        return safe_url(self._models).removesuffix("/models")

    async def start(self) -> None:
        self._key = read_api_key(self.args.api_key_env, field="target.api_key_env")
        if self._key and urlsplit(self._completions).username is not None:
            raise ConfigError(
                "holds user:password and api_key_env is set too; keep one of them.",
                field="target.url",
            )
        self._headers = {"Content-Type": "application/json", **self.args.headers}
        if self._key:
            self._headers["Authorization"] = f"Bearer {self._key}"
        if self._session is None:
            self._session = make_session(self.args.max_connections, self.args.connect_timeout_s)
        if self.args.stream and self._stamped is None and stamped_supported(self._completions):
            # Streams are read with kernel arrival stamps: see transport.stamped.
            self._stamped = StampedPool(
                self._completions,
                self._headers,
                self.args.connect_timeout_s,
                self.args.max_connections,
                ends=ends_with_done,
            )

    async def close(self) -> None:
        stamped, self._stamped = self._stamped, None
        if stamped is not None:
            stamped.close()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def raw_route(self) -> RawRoute | None:
        """The load engine's fast path (``targets.base.RawStreaming``): streamed replies only,
        once started; kernel-stamped where the endpoint allows."""
        if not self.args.stream or self._session is None:
            return None
        return RawRoute(
            encode=self._body,
            decoder=OpenAIStreamDecoder,
            session=self._session,
            url=self._completions,
            headers=self._headers,
            stamped=self._stamped,
            ends=ends_with_done,
        )

    def fingerprint(self) -> dict[str, str]:
        """Kind, URL and model; after ``validate``, the version the server reports too."""
        found = {"kind": "openai", "url": self.base_url, "model": self._model}
        return {**found, "version": self._version} if self._version else found

    async def validate(self) -> str | None:
        """Reachability, and the model against ``/models`` where the server lists them.

        Raises:
            ConfigError: the server lists its models and ``target.model`` is not one of them.
        """
        session = self._require_session()
        timeout = aiohttp.ClientTimeout(total=self.args.validate_timeout_s)
        url = self._models
        try:
            async with session.get(url, headers=self._headers, timeout=timeout) as resp:
                if resp.status in (401, 403):
                    return f"{safe_url(url)} rejected the API key (HTTP {resp.status})."
                if resp.status >= 500:
                    return f"{safe_url(url)} answered HTTP {resp.status}."
                # 404/405: a server that does not list models is still reachable.
                if resp.status == 200:
                    with contextlib.suppress(TargetFailure):  # a huge list says nothing
                        listing = await read_body(resp, limit=1024 * 1024)
                        self._version = _reported_version(listing, self._model)
                        self._listed = _listed_models(listing)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            message = redact(f"{type(exc).__name__}: {exc}", self._key)
            return f"cannot reach {safe_url(url)}: {message}"
        if self._listed and self._model not in self._listed:
            raise ConfigError(
                f"{self.base_url} does not serve model {self._model!r}; it serves "
                f"{_names(self._listed)}. Set {self._flag('model')} to one of them.",
                field=f"{self._field}.model",
            )
        return None

    def _first_404(self, failure: TargetFailure) -> None:
        """A 404 before any request succeeded means no such model or endpoint: every other
        request would fail the same way, so the run stops with a config error (exit 4)."""
        if failure.status != 404 or self._answered:
            return
        listed = (
            f"it serves {_names(self._listed)}"
            if self._listed
            else "the server does not list its models at /models"
        )
        raise ConfigError(
            f"{safe_url(self._completions)} answered the first request for model "
            f"{self._model!r} with {failure.message}. Check {self._flag('model')} and "
            f"{self._flag('url')}; {listed}.",
            field=f"{self._field}.model",
        )

    def _flag(self, name: str) -> str:
        """``target.model (--model)``: the config field, and the flag where there is one."""
        return f"{self._field}.{name}" + (f" (--{name})" if self._field == "target" else "")

    def _require_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError(f"{self!r} was used before start()")
        return self._session

    def _body(self, request: Request) -> bytes:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        if self.args.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.seed is not None:
            body["seed"] = request.seed
        body.update(self.args.extra_body)
        return json.dumps(body, ensure_ascii=False).encode()

    async def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        session = self._require_session()
        data = self._body(request)
        if self._stamped is not None:
            reads = stamped_reads(self._stamped, data, MAX_BODY_BYTES)
            try:
                async for item in self._events(reads):
                    self._answered = True
                    yield item
            except TargetFailure as failure:
                failure.message = redact(failure.message, self._key)
                self._first_404(failure)
                raise
            return
        got_response = False
        try:
            async with session.post(self._completions, data=data, headers=self._headers) as resp:
                got_response = True
                if resp.status >= 300:
                    refused = await status_failure(resp, self._key)
                    self._first_404(refused)
                    raise refused
                self._answered = True
                items = self._sse(resp) if self.args.stream else self._json(resp)
                async for item in items:
                    yield item
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise connection_failure(exc, self._key, mid_stream=got_response) from None

    async def _json(self, resp: aiohttp.ClientResponse) -> AsyncIterator[StreamItem]:
        body = await read_body(resp)
        t_ns = time.perf_counter_ns()
        obj = loads_object(body, what="response body")
        raise_reply_error(obj, self._key)
        choice = first_choice(obj)
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if content is not None and not isinstance(content, str):
            raise TargetFailure(FailureMode.PROTOCOL_ERROR, "message.content is not a string")
        if content:
            yield Chunk(clean_text(content), t_ns)
        yield StreamEnd(finish_reason(choice), parse_usage(obj.get("usage")))

    async def _sse(self, resp: aiohttp.ClientResponse) -> AsyncIterator[StreamItem]:
        if resp.content_type != "text/event-stream":
            raise TargetFailure(
                FailureMode.PROTOCOL_ERROR,
                f"asked for a stream but got Content-Type {resp.content_type!r}, "
                f"not 'text/event-stream'",
                status=resp.status,
            )
        async for item in self._events(_timed(resp.content.iter_any())):
            yield item

    async def _events(self, reads: AsyncIterator[tuple[bytes, int]]) -> AsyncIterator[StreamItem]:
        """Chunks and the end from a stream's reads, each read with its arrival time."""
        decoder = OpenAIStreamDecoder(self._key)
        async for raw, t_ns in reads:
            for chunk in decoder.feed(raw, t_ns):
                yield chunk
            if decoder.done:
                break
        for item in decoder.close():
            yield item


def _reported_version(body: bytes, model: str) -> str | None:
    """The version a ``/v1/models`` reply gives for ``model``: its ``version``, ``revision``
    or ``root`` (vLLM: the weights it serves) field; None when it says nothing usable."""
    try:
        listed = json.loads(body).get("data")
    except (ValueError, AttributeError):
        return None
    entry = (
        next(
            (e for e in listed if isinstance(e, dict) and e.get("id") == model),
            None,
        )
        if isinstance(listed, list)
        else None
    )
    if entry is None:
        return None
    for key in ("version", "revision", "root"):
        value = entry.get(key)
        if isinstance(value, str) and value and value != model:
            return value[:200]
    return None


def _listed_models(body: bytes) -> tuple[str, ...] | None:
    """The model ids a ``/v1/models`` reply lists; None when it is not such a list."""
    try:
        listed = json.loads(body).get("data")
    except (ValueError, AttributeError):
        return None
    if not isinstance(listed, list):
        return None
    ids = tuple(e["id"] for e in listed if isinstance(e, dict) and isinstance(e.get("id"), str))
    return ids or None


def _names(models: tuple[str, ...], most: int = 20) -> str:
    shown = ", ".join(repr(m) for m in models[:most])
    return shown if len(models) <= most else f"{shown} and {len(models) - most} more"


async def _timed(reads: AsyncIterator[bytes]) -> AsyncIterator[tuple[bytes, int]]:
    async for raw in reads:
        yield raw, time.perf_counter_ns()  # arrival of these bytes, before any parsing
