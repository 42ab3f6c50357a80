"""The demo application's OpenAI-compatible HTTP server (aiohttp) on loopback.

Routes: ``POST /v1/chat/completions`` (SSE when ``stream`` is true), ``GET /v1/models`` and
``GET /health``. The responder decides the words (behind golive.guard when hardened: the
whole reply is checked before its first token leaves), the engine decides when each one leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from golive._loop import until_stopped
from golive.demo import _openai as oa
from golive.demo._engine import Clock, Engine, Generation
from golive.demo._guarded import GuardedResponder
from golive.demo._responder import SYSTEM_PROMPT, Responder
from golive.demo._settings import DemoSettings
from golive.errors import TargetSetupError

__all__ = ["DemoServer", "run_demo_server"]

_SYSTEM_PROMPT_TOKENS = len(SYSTEM_PROMPT.split())


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        body, status=status, headers=headers, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )


class DemoServer:
    """The bundled demo application. ``async with DemoServer(settings) as server: server.url``."""

    def __init__(self, settings: DemoSettings | None = None, *, clock: Clock | None = None) -> None:
        self.settings = settings or DemoSettings()
        self.engine = Engine(self.settings, clock)
        self.responder = Responder(
            seed=self.settings.seed, wrong_article_rate=self.settings.wrong_article_rate
        )
        # Hardened: the same assistant behind golive.guard's input and output chains.
        self.app: Responder | GuardedResponder = (
            GuardedResponder(self.responder) if self.settings.hardened else self.responder
        )
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._created = int(time.time())

    @property
    def url(self) -> str:
        """The OpenAI base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        if self._url is None:
            raise RuntimeError("the demo server is not started")
        return self._url

    async def start(self) -> str:
        """Bind (port 0 picks a free port), start the model loading, return the base URL.

        Raises TargetSetupError when the address cannot be bound.
        """
        if self._url is not None:
            return self._url
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        app.router.add_get("/health", self._health)
        # A short shutdown timeout: stop() ends every stream first, so nothing is left to wait for.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.settings.host, self.settings.port)
        try:
            await site.start()
        except OSError as err:
            await runner.cleanup()
            where = f"{self.settings.host}:{self.settings.port}"
            raise TargetSetupError(
                f"the demo server cannot listen on {where}: {err.strerror or err}; "
                "pick another port (0 picks a free one)."
            ) from err
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = f"http://{host}:{port}/v1"
        self.engine.start()
        return self._url

    async def stop(self) -> None:
        """End in-flight streams and close the listener. Safe to call twice."""
        await self.engine.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self._url = None

    async def __aenter__(self) -> DemoServer:
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
        return _json(
            {
                "status": "ok" if self.engine.ready else "loading",
                "model": self.settings.model,
                "hardened": self.settings.hardened,
                "running": self.engine.running,
                "waiting": self.engine.waiting,
            }
        )

    async def _models(self, request: web.Request) -> web.Response:
        return _json(oa.models(self.settings.model, self._created))

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            chat = oa.parse_chat_request(await request.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _json(oa.error("the body is not valid JSON", "invalid_request_error"), 400)
        except oa.BadRequest as err:
            return _json(oa.error(str(err), "invalid_request_error", err.param), 400)
        if not self.engine.has_capacity():
            body = oa.error(
                "the server is overloaded; retry later", "requests", code="rate_limit_exceeded"
            )
            return _json(body, 429, {"Retry-After": "1"})
        reply = self.app.reply(chat.messages, chat.seed)
        words = reply.text.split()
        tokens = [w if i == 0 else " " + w for i, w in enumerate(words)]
        finish = "stop"
        if chat.max_tokens is not None and len(tokens) > chat.max_tokens:
            tokens, finish = tokens[: chat.max_tokens], "length"
        prompt_tokens = _SYSTEM_PROMPT_TOKENS + sum(len(c.split()) for _, c in chat.messages)
        generation = self.engine.submit(tokens, prompt_tokens)
        use = oa.usage(prompt_tokens, len(tokens))
        try:
            if chat.stream:
                return await self._stream(request, chat, generation, finish, use)
            text = "".join([event.text async for event in generation])
            if generation.aborted:
                return _json(oa.error("the server is shutting down", "server_error"), 503)
            cid, created = oa.new_completion_id(), int(time.time())
            return _json(oa.completion(cid, created, self.settings.model, text, finish, use))
        finally:
            generation.cancel()  # frees the batch slot if the client left early

    async def _stream(
        self,
        request: web.Request,
        chat: oa.ChatRequest,
        generation: Generation,
        finish: str,
        use: dict[str, int],
    ) -> web.StreamResponse:
        cid, created, model = oa.new_completion_id(), int(time.time()), self.settings.model
        with_usage = chat.include_usage
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        try:
            first = True
            async for event in generation:
                data = oa.sse(
                    oa.chunk(cid, created, model, {"content": event.text}, with_usage=with_usage)
                )
                if first:
                    # The role chunk leaves with the first token, so every TTFT definition agrees.
                    role = oa.chunk(
                        cid,
                        created,
                        model,
                        {"role": "assistant", "content": ""},
                        with_usage=with_usage,
                    )
                    data = oa.sse(role) + data
                    first = False
                await response.write(data)
            if generation.aborted:
                return response  # no finish chunk: the client sees a truncated stream
            tail = oa.sse(oa.chunk(cid, created, model, {}, finish, with_usage=with_usage))
            if with_usage:
                tail += oa.sse(oa.usage_chunk(cid, created, model, use))
            await response.write(tail + oa.sse("[DONE]"))
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client went away; the finally in _chat frees its slot
        return response


def run_demo_server(settings: DemoSettings) -> None:
    """Serve until Ctrl-C or SIGTERM (for ``golive mock-server``); prints the base URL."""

    async def serve() -> None:
        async with DemoServer(settings) as server:
            mode = "hardened (behind golive.guard)" if settings.hardened else "default (flawed)"
            print(f"golive demo server: {server.url}  model={settings.model}  {mode}", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            await until_stopped()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
