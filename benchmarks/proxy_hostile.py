"""golive proxy under hostile clients: a normal request's added latency while 10 hostile
requests are in flight, guard decision times on a 4 MB text, and time from SIGTERM to exit.

Run: PYTHONPATH=src .venv/bin/python benchmarks/proxy_hostile.py [--requests 40]

The proxy runs as the user runs it (``golive proxy`` in its own process, ``--no-store``); the
upstream (an instant OpenAI-style reply) and the clients share this process. Scenarios:

- ``oversized``: the default guards; 10 clients each keep a 3.9 MB PII-shaped message
  (``1234 5678 9012 3456 a@b.co`` repeated, under the 4 MiB body limit) in flight.
- ``scanned``: ``input: [pii, injection]`` and 10 clients keeping a 48,000-character message
  of the same text in flight (under ``max_scan_chars``: each is scanned, off the loop).
- ``scanned_4mb``: ``max_scan_chars: 4000000``, so that the 3.9 MB messages are scanned whole
  (the worst a user can configure): SIGTERM must still stop the proxy at once.

Added latency = p50/p95/max of a normal request under load minus the quiet p50 (same proxy).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

UNIT = "1234 5678 9012 3456 a@b.co "
NORMAL = "How do I reset my password?"


async def _upstream() -> tuple[web.AppRunner, str]:
    async def chat(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response(
            {
                "choices": [
                    {
                        "message": {"role": "assistant", "content": "Open Settings."},
                        "finish_reason": "stop",
                    }
                ]
            }
        )

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/v1"


def _start_proxy(upstream: str, config: str) -> tuple[subprocess.Popen[str], str]:
    path = Path(tempfile.mkdtemp()) / "guard.yaml"
    path.write_text(config)
    env = {**os.environ, "PYTHONPATH": "src"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "golive",
            "proxy",
            "--upstream",
            upstream,
            "--port",
            "0",
            "--no-store",
            "--config",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
    if match is None:
        proc.kill()
        raise SystemExit(f"the proxy did not start: {line}{proc.stdout.read()}")
    return proc, match.group(1)


async def _post(session: aiohttp.ClientSession, url: str, text: str) -> tuple[int, float]:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    t0 = time.perf_counter()
    async with session.post(f"{url}/chat/completions", json=body) as r:
        await r.read()
        return r.status, (time.perf_counter() - t0) * 1000


async def _normal(session: aiohttp.ClientSession, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        status, ms = await _post(session, url, NORMAL)
        assert status == 200, status
        out.append(ms)
        await asyncio.sleep(0.02)
    return out


def _summary(ms: list[float], base: float) -> dict[str, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "p50_added_ms": round(statistics.median(ms) - base, 2),
        "p95_added_ms": round(p95 - base, 2),
        "max_added_ms": round(max(ms) - base, 2),
    }


def _attack(url: str, body: bytes, stop: Any, answered: Any) -> None:
    """In a process of its own, so that sending 10 x 4 MB costs the measuring client nothing:
    10 clients, each sending the hostile body again as soon as it is answered."""

    async def run() -> None:
        headers = {"Content-Type": "application/json"}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as s:

            async def one() -> None:
                while not stop.is_set():
                    with contextlib.suppress(aiohttp.ClientError, OSError):
                        async with s.post(
                            f"{url}/chat/completions", data=body, headers=headers
                        ) as r:
                            await r.read()
                            with answered.get_lock():
                                answered.value += 1

            tasks = [asyncio.ensure_future(one()) for _ in range(10)]
            await asyncio.to_thread(stop.wait)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(run())


async def _scenario(
    name: str, upstream: str, config: str, hostile: str, n: int
) -> dict[str, object]:
    proc, url = _start_proxy(upstream, config)
    result: dict[str, object] = {"scenario": name, "hostile_chars": len(hostile)}
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": hostile}]}).encode()
    ctx = multiprocessing.get_context("spawn")
    stop, answered = ctx.Event(), ctx.Value("i", 0)
    attacker = ctx.Process(target=_attack, args=(url, body, stop, answered))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as s:
            await _normal(s, url, 5)  # warm the connection pool
            quiet = await _normal(s, url, n)
            base = statistics.median(quiet)
            result["quiet_p50_ms"] = round(base, 2)
            attacker.start()
            await asyncio.sleep(2.0)  # the attackers start and have ten requests in flight
            loaded = await _normal(s, url, n)
            result |= _summary(loaded, base)
            t0 = time.perf_counter()  # SIGTERM while the attackers are still sending
            proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(proc.wait, 30)
            result["sigterm_to_exit_s"] = round(time.perf_counter() - t0, 3)
            result["hostile_requests_answered"] = answered.value
    finally:
        stop.set()
        if attacker.is_alive() or attacker.exitcode is None:
            with contextlib.suppress(AssertionError):
                attacker.join(10)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return result


def _decisions() -> list[dict[str, object]]:
    """Guard decision times in this process on the hostile text, default proxy chains."""
    from golive.guard.config import ProxyConfig

    rows = []
    for size in (3_900_000, 50_000, 32_000):
        text = (UNIT * (size // len(UNIT) + 1))[:size]
        for label, config in (
            ("default input", ProxyConfig()),
            ("pii+injection", ProxyConfig(input=["pii", "injection"])),
        ):
            chain, out = config.chains()
            assert chain is not None and out is not None
            chain.warm()
            out.warm()
            for stage, c in (("input", chain), ("output", out)):
                if stage == "output" and label != "default input":
                    continue
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    decision = c.check(text, stage=stage, context=NORMAL)  # type: ignore[arg-type]
                    times.append((time.perf_counter() - t0) * 1000)
                rows.append(
                    {
                        "chars": size,
                        "chain": f"{label} ({stage})",
                        "decision": decision.action.label,
                        "ms_min": round(min(times), 2),
                        "ms_max": round(max(times), 2),
                    }
                )
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="normal requests per phase")
    parser.add_argument("--only", help="run only this scenario (oversized, scanned, scanned_4mb)")
    parser.add_argument("--no-decisions", action="store_true", help="skip the decision times")
    args = parser.parse_args()
    print(json.dumps({"machine": f"{os.cpu_count()} cores", "python": sys.version.split()[0]}))
    for row in [] if args.no_decisions else _decisions():
        print(json.dumps(row))
    runner, upstream = await _upstream()
    big = (UNIT * 150_000)[:3_900_000]
    try:
        for name, config, hostile in (
            ("oversized", "{}\n", big),
            ("scanned", "input: [pii, injection]\n", big[:48_000]),
            ("scanned_4mb", "input: [pii, injection]\nmax_scan_chars: 4000000\n", big),
        ):
            if args.only in (None, name):
                print(json.dumps(await _scenario(name, upstream, config, hostile, args.requests)))
    finally:
        with contextlib.suppress(Exception):
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
