"""Added TTFT of golive proxy: 32 concurrent streams against the demo server, direct vs proxy.

Run: PYTHONPATH=src .venv/bin/python benchmarks/proxy_overhead.py [--rounds 10] [--holdback 64]
Client, proxy and demo server share one event loop (one process), so the figure includes the
proxy's CPU time competing with the server's: an upper bound on a separate-process deployment.
TTFT is measured to the first byte of a chunk with non-empty content.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import aiohttp

from golive.demo import DemoServer, DemoSettings
from golive.guard.config import ProxyConfig
from golive.guard.proxy import GuardProxy

BODY = {"model": "nimbus-support-1", "stream": True,
        "messages": [{"role": "user", "content": "How do I export my notes to PDF?"}]}  # fmt: skip


def _has_content(line: bytes) -> bool:
    return b'"content": "' in line and line.count(b'"content": ""') < line.count(b'"content"')


async def _one(session: aiohttp.ClientSession, url: str) -> float:
    t0 = time.perf_counter()
    async with session.post(f"{url}/chat/completions", json=BODY) as r:
        async for line in r.content:
            if line.startswith(b"data: {") and _has_content(line):
                return (time.perf_counter() - t0) * 1000
    raise RuntimeError("no content")


async def _round(session: aiohttp.ClientSession, url: str, streams: int) -> list[float]:
    return list(await asyncio.gather(*(_one(session, url) for _ in range(streams))))


async def main(rounds: int, streams: int, holdback: int) -> None:
    settings = DemoSettings(cold_start_s=0.0, max_batch=streams)
    config = ProxyConfig(holdback_chars=holdback)
    async with DemoServer(settings) as demo, GuardProxy(demo.url, config) as proxy:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            await _round(session, demo.url, streams)  # warm-up both paths
            await _round(session, proxy.url, streams)
            direct: list[float] = []
            via: list[float] = []
            for _ in range(rounds):  # interleaved so drift hits both alike
                direct += await _round(session, demo.url, streams)
                via += await _round(session, proxy.url, streams)
    p50d, p50p = statistics.median(direct), statistics.median(via)
    print(
        f"streams={streams} rounds={rounds} holdback={holdback} guards=input:{config.input} "
        f"output:{config.output}"
    )
    print(f"TTFT p50 direct {p50d:.2f} ms, via proxy {p50p:.2f} ms, added {p50p - p50d:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--streams", type=int, default=32)
    parser.add_argument("--holdback", type=int, default=64)
    a = parser.parse_args()
    asyncio.run(main(a.rounds, a.streams, a.holdback))
