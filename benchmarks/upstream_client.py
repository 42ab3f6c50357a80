"""What the proxy's upstream client (aiohttp) costs per request, against a bare socket exchange.

Run: PYTHONPATH=src .venv/bin/python benchmarks/upstream_client.py [--requests 1500]

Both clients stream the same reply (4 tokens, chunked SSE) from benchmarks/_load_server.py at
zero latency over one keep-alive connection on uvloop, one request at a time: the difference
is the client's own CPU per request, which a burst of simultaneous requests pays in series.
The first 200 requests of each are warm-up and not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import uvloop

_BODY = json.dumps(
    {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
).encode()
_WARMUP = 200


async def _aiohttp(url: str, n: int) -> list[float]:
    times: list[float] = []
    connector = aiohttp.TCPConnector(limit=1024)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:  # fmt: skip
        for _ in range(n):
            t0 = time.perf_counter()
            async with session.post(url, data=_BODY,
                                    headers={"Content-Type": "application/json"}) as r:  # fmt: skip
                async for _ in r.content.iter_any():
                    pass
            times.append(time.perf_counter() - t0)
    return times


async def _bare(port: int, n: int) -> list[float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(_BODY)}\r\n\r\n"
    ).encode()
    times: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter()
        writer.write(head + _BODY)
        reply = b""
        while not reply.endswith(b"0\r\n\r\n"):  # the chunked body's last chunk
            reply += await reader.read(65536)
        times.append(time.perf_counter() - t0)
    writer.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_load_server.py")), "--ttft-ms", "0",
         "--itl-ms", "0", "--tokens", "4"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        client = uvloop.run(_aiohttp(url, args.requests))[_WARMUP:]
        bare = uvloop.run(_bare(port, args.requests))[_WARMUP:]
    finally:
        server.kill()
    a, b = statistics.median(client) * 1e6, statistics.median(bare) * 1e6
    print(f"per request, server included: aiohttp p50 {a:.0f} us, bare socket p50 {b:.0f} us; "
          f"aiohttp's own cost {a - b:.0f} us ({a / b:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
