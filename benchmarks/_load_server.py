"""A minimal OpenAI-style SSE server of exactly known latency for benchmarks/load_accuracy.py.

Raw asyncio protocol on uvloop (so the server is never the bottleneck), HTTP/1.1 keep-alive,
chunked SSE. ``--ttft-ms``, ``--itl-ms``, ``--tokens`` (``--tokens-max M``: each reply's length
drawn uniformly from tokens..M by a seeded generator, so closed-loop users drift apart as a
real model's varied replies make them). For each request whose last message is
``id=<k>`` it keeps (arrival, first content write) as ``perf_counter_ns()`` readings, a clock
shared by every process on the machine, in arrival order per id (a client that reuses ids
for requests far apart in time matches them in order); ``GET /stats`` returns them.
``--realistic``: token events of a real server's size (~260 bytes). Prints ``PORT <n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import time

_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
_ID = re.compile(rb'"content":\s*"id=(\d+)"')


def _chunk(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


_TOKEN = _chunk(
    b'data: {"choices":[{"index":0,"delta":{"content":"tok "},"finish_reason":null}]}\n\n'
)
# What a real server sends per token (vLLM's shape: id, object, created, model, logprobs):
# ~260 bytes an event instead of ~80, the size that decides the client's parsing cost.
_REALISTIC_TOKEN = _chunk(
    b'data: {"id":"chatcmpl-8f14e45fceea167a5a36dedd4bea2543","object":"chat.completion.chunk",'
    b'"created":1733580000,"model":"meta-llama/Llama-3.1-8B-Instruct","system_fingerprint":null,'
    b'"choices":[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":null}]}'
    b"\n\n"
)


def _tail(n: int) -> bytes:
    return (
        _chunk(b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n')
        + _chunk(b'data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":%d}}\n\n' % n)
        + _chunk(b"data: [DONE]\n\n")
        + b"0\r\n\r\n"
    )


class Server(asyncio.Protocol):
    stats: dict[str, list[tuple[int, int]]] = {}  # noqa: RUF012 - one server per process

    lengths = random.Random(0)  # one seeded stream per process: repeatable reply lengths
    token = _TOKEN  # the bytes of one token event (--realistic: a real server's size)

    def __init__(self, ttft: float, itl: float, tokens: int, tokens_max: int | None = None) -> None:
        self.ttft, self.itl, self.tokens, self.tokens_max = ttft, itl, tokens, tokens_max
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def data_received(self, data: bytes) -> None:
        t_in = time.perf_counter_ns()
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].lower()
            m = re.search(rb"content-length:\s*(\d+)", head)
            size = int(m.group(1)) if m else 0
            if len(self.buf) < head_end + 4 + size:
                return
            body = self.buf[head_end + 4 : head_end + 4 + size]
            self.buf = self.buf[head_end + 4 + size :]
            self.handle(head, body, t_in)

    def handle(self, head: bytes, body: bytes, t_in: int) -> None:
        assert self.transport is not None
        if head.startswith(b"get /stats"):
            out = json.dumps(Server.stats).encode()
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(out), out)
            )
            return
        m = _ID.search(body)
        key = m.group(1).decode() if m else None
        n = self.tokens
        if self.tokens_max is not None:
            n = Server.lengths.randint(self.tokens, self.tokens_max)
        if self.ttft == 0 and self.itl == 0:  # zero latency: the whole reply in one write
            self.transport.write(_HEAD + Server.token * n + _tail(n))
            if key is not None:
                Server.stats.setdefault(key, []).append((t_in, time.perf_counter_ns()))
            return
        self.transport.write(_HEAD)
        loop = asyncio.get_running_loop()
        start = loop.time()
        loop.call_at(start + self.ttft, self.emit, 0, n, start, key, t_in)

    def emit(self, i: int, n: int, start: float, key: str | None, t_in: int) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        token = Server.token
        transport.write(token if i < n - 1 else token + _tail(n))
        if i == 0 and key is not None:
            Server.stats.setdefault(key, []).append((t_in, time.perf_counter_ns()))
        if i < n - 1:
            loop = asyncio.get_running_loop()
            loop.call_at(start + self.ttft + (i + 1) * self.itl, self.emit, i + 1, n, start, key,
                         t_in)  # fmt: skip

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def main(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Server(args.ttft_ms / 1000, args.itl_ms / 1000, args.tokens, args.tokens_max),
        "127.0.0.1",
        0,
        backlog=4096,
    )
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ttft-ms", type=float, default=100.0)
    parser.add_argument("--itl-ms", type=float, default=10.0)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--tokens-max", type=int, default=None, help="vary lengths up to M")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
    parser.add_argument("--realistic", action="store_true", help="~260-byte token events")
    ns = parser.parse_args()
    if ns.realistic:
        Server.token = _REALISTIC_TOKEN
    if ns.cpu is not None:
        os.sched_setaffinity(0, {ns.cpu})
    import uvloop

    uvloop.run(main(ns))
