"""``golive proxy``: an OpenAI-compatible gateway (aiohttp) that applies golive.guard.

``POST /v1/chat/completions`` (streamed or not) and ``GET /v1/models`` go to the upstream;
input guards check the last user message first (block: HTTP 400 in OpenAI's error format,
code ``content_blocked``; redact: the redacted text is forwarded), then, as documents
(``origin="document"``), every message whose content the application did not write: a
``tool`` (or legacy ``function``) message, or one whose ``name`` marks it untrusted
(``untrusted``, ``untrusted-web``; see ``_proxy_body``). A request without such messages
costs what it did before. Output guards check the
reply: a blocked non-streamed reply becomes a refusal with ``finish_reason: "content_filter"``;
streams are relayed as they flow (see ``_proxy_stream``). ``GET /metrics`` is Prometheus
text; ``GET /health`` is liveness. The Authorization header goes to the upstream untouched
and is never logged or stored; neither is the upstream's URL ever shown to a client.
Each exchange goes to the ``ExchangeLog`` the proxy is given, if any (``golive proxy`` gives
it the store's, ``golive.store.proxy_log``), with its texts excerpted and PII redacted.

Guard work never holds up other requests: a text is scanned only up to ``max_scan_chars``
(a longer one is refused unscanned), and a text longer than ``inline_scan_chars`` is checked
in the guard process (``_proxy_offload``). A client gets ``client_header_timeout_s`` to send
a request head and ``client_body_timeout_s`` to send its body; a client that leaves is logged
as ``client_disconnected``, not as an upstream failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol

import aiohttp
from aiohttp import web

from golive._redact import redact_url
from golive.errors import TargetSetupError
from golive.guard._proxy_body import (
    DOCUMENT_ROLES,
    BodyError,
    Oversized,
    documents,
    excerpt,
    last_user,
    parse_body,
    text_of,
)
from golive.guard._proxy_metrics import MetricsShare, ProxyMetrics
from golive.guard._proxy_offload import GuardRunner, GuardStopped
from golive.guard._proxy_stream import HoldbackRedactor, StreamRelay, sse
from golive.guard.base import Action
from golive.guard.chain import ChainOutcome, GuardChain
from golive.guard.config import ProxyConfig
from golive.guard.pii import PiiGuard

__all__ = [
    "REFUSAL",
    "TOKEN_HEADER",
    "Exchange",
    "ExchangeLog",
    "GuardProxy",
    "display_url",
    "proxy_access",
]

REFUSAL = "I can't help with that: the reply was withheld by a content guard."
_PUBLISH_EVERY_S = 0.5  # --workers: how stale another worker's counters may be in /metrics
_FORWARD_HEADERS = ("Authorization", "OpenAI-Organization", "OpenAI-Project")
# The proxy's own token: Authorization carries the upstream's key, forwarded as it came.
TOKEN_HEADER = "X-Golive-Token"
_LARGE_BODY_BYTES = 256 * 1024  # larger bodies are parsed in the guard process


def _error(
    status: int, message: str, type_: str, code: str | None = None, param: str | None = None
) -> web.Response:
    body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
    return web.json_response(body, status=status)


def display_url(url: str) -> str:
    """``url`` safe to print: user and password, and every query value, replaced by ``***``."""
    return redact_url(url)


def _passed_through(header: str) -> bool:
    """Upstream headers a client needs on an error: when to retry, its limits, the request id."""
    h = header.lower()
    return h in ("retry-after", "x-request-id") or h.startswith("x-ratelimit-")


@dataclass(slots=True)
class Exchange:
    """One request through the proxy, as the log stores it (a ``proxy_exchanges`` row).

    Filled in while the request goes through the proxy (the fields hold what is known so far,
    the defaults what a request that got nothing further is logged as) and handed to the log
    once, when the reply has left; the log then keeps only a redacted excerpt of the texts.
    """

    path: str = "/v1/chat/completions"
    stream: bool = False
    status: int = 400  # what the client got
    upstream_status: int | None = None
    outcome: str = "internal_error"  # every handled path sets its own
    input_action: str = "allow"
    output_action: str = "allow"
    input_text: str | None = None
    output_text: str | None = None
    model: str | None = None
    decisions_json: list[dict[str, Any]] = field(default_factory=list)
    """One entry a guard that ran: stage, guard, action, kinds, reasons, ms (see _record)."""
    upstream_ms: float | None = None
    ttft_ms: float | None = None
    latency_ms: float | None = None
    created_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        """The row the log writes: one key a column."""
        return {name: getattr(self, name) for name in _EXCHANGE_COLUMNS}


_EXCHANGE_COLUMNS = tuple(f.name for f in fields(Exchange))


class ExchangeLog(Protocol):
    """Where the proxy records its exchanges (``golive.store.proxy_log.StoreExchangeLog``
    writes them to the store). The proxy closes it when it stops.
    """

    def put(self, exchange: Exchange) -> None:
        """Take one finished exchange (texts already excerpted and redacted). Called on the
        event loop, so it must not block; the proxy does not touch ``exchange`` afterwards."""

    def flush(self) -> None:
        """Return once every exchange put so far is recorded (called in a thread)."""

    def close(self) -> None:
        """Record what is still pending and release the log (called in a thread)."""


class _BadRequest(Exception):
    def __init__(
        self,
        message: str,
        param: str | None = None,
        status: int = 400,
        outcome: str = "bad_request",
    ) -> None:
        super().__init__(message)
        self.param, self.status, self.outcome = param, status, outcome


class _ClientGone(Exception):
    """The client closed its connection: nothing more can reach it."""


def proxy_access(host: str, port: int, token: str | None, allow_hosts: Iterable[str] = ()) -> Any:
    """The proxy's Host check (against DNS rebinding) and optional token
    (``X-Golive-Token``), as ``golive serve`` has them (``golive._http_access``)."""
    from golive._http_access import access_middleware

    return access_middleware(host, port, token, tuple(allow_hosts), token_header=TOKEN_HEADER)


class GuardProxy:
    """``async with GuardProxy(upstream, config) as proxy: proxy.url``.

    Args:
        upstream: the upstream's OpenAI base URL, e.g. ``http://127.0.0.1:8000/v1``.
        log: where each exchange is recorded (the proxy closes it when it stops); None
            records nothing.
    """

    def __init__(
        self,
        upstream: str,
        config: ProxyConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: ExchangeLog | None = None,
        reuse_port: bool = False,
        share: MetricsShare | None = None,
        middlewares: Iterable[Any] = (),
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.config = config or ProxyConfig()
        self.input_chain, self.output_chain = self.config.chains()
        self.host, self.port = host, port
        self.metrics = ProxyMetrics()
        self.log = log
        # Stored texts are redacted whatever the config says (only an excerpt is stored).
        self._log_pii = GuardChain([PiiGuard()])
        chains = {"log": self._log_pii}
        chains |= {"input": self.input_chain} if self.input_chain is not None else {}
        chains |= {"output": self.output_chain} if self.output_chain is not None else {}
        # A guard that asks a model over HTTP waits a round trip: never on the event loop.
        remote = any(
            getattr(getattr(g, "args", None), "guard_model", None) is not None
            for c in chains.values()
            for g in c.guards
        )
        self._inline_chars = -1 if remote else self.config.inline_scan_chars
        self._guards = GuardRunner(
            chains, inline_chars=self._inline_chars, processes=self.config.guard_processes
        )
        self._log_tasks: set[asyncio.Task[None]] = set()
        self._middlewares = tuple(middlewares)  # e.g. a Host check or a bearer token
        self._stream_pii = next(
            (
                g
                for g in (self.output_chain.guards if self.output_chain else ())
                if isinstance(g, PiiGuard)
            ),
            None,
        )
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url: str | None = None
        # --workers: several processes share the port and publish their metrics to each other.
        self._reuse_port = reuse_port
        self._share = share
        self._publisher: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the proxy is not started")
        return self._url

    @property
    def upstream_display(self) -> str:
        """The upstream's URL as it may be printed: credentials and query values masked."""
        return display_url(self.upstream)

    def build_app(self) -> web.Application:
        """The aiohttp application (its middlewares are the ones passed to the constructor)."""
        app = web.Application(
            client_max_size=self.config.max_body_bytes, middlewares=self._middlewares
        )
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/health", self._health)
        return app

    async def start(self) -> str:
        self.warm_up()
        # Before anything listens: the forked guard process holds none of the proxy's sockets.
        await self._guards.start()
        app = self.build_app()
        timeout = aiohttp.ClientTimeout(
            total=self.config.upstream_timeout_s, sock_connect=self.config.connect_timeout_s
        )
        # No cookie jar: one user's upstream cookies must never ride on another user's request.
        self._session = aiohttp.ClientSession(
            timeout=timeout,
            connector=aiohttp.TCPConnector(limit=1024),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        # aiohttp closes a connection that has no complete request head after
        # keepalive_timeout: the first request's, or the next one's on a kept-alive connection.
        # After an early answer (408, 413) aiohttp reads what is left of the body for
        # lingering_time before it closes: a second, not its 10, for a client that stalls.
        runner = web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=1.0,
            lingering_time=1.0,
            keepalive_timeout=self.config.client_header_timeout_s,
        )
        await runner.setup()
        try:
            await web.TCPSite(
                runner, self.host, self.port, reuse_port=self._reuse_port or None
            ).start()
        except OSError as err:
            await runner.cleanup()
            await self._session.close()
            await self._guards.close()
            raise TargetSetupError(
                f"the proxy cannot listen on {self.host}:{self.port}: {err.strerror or err}; "
                "pick another --port (0 picks a free one)."
            ) from err
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://{host}:{port}/v1"
        if self._share is not None:
            self._publisher = asyncio.get_running_loop().create_task(self._publish())
        return self._url

    def warm_up(self) -> None:
        """Build what the guards build on first use (the injection corpus index, a local
        classifier) now, so the first request does not wait for it."""
        if self.input_chain is not None:
            self.input_chain.check_detailed("How do I reset my password?", stage="input")
            self.input_chain.check_detailed("Order 1042 shipped on 3 May.", origin="document")
        if self.output_chain is not None:
            self.output_chain.check_detailed("Open Settings.", stage="output", context="Hi")
        self._log_pii.check_detailed("Mail jo@example.com", stage="output")

    async def _publish(self) -> None:
        assert self._share is not None
        while True:
            await asyncio.to_thread(self._share.publish, self.metrics)
            await asyncio.sleep(_PUBLISH_EVERY_S)

    async def stop(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await publisher
        # Guard work first: a request waiting on it ends now (503), so stopping never waits
        # for a scan, and the rows still to be redacted for the log are dropped unredacted.
        await self._guards.close()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._log_tasks:
            await asyncio.gather(*self._log_tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self.log is not None:
            await asyncio.to_thread(self.log.close)
            self.log = None
        self._url = None

    async def __aenter__(self) -> GuardProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _health(self, request: web.Request) -> web.Response:
        # Never the upstream's URL: it may carry credentials, and any client can ask.
        return web.json_response({"status": "ok", "pid": os.getpid()})

    async def _metrics(self, request: web.Request) -> web.Response:
        metrics = self.metrics
        if self._share is not None:  # the whole proxy: this worker live, the others as shared
            metrics = metrics.combined(await asyncio.to_thread(self._share.others))
        return web.Response(
            text=metrics.render(),
            content_type="text/plain",
            headers={"X-Format": "prometheus 0.0.4"},
        )

    def _headers(self, request: web.Request) -> dict[str, str]:
        headers = {k: request.headers[k] for k in _FORWARD_HEADERS if k in request.headers}
        headers["Content-Type"] = "application/json"
        return headers

    async def _models(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        try:
            async with self._session.get(
                f"{self.upstream}/models", headers=self._headers(request)
            ) as up:
                body = await up.read()
                ctype = up.headers.get("Content-Type", "application/json")
                return web.Response(body=body, status=up.status, headers={"Content-Type": ctype})
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return self._upstream_error(exc)

    def _upstream_error(self, exc: BaseException) -> web.Response:
        if isinstance(exc, TimeoutError):
            self.metrics.request("upstream_timeout")
            return _error(
                504, "the upstream did not answer in time", "server_error", "upstream_timeout"
            )
        if isinstance(exc, aiohttp.ClientPayloadError):  # it answered, then broke off
            self.metrics.request("stream_broken")
            why = f"the upstream's reply broke off ({type(exc).__name__})"
            return _error(502, why, "server_error", "stream_broken")
        self.metrics.request("upstream_unreachable")
        why = f"the upstream cannot be reached ({type(exc).__name__})"
        return _error(502, why, "server_error", "upstream_unreachable")

    async def _read(self, request: web.Request) -> dict[str, Any] | Oversized:
        if request.content_type != "application/json":
            raise _BadRequest(
                f"Content-Type must be application/json, not {request.content_type[:60]!r}"
            )
        limit = self.config.max_body_bytes
        too_large = _BadRequest(f"the body is larger than {limit} bytes", status=413)
        if request.content_length is not None and request.content_length > limit:
            raise too_large  # declared: no need to wait for it
        try:
            async with asyncio.timeout(self.config.client_body_timeout_s):
                raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise too_large from None
        except TimeoutError:
            raise _BadRequest(
                f"the request body did not arrive within {self.config.client_body_timeout_s:g} s "
                "(client_body_timeout_s)",
                status=408,
                outcome="client_timeout",
            ) from None
        except web.RequestPayloadError:
            raise _BadRequest("the request body is malformed") from None
        except ConnectionError:
            raise _ClientGone from None
        try:
            if len(raw) <= _LARGE_BODY_BYTES:
                return parse_body(raw)
            # Megabytes: parsed in the guard process, which sends back only the length and
            # an excerpt of a user message too long to scan.
            chain = self.input_chain
            return await self._guards.parse(
                raw, chain.max_chars if chain else None, self.config.log_max_chars
            )
        except BodyError as exc:
            raise _BadRequest(str(exc), exc.param) from None

    async def _check(
        self,
        name: str,
        chain: GuardChain | None,
        text: str,
        stage: str,
        context: str | None,
        log: list[dict[str, Any]],
    ) -> ChainOutcome | None:
        if chain is None:
            return None
        outcome = await self._guards.check(
            name, text, stage="input" if stage == "input" else "output", context=context
        )
        return self._record(outcome, stage, log)

    def _record(
        self,
        outcome: ChainOutcome,
        stage: str,
        log: list[dict[str, Any]],
        message: int | None = None,
    ) -> ChainOutcome:
        """Count a chain's outcome in the metrics and note it for the log (``message``: the
        index of the document message it is about)."""
        for r in outcome.results:
            self.metrics.guard_latency(r.guard, stage, r.seconds)
            if r.decision.action == Action.BLOCK:
                self.metrics.block(r.guard, stage)
            entry = {
                "stage": stage,
                "guard": r.guard,
                "action": r.decision.action.label,
                "kinds": sorted({d.kind for d in r.decision.detections}),
                "reasons": list(r.decision.reasons)[:5],
                "ms": round(r.seconds * 1000, 4),
            }
            if message is not None:
                entry |= {"origin": "document", "message": message}
            log.append(entry)
        return outcome

    async def _check_documents(
        self, messages: list[Any], found: list[tuple[int, str]], exchange: Exchange
    ) -> web.Response | bool:
        """Check the documents ``found`` in ``messages`` (a tool's output, an untrusted
        message) as such. The 400 when one is blocked; else whether one was redacted (its
        message then carries the redacted text)."""
        assert self.input_chain is not None
        outcomes = await self._guards.check_all(
            "input", [t for _, t in found], stage="input", origin="document"
        )
        redacted = False
        for (i, _), outcome in zip(found, outcomes, strict=False):
            self._record(outcome, "input", exchange.decisions_json, message=i)
            if outcome.decision.action == Action.BLOCK:
                role = messages[i].get("role")
                what = (
                    f"a {role} message" if role in DOCUMENT_ROLES else "a message marked untrusted"
                )
                return self._blocked(exchange, outcome, where=(i, what))
            if outcome.decision.text is not None:
                messages[i] = {**messages[i], "content": outcome.decision.text}
                redacted = True
        return redacted

    async def _redacted(self, text: str | None) -> str | None:
        """What the log keeps of ``text``: an excerpt of at most ``log_max_chars`` (and the
        full length), PII redacted."""
        if text is None:
            return None
        kept = excerpt(text, self.config.log_max_chars)
        outcome = await self._guards.check("log", kept, stage="output")
        return outcome.decision.text or kept

    def _log_exchange(self, exchange: Exchange) -> None:
        """Queue ``exchange`` for the log once its texts are redacted: at once when they are
        short, else in a task, so that redacting a long text never holds up the reply."""
        log = self.log
        if log is None:
            return
        texts = [t for t in (exchange.input_text, exchange.output_text) if t is not None]
        if sum(len(t) for t in texts) <= self._inline_chars:
            if exchange.input_text is not None:
                decision = self._log_pii.check(exchange.input_text, stage="output")
                exchange.input_text = decision.text or exchange.input_text
            if exchange.output_text is not None:
                decision = self._log_pii.check(exchange.output_text, stage="output")
                exchange.output_text = decision.text or exchange.output_text
            log.put(exchange)
            return

        async def write() -> None:
            try:
                exchange.input_text = await self._redacted(exchange.input_text)
            except Exception:  # a row without its text rather than an unredacted one
                exchange.input_text = None
            try:
                exchange.output_text = await self._redacted(exchange.output_text)
            except Exception:
                exchange.output_text = None
            log.put(exchange)

        task = asyncio.get_running_loop().create_task(write())
        self._log_tasks.add(task)
        task.add_done_callback(self._log_tasks.discard)

    async def drain_log(self) -> None:
        """Wait until every exchange so far is written to the log (for tests and shutdown)."""
        if self._log_tasks:
            await asyncio.gather(*self._log_tasks, return_exceptions=True)
        if self.log is not None:
            await asyncio.to_thread(self.log.flush)

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        t0 = time.perf_counter()
        exchange = Exchange()
        try:
            return await self._exchange(request, exchange, t0)
        except _BadRequest as exc:
            exchange.outcome, exchange.status = exc.outcome, exc.status
            self.metrics.request(exc.outcome)
            response = _error(exc.status, str(exc), "invalid_request_error", None, exc.param)
            if exc.status in (408, 413):
                response.force_close()  # the rest of the body is not worth waiting for
            return response
        except _ClientGone:
            return self._client_gone(exchange)
        except GuardStopped:
            exchange.outcome, exchange.status = "proxy_stopping", 503
            self.metrics.request("proxy_stopping")
            return _error(503, "the proxy is stopping; retry", "server_error", "proxy_stopping")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            response = self._upstream_error(exc)
            exchange.outcome, exchange.status = "upstream_error", response.status
            return response
        finally:
            exchange.latency_ms = (time.perf_counter() - t0) * 1000
            exchange.created_at = datetime.now(UTC)
            self._log_exchange(exchange)

    def _client_gone(self, exchange: Exchange) -> web.Response:
        # 499 in the log, as nginx records it: the client closed the connection first.
        exchange.outcome, exchange.status = "client_disconnected", 499
        self.metrics.request("client_disconnected")
        return web.Response(status=499)

    async def _exchange(
        self, request: web.Request, exchange: Exchange, t0: float
    ) -> web.StreamResponse:
        body = await self._read(request)
        decisions = exchange.decisions_json
        if isinstance(body, Oversized):  # refused unscanned, as the input chain would
            assert self.input_chain is not None
            exchange.stream, exchange.model = body.stream, body.model
            exchange.input_text = body.excerpt
            return self._blocked(
                exchange, self._record(self.input_chain.oversized(body.chars), "input", decisions)
            )
        stream = body.get("stream") is True
        exchange.stream, exchange.model = stream, str(body.get("model"))[:200]
        messages = body["messages"]
        last = last_user(messages)
        user = text_of(messages[last].get("content")) if last is not None else None
        exchange.input_text = user  # an excerpt, redacted, goes to the log (_log_exchange)
        raw: bytes | None = await request.read()
        if user is not None and last is not None:
            outcome = await self._check("input", self.input_chain, user, "input", None, decisions)
            if outcome is not None and outcome.decision.action == Action.BLOCK:
                return self._blocked(exchange, outcome)
            if outcome is not None and outcome.decision.text is not None:
                exchange.input_action = outcome.decision.action.label
                messages[last] = {**messages[last], "content": outcome.decision.text}
                raw = None  # re-serialise: the forwarded body carries the redacted text
        found = documents(messages) if self.input_chain is not None else None
        if found:
            checked = await self._check_documents(messages, found, exchange)
            if isinstance(checked, web.Response):
                return checked
            if checked:
                raw = None  # a document was redacted: the forwarded body carries it so
                if exchange.input_action == "allow":
                    exchange.input_action = "redact"
        assert self._session is not None
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        t_up = time.perf_counter()
        async with self._session.post(
            f"{self.upstream}/chat/completions", data=data, headers=self._headers(request)
        ) as up:
            exchange.upstream_status = up.status
            exchange.upstream_ms = (time.perf_counter() - t_up) * 1000
            self.metrics.upstream_latency(str(up.status), time.perf_counter() - t_up)
            ctype = up.headers.get("Content-Type", "")
            if up.status != 200:
                exchange.outcome, exchange.status = "upstream_status", up.status
                self.metrics.request("upstream_status")
                passed = {"Content-Type": ctype or "application/json"}
                passed |= {k: v for k, v in up.headers.items() if _passed_through(k)}
                return web.Response(body=await up.read(), status=up.status, headers=passed)
            if stream and ctype.startswith("text/event-stream"):
                return await self._relay(request, up, user, exchange, t0)
            reply = await up.read()
        return await self._complete(reply, user, exchange, ctype)

    def _blocked(
        self, exchange: Exchange, outcome: ChainOutcome, where: tuple[int, str] | None = None
    ) -> web.Response:
        """The 400 for a blocked input; ``where``: the index and kind of the document
        message that was blocked (None: the user's message)."""
        exchange.input_action, exchange.outcome = "block", "blocked_input"
        self.metrics.request("blocked_input")
        why = "; ".join(outcome.decision.reasons[:3]) or "blocked"
        guards = sorted({r.guard for r in outcome.results if r.decision.action == Action.BLOCK})
        if where is None:
            return _error(
                400,
                f"The request was blocked by golive guard ({', '.join(guards)}): {why}.",
                "invalid_request_error",
                "content_blocked",
            )
        index, what = where
        return _error(
            400,
            f"The request was blocked by golive guard ({', '.join(guards)}) in "
            f"messages[{index}] ({what}, checked as untrusted content): {why}.",
            "invalid_request_error",
            "content_blocked",
            f"messages[{index}].content",
        )

    async def _complete(
        self, reply: bytes, user: str | None, exchange: Exchange, ctype: str
    ) -> web.Response:
        exchange.status = 200
        try:
            body = json.loads(reply)
            message = body["choices"][0]["message"]
            content = message.get("content")
        except (ValueError, RecursionError, KeyError, IndexError, TypeError, AttributeError):
            exchange.outcome = "passthrough"  # not a chat completion: as the upstream sent it
            self.metrics.request("passthrough")
            return web.Response(body=reply, headers={"Content-Type": ctype or "application/json"})
        outcome_name = "allowed"
        if isinstance(content, str):
            exchange.output_text = content
            outcome = await self._check(
                "output", self.output_chain, content, "output", user, exchange.decisions_json
            )
            if outcome is not None and outcome.decision.action == Action.BLOCK:
                message["content"] = REFUSAL
                body["choices"][0]["finish_reason"] = "content_filter"
                exchange.output_action, outcome_name = "block", "blocked_output"
            elif outcome is not None and outcome.decision.text is not None:
                message["content"] = outcome.decision.text
                exchange.output_action = outcome.decision.action.label
                outcome_name = "redacted"
        if exchange.input_action == "redact" and outcome_name == "allowed":
            outcome_name = "redacted"
        exchange.outcome = outcome_name
        self.metrics.request(outcome_name)
        return web.json_response(body, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _relay(
        self,
        request: web.Request,
        up: aiohttp.ClientResponse,
        user: str | None,
        exchange: Exchange,
        t0: float,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        try:
            await response.prepare(request)
        except ConnectionError:
            self._client_gone(exchange)
            return response
        exchange.status = 200

        async def write(data: bytes) -> None:
            if exchange.ttft_ms is None and relay.released:  # first content leaves now
                exchange.ttft_ms = (time.perf_counter() - t0) * 1000
            try:
                await response.write(data)
            except (ConnectionError, RuntimeError):  # the client's side, not the upstream's
                raise _ClientGone from None

        redactor = HoldbackRedactor(
            self._stream_pii,
            self.config.holdback_chars,
            strict=self.config.strict_stream_pii,
        )
        relay = StreamRelay(write, redactor)
        try:
            async for data in up.content.iter_any():
                await relay.feed(data)
            if not relay.close_input():
                raise _Truncated
            text = "".join(relay.text)
            outcome = await self._check(
                "output", self.output_chain, text, "output", user, exchange.decisions_json
            )
            blocked = outcome is not None and outcome.decision.action == Action.BLOCK
            await relay.finish(blocked, REFUSAL)
            try:
                await response.write_eof()
            except (ConnectionError, RuntimeError):
                raise _ClientGone from None
        except _ClientGone:
            exchange.output_text = "".join(relay.text)
            self._client_gone(exchange)
            return response
        except (
            _Truncated,
            GuardStopped,
            TimeoutError,
            aiohttp.ClientError,
            UnicodeDecodeError,
            OSError,
        ) as exc:
            # The stream started, so no error status can follow: an error event ends it, as
            # OpenAI's API does, and the client sees it failed rather than waiting on, or
            # taking a reply cut short for a whole one.
            name, why = _stream_failure(exc)
            exchange.outcome, exchange.output_text = name, "".join(relay.text)
            self.metrics.request(name)
            with contextlib.suppress(ConnectionError, RuntimeError):  # the client left too
                await response.write(
                    sse(
                        {
                            "error": {
                                "message": why,
                                "type": "server_error",
                                "param": None,
                                "code": name,
                            }
                        }
                    )
                )
                await response.write_eof()
            return response
        blocked = blocked or relay.stopped
        exchange.output_text = text
        exchange.output_action = (
            "block" if blocked else "redact" if relay.redactor.detections else "allow"
        )
        name = (
            "blocked_output"
            if blocked
            else (
                "redacted"
                if "redact" in (exchange.output_action, exchange.input_action)
                else "allowed"
            )
        )
        exchange.outcome = name
        self.metrics.request(name)
        return response


class _Truncated(Exception):
    """The upstream's stream ended without a finish_reason or ``[DONE]``."""


def _stream_failure(exc: BaseException) -> tuple[str, str]:
    """The outcome name and the client's message for a stream that did not end properly."""
    if isinstance(exc, _Truncated):
        return (
            "stream_truncated",
            "the upstream's stream ended before the reply did "
            "(no finish_reason, no [DONE]): the reply is incomplete",
        )
    if isinstance(exc, GuardStopped):
        return "proxy_stopping", "the proxy stopped before the reply was checked"
    if isinstance(exc, TimeoutError):
        return "upstream_timeout", "the upstream did not finish the reply in time"
    return "stream_broken", f"the upstream's stream broke off ({type(exc).__name__})"
