"""The ``http`` target: any JSON endpoint, described by a body template and a JSONPath.

The body template is walked as a structure, never formatted as text: a string that is
exactly ``"{{messages}}"`` becomes the messages list, ``"{{max_tokens}}"`` the number, and a
placeholder inside a longer string is replaced by its text. So user input can never break
the JSON it is placed in.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import aiohttp
from jsonpath_ng import JSONPath
from jsonpath_ng.ext.parser import parse as parse_jsonpath
from pydantic import Field, ValidationInfo, field_validator

from golive._redact import show_headers_problem
from golive._unicode import clean_text
from golive.errors import TargetFailure
from golive.registry import target
from golive.schemas import Chunk, FailureMode, Request, StreamEnd, Usage
from golive.targets._http import HttpConnectionArgs, read_api_key
from golive.targets.base import StreamItem
from golive.transport.http import (
    MAX_BODY_BYTES,
    connection_failure,
    excerpt,
    make_session,
    read_body,
    safe_url,
    status_failure,
)
from golive.transport.openai import parse_usage
from golive.transport.route import RawRoute
from golive.transport.stamped import StampedPool, stamped_supported

__all__ = ["PLACEHOLDERS", "HTTPArgs", "HTTPTarget", "render_body"]

PLACEHOLDERS = ("input", "messages", "system", "max_tokens", "temperature", "seed")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class HTTPArgs(HttpConnectionArgs):
    """A JSON-over-HTTP endpoint that returns the whole answer at once."""

    kind: Literal["http"] = "http"
    url: str = Field(description="The endpoint URL.")
    method: Literal["POST", "PUT", "GET"] = Field(default="POST", description="HTTP method.")
    headers: dict[str, str] = Field(
        default_factory=dict, repr=False, description="Extra headers; kept out of reports."
    )
    show_headers: list[str] = Field(
        default_factory=list,
        description="Headers (of ``headers``) whose values reports may show; every other "
        "header value is masked. Never a credential (Authorization, X-Api-Key…).",
        examples=[["X-Request-Source"]],
    )
    api_key_env: str | None = Field(
        default=None, description="Name of the environment variable holding the API key."
    )
    api_key_header: str = Field(
        default="Authorization",
        description="Header carrying the key: 'Authorization' gets 'Bearer <key>', "
        "any other header the bare key.",
    )
    body: Any = Field(
        default_factory=lambda: {"input": "{{input}}"},
        description="JSON body template; strings may hold {{input}}, {{messages}}, {{system}}, "
        "{{max_tokens}}, {{temperature}}, {{seed}}.",
    )
    output_path: str = Field(description="JSONPath to the answer text, e.g. $.choices[0].text.")
    usage_path: str | None = Field(
        default=None, description="JSONPath to a usage object with token counts (optional)."
    )

    @field_validator("output_path", "usage_path")
    @classmethod
    def _jsonpath(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_jsonpath(value)
            except Exception as exc:  # the parser raises several kinds, not only JSONPathError
                raise ValueError(f"not a valid JSONPath: {exc}") from None
        return value

    @field_validator("body")
    @classmethod
    def _known_placeholders(cls, value: Any) -> Any:
        unknown = sorted(_placeholders(value) - set(PLACEHOLDERS))
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{{{unknown[0]}}}}}; known: {', '.join(PLACEHOLDERS)}"
            )
        return value

    @field_validator("show_headers")
    @classmethod
    def _shown_headers(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # ``headers`` is declared first, so it is validated (or failed) by now.
        problem = show_headers_problem(info.data.get("headers") or {}, value)
        if problem:
            raise ValueError(problem)
        return value


def _placeholders(template: Any) -> set[str]:
    if isinstance(template, str):
        return set(_PLACEHOLDER.findall(template))
    if isinstance(template, dict):
        return set().union(*(_placeholders(v) for v in template.values()))
    if isinstance(template, list):
        return set().union(*(_placeholders(v) for v in template))
    return set()


def _values(request: Request) -> dict[str, Any]:
    user = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    system = next((m.content for m in request.messages if m.role == "system"), "")
    return {
        "input": user,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "system": system,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "seed": request.seed,
    }


def render_body(template: Any, request: Request) -> Any:
    """The template with placeholders replaced by the request's values."""
    values = _values(request)

    def text(value: Any) -> str:
        if value is None:
            return ""
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            whole = _PLACEHOLDER.fullmatch(node)
            if whole:
                return values[whole.group(1)]  # keeps its type: list, int, null
            return _PLACEHOLDER.sub(lambda m: text(values[m.group(1)]), node)
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    return walk(template)


@target("http", args=HTTPArgs)
class HTTPTarget:
    """Any JSON endpoint: a templated request, the answer found by JSONPath."""

    def __init__(self, args: HTTPArgs) -> None:
        self.args = args
        self._output: JSONPath = parse_jsonpath(args.output_path)
        self._usage: JSONPath | None = parse_jsonpath(args.usage_path) if args.usage_path else None
        self._session: aiohttp.ClientSession | None = None
        self._stamped: StampedPool | None = None
        self._key: str | None = None
        self._headers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"HTTPTarget(url={safe_url(self.args.url)!r}, method={self.args.method!r})"

    async def start(self) -> None:
        self._key = read_api_key(self.args.api_key_env, field="target.api_key_env")
        self._headers = {"Content-Type": "application/json", **self.args.headers}
        if self._key:
            bearer = self.args.api_key_header.lower() == "authorization"
            self._headers[self.args.api_key_header] = f"Bearer {self._key}" if bearer else self._key
        if self._session is None:
            self._session = make_session(self.args.max_connections, self.args.connect_timeout_s)
        if self._stamped is None and stamped_supported(self.args.url):
            # For the load engine's raw route: replies read with kernel arrival stamps.
            self._stamped = StampedPool(
                self.args.url,
                self._headers,
                self.args.connect_timeout_s,
                self.args.max_connections,
                method=self.args.method,
                content_type=None,
            )

    async def close(self) -> None:
        stamped, self._stamped = self._stamped, None
        if stamped is not None:
            stamped.close()
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def raw_route(self) -> RawRoute | None:
        """The load engine's fast path (``targets.base.RawStreaming``), once started: the
        whole reply read raw (kernel-stamped on plain http:// on Linux), judged like
        ``stream`` by ``_BodyDecoder``."""
        if self._session is None:
            return None
        return RawRoute(
            encode=self._encode,
            decoder=lambda: _BodyDecoder(self),
            session=self._session,
            url=self.args.url,
            headers=self._headers,
            stamped=self._stamped,
            method=self.args.method,
            content_type=None,
        )

    def _encode(self, request: Request) -> bytes:
        return json.dumps(render_body(self.args.body, request), ensure_ascii=False).encode()

    def fingerprint(self) -> dict[str, str]:
        return {"kind": "http", "url": safe_url(self.args.url), "method": self.args.method}

    async def validate(self) -> str | None:
        # A generic endpoint has no health route; the first request tells.
        return None

    async def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        if self._session is None:
            raise RuntimeError(f"{self!r} was used before start()")
        body = self._encode(request)
        got_response = False
        try:
            async with self._session.request(
                self.args.method,
                self.args.url,
                data=None if self.args.method == "GET" else body,
                headers=self._headers,
            ) as resp:
                got_response = True
                if resp.status >= 300:
                    raise await status_failure(resp, self._key)
                raw = await read_body(resp)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise connection_failure(exc, self._key, mid_stream=got_response) from None
        t_ns = time.perf_counter_ns()
        text, usage = self._reply(raw)
        yield Chunk(text, t_ns)
        yield StreamEnd("stop", usage)

    def _reply(self, raw: bytes) -> tuple[str, Usage | None]:
        """The answer and usage in a whole reply body; ``TargetFailure`` when not found."""
        try:
            data = json.loads(raw)
        except ValueError:
            raise TargetFailure(
                FailureMode.PROTOCOL_ERROR, f"reply is not JSON: {excerpt(raw)}"
            ) from None
        text = self._text(data)
        usage = None
        if self._usage is not None:
            found = self._usage.find(data)
            usage = parse_usage(found[0].value) if found else None
        return text, usage

    def _text(self, data: Any) -> str:
        found = self._output.find(data)
        if not found:
            raise TargetFailure(
                FailureMode.PROTOCOL_ERROR,
                f"output_path {self.args.output_path} matched nothing in: "
                f"{excerpt(json.dumps(data).encode())}",
            )
        value = found[0].value
        if isinstance(value, str):
            return clean_text(value)  # JSON may hold lone surrogates: see golive._unicode
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise TargetFailure(
            FailureMode.PROTOCOL_ERROR,
            f"output_path {self.args.output_path} matched a {type(value).__name__}, not text",
        )


class _BodyDecoder:
    """A whole-body reply decoded for the load engine (``transport.exchange.StreamDecoder``):
    the answer is one chunk, stamped when the body's last bytes arrived."""

    __slots__ = ("_parts", "_size", "_t_ns", "_target", "done", "finish", "tokens")

    def __init__(self, target: HTTPTarget) -> None:
        self._target = target
        self._parts: list[bytes] = []
        self._size = 0
        self._t_ns = 0
        self.done = False  # the content ends with the body
        self.finish: str | None = None
        self.tokens: int | None = None

    def feed(self, data: bytes, t_ns: int) -> list[Chunk]:
        self._size += len(data)
        if self._size > MAX_BODY_BYTES:
            raise TargetFailure(
                FailureMode.OVERSIZED, f"response body exceeds {MAX_BODY_BYTES} bytes"
            )
        self._parts.append(data)
        self._t_ns = t_ns
        return []

    def flush(self) -> list[Chunk]:
        return []

    def close(self) -> list[Chunk | StreamEnd]:
        text, usage = self._target._reply(b"".join(self._parts))
        self.finish = "stop"
        self.tokens = usage.completion_tokens if usage is not None else None
        return [Chunk(text, self._t_ns), StreamEnd("stop", usage)]
