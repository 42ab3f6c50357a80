"""A fixed-latency OpenAI-compatible streaming server for benchmarks/eval_runner.py.

Run as its own process (``python benchmarks/_slow_server.py``) so that the client under test
does not share an event loop, or a core, with it. It prints ``PORT <n>`` when it is ready.

Timing contract, measured on the server's own clock from the moment the handler is entered
(headers parsed, before the body is read):

- the response headers are sent at once;
- the first content chunk is written at ``FIRST_MS`` (15 ms);
- the other content chunks follow evenly, the last one written at ``TOTAL_MS`` (51 ms) in the
  same write as the usage chunk and ``[DONE]``, so the reply is complete at 51 ms;
- a request without ``"stream": true`` gets the whole answer as one JSON reply written at
  ``TOTAL_MS``: an OpenAI completion when it names a model, else ``{"answer": ...}`` (what
  an ``http`` target reads); both recorded times are then that write's.

``--first-ms`` and ``--total-ms`` change the two times (benchmarks/target_overhead.py: 5 ms).

For every request the server keeps the times at which its first and last content chunks were
actually handed to the kernel (after the write returned); ``GET /stats`` returns them keyed by
``<last user message>\\x00<seed>``, ``POST /reset`` clears them. Sleeps end on a millisecond
timer tick, so the actual times run a fraction of a millisecond past the schedule: the
benchmark uses the measured times, not the schedule.

The answers are derived from the question, so the client can build matching references:
``make_question``, ``make_reference`` and ``answer_for`` are shared with the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import time
from typing import Any

from aiohttp import web

FIRST_MS = 15.0
TOTAL_MS = 51.0
CHUNKS = 10

# (question, reference, answer body): the answer conveys the reference in other words.
_TOPICS: list[tuple[str, str, str]] = [
    (
        "How do I reset my password",
        "Open Settings, choose Security, click Reset password and follow the link we email you.",
        "go to Settings, then Security, and click Reset password; we email you a link to follow",
    ),
    (
        "Can I get a refund on my order",
        "Refunds are available within 30 days of delivery from the Orders page.",
        "you can ask for a refund within 30 days of delivery on the Orders page",
    ),
    (
        "How do I change my shipping address",
        "Edit the shipping address under Account, Addresses before the order ships.",
        "open Account, then Addresses, and edit the shipping address before the order ships",
    ),
    (
        "Why was my card declined",
        "Cards are declined when the billing address does not match or the bank blocks the charge.",
        "a card is usually declined because the billing address does not match or the bank "
        "blocked the charge",
    ),
    (
        "How do I cancel my subscription",
        "Cancel the subscription from Billing, Plans; it stays active until the period ends.",
        "cancel it in Billing under Plans and the subscription stays active until the period ends",
    ),
    (
        "Where can I download my invoice",
        "Invoices can be downloaded as PDF from Billing, Invoices.",
        "download the invoice as a PDF from the Invoices tab in Billing",
    ),
    (
        "How do I enable two-factor authentication",
        "Turn on two-factor authentication in Settings, Security with an authenticator app.",
        "enable two-factor authentication in Settings, Security and scan the code with an "
        "authenticator app",
    ),
    (
        "How long does delivery take",
        "Standard delivery takes 3 to 5 business days; express takes 1 to 2.",
        "standard delivery takes 3 to 5 business days and express delivery 1 to 2",
    ),
]
_OPENERS = ("Sure!", "Happy to help.", "Good question.")
_CLOSERS = (
    "Let me know if anything else comes up.",
    "Is there anything else I can do for you?",
    "I hope that helps with your request.",
)
_TICKET = re.compile(r"ticket #(\d+)")


def make_question(i: int) -> str:
    """The user message of case ``i``; unique per case (the ticket number)."""
    return f"{_TOPICS[i % len(_TOPICS)][0]} for ticket #{100_000 + i}?"


def make_reference(i: int) -> str:
    return f"For ticket {100_000 + i}: {_TOPICS[i % len(_TOPICS)][1]}"


def answer_for(question: str, seed: int) -> str:
    """The reply to ``question``: 25–35 words, worded a little differently per seed."""
    match = _TICKET.search(question)
    i = int(match.group(1)) - 100_000 if match else 0
    body = _TOPICS[i % len(_TOPICS)][2]
    opener = _OPENERS[seed % len(_OPENERS)]
    closer = _CLOSERS[seed % len(_CLOSERS)]
    return f"{opener} For ticket {100_000 + i}, {body}. {closer}"


def _split(text: str, parts: int) -> list[str]:
    words = text.split(" ")
    step = max(1, -(-len(words) // parts))
    pieces = [" ".join(words[k : k + step]) for k in range(0, len(words), step)]
    return [p if k == 0 else " " + p for k, p in enumerate(pieces)]


def _event(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


class _Server:
    def __init__(self, first_ms: float = FIRST_MS, total_ms: float = TOTAL_MS) -> None:
        self.first_ms = first_ms
        self.total_ms = total_ms
        self.stats: dict[str, tuple[float, float]] = {}

    async def completions(self, request: web.Request) -> web.StreamResponse:
        t0 = time.perf_counter_ns()
        body = await request.json()
        question = body["messages"][-1]["content"]
        seed = int(body.get("seed") or 0)
        if not body.get("stream", False):
            return await self._whole(request, t0, question, seed, body)
        pieces = _split(answer_for(question, seed), CHUNKS)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        base = {"id": "cmpl-bench", "object": "chat.completion.chunk", "model": body["model"]}
        n = len(pieces)
        step_ns = (self.total_ms - self.first_ms) * 1e6 / max(1, n - 1)
        first_ns = last_ns = 0
        for k, piece in enumerate(pieces):
            due = t0 + int(self.first_ms * 1e6 + k * step_ns)
            delay = (due - time.perf_counter_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            last = k == n - 1
            choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
            if last:
                choice["finish_reason"] = "stop"
            data = _event({**base, "choices": [choice]})
            if last:
                usage = {"prompt_tokens": 20, "completion_tokens": 40, "total_tokens": 60}
                data += _event({**base, "choices": [], "usage": usage}) + b"data: [DONE]\n\n"
            await resp.write(data)
            now = time.perf_counter_ns()
            if k == 0:
                first_ns = now
            last_ns = now
        await resp.write_eof()
        self.stats[f"{question}\x00{seed}"] = ((first_ns - t0) / 1e6, (last_ns - t0) / 1e6)
        return resp

    async def _whole(
        self, request: web.Request, t0: int, question: str, seed: int, body: dict[str, Any]
    ) -> web.StreamResponse:
        """The whole answer as one JSON reply at ``total_ms``: an OpenAI non-streamed
        completion when a model is named, else ``{"answer": ...}`` (the ``http`` target)."""
        text = answer_for(question, seed)
        if "model" in body:
            obj: dict[str, Any] = {
                "id": "cmpl-bench",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text},
                     "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 20, "completion_tokens": 40, "total_tokens": 60},
            }  # fmt: skip
        else:
            obj = {"answer": text}
        data = json.dumps(obj).encode()
        delay = (t0 + int(self.total_ms * 1e6) - time.perf_counter_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        resp = web.StreamResponse(
            headers={"Content-Type": "application/json", "Content-Length": str(len(data))}
        )
        await resp.prepare(request)
        await resp.write(data)
        done = (time.perf_counter_ns() - t0) / 1e6
        self.stats[f"{question}\x00{seed}"] = (done, done)
        return resp

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats)

    async def reset(self, request: web.Request) -> web.Response:
        self.stats.clear()
        return web.json_response({"ok": True})

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "bench"}]})


async def _serve(port: int, first_ms: float, total_ms: float) -> None:
    server = _Server(first_ms, total_ms)
    app = web.Application()
    app.router.add_post("/v1/chat/completions", server.completions)
    app.router.add_get("/v1/models", server.models)
    app.router.add_get("/stats", server.get_stats)
    app.router.add_post("/reset", server.reset)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this core")
    parser.add_argument("--first-ms", type=float, default=FIRST_MS, help="first chunk at")
    parser.add_argument("--total-ms", type=float, default=TOTAL_MS, help="whole reply at")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.first_ms, args.total_ms))


if __name__ == "__main__":
    main()
