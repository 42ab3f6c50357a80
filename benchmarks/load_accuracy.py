"""The load engine's quality bars, each against a bare reference client in the same run.

    PYTHONPATH=src .venv/bin/python benchmarks/load_accuracy.py [--duration 5]
    PYTHONPATH=src .venv/bin/python benchmarks/load_accuracy.py --only a --realistic --duration 600

Client pinned to core 0, mock servers (benchmarks/_load_server.py, uvloop) to core 1.
(a) accuracy: TTFT error = recorded TTFT − the server's own (first write − request arrival),
    both on the machine-wide monotonic clock, at 256 closed-loop streams, 100 ms TTFT,
    10 ms ITL, 64 tokens; bar p50 <= 2 ms, p99 <= 5 ms. ``--realistic``: token events of a
    real server's size (~260 bytes, vLLM's fields) instead of ~80. Prints the client's RSS
    (sampled every second: at the level's start and at 25/50/75/100% of it, with the
    unparsed backlog then, which load.engine caps at 64 MB; once the level is finished; the
    peak, VmHWM, finishing included) and the peak per 1,000 in-flight streams.
(b) throughput: streamed requests/s against a zero-latency 16-token mock; bar >= 4,000 rps
    and >= 0.8 of the reference client.
    With --processes N, (b) is also run spread over N client processes (load.multiproc); those
    workers may use every core, the server's included.
(c) coordinated omission: 10 rps, max concurrency 1, a 500 ms server: queue-inclusive TTFT
    p50 in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

from golive.load import LevelPlan, engine, level_metrics, run_level
from golive.load.profiles import LevelOptions, build_profile
from golive.registry import registry
from golive.schemas import Message, Request
from golive.stats import percentile

HERE = Path(__file__).resolve().parent


def start_server(
    ttft: float, itl: float, tokens: int, realistic: bool = False
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "_load_server.py"),
            "--ttft-ms",
            str(ttft),
            "--itl-ms",
            str(itl),
            "--tokens",
            str(tokens),
            "--cpu",
            "1",
            *(["--realistic"] if realistic else []),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    port = proc.stdout.readline().split()[1]
    return proc, f"http://127.0.0.1:{port}/v1"


# Request ids cycle through this many prompts. A closed-loop user's request takes about a
# second, so two requests with one id are far apart in time and the server's arrivals for an
# id match the client's sends for it in order (a prompt per request would cost the client
# hundreds of MB on a 10-minute level, which is what (a) measures).
_IDS = 20_000


def prompts(n: int, start: int) -> list[Request]:
    return [
        Request(messages=(Message(role="user", content=f"id={start + i}"),), max_tokens=64)
        for i in range(n)
    ]


async def server_stats(url: str) -> dict[str, list[tuple[int, int]]]:
    """Per id, the server's (arrival, first content write) of each request, in arrival order."""
    async with aiohttp.ClientSession() as s, s.get(url.removesuffix("/v1") + "/stats") as r:
        return {k: [(a, b) for a, b in v] for k, v in json.loads(await r.read()).items()}


async def reference(
    url: str, users: int, duration: float, start: int
) -> list[tuple[int, int, int]]:
    """The bare client: aiohttp streaming, timestamps only. Returns (id, t_send, c_1)."""
    out: list[tuple[int, int, int]] = []
    counter = [0]
    end = time.perf_counter() + duration
    perf = time.perf_counter_ns
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def user() -> None:
            while time.perf_counter() < end:
                k = start + counter[0] % _IDS
                counter[0] += 1
                body = json.dumps(
                    {
                        "model": "m",
                        "stream": True,
                        "messages": [{"role": "user", "content": f"id={k}"}],
                    }
                ).encode()
                t_send = perf()
                c1 = 0
                async with session.post(
                    url + "/chat/completions",
                    data=body,
                    headers={"Content-Type": "application/json"},
                ) as resp:
                    async for _ in resp.content.iter_any():
                        if not c1:
                            c1 = perf()
                out.append((k, t_send, c1))

        await asyncio.gather(*(user() for _ in range(users)))
    return out


async def target(url: str):  # type: ignore[no-untyped-def]
    t = registry.build(
        "target",
        registry.parse(
            "target", {"kind": "openai", "url": url, "model": "m", "max_connections": 0}, field="t"
        ),
    )
    await t.start()
    return t


def errors_ms(
    sends: list[tuple[int, int, int]], stats: dict[str, list[tuple[int, int]]]
) -> list[float]:
    """TTFT errors of (id, t_send, c_1) triples, each matched to the server's record of the
    same id and rank in time."""
    out = []
    rank: dict[int, int] = {}
    for k, t_send, c1 in sorted(sends, key=lambda x: x[1]):
        i = rank.get(k, 0)
        rank[k] = i + 1
        t_in, w1 = stats[str(k)][i]
        out.append(((c1 - t_send) - (w1 - t_in)) / 1e6)
    return sorted(out)


def summary(errs: list[float]) -> str:
    return (
        f"n={len(errs)} p50={percentile(errs, 50):.2f} ms p99={percentile(errs, 99):.2f} ms "
        f"max={errs[-1]:.2f} ms"
    )


def rss_mb(field: str = "VmRSS") -> float:
    """The client's resident memory (``VmHWM``: its peak so far, as the kernel kept it)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


_levels: list[engine._Level] = []


def _watch_levels() -> None:
    """Keep a reference to each level the engine runs, so the sampler can read its unparsed
    backlog (a diagnostic: the backlog is bounded by design, the rest must stay flat)."""
    init = engine._Level.__init__

    def watched(self: engine._Level, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        _levels[:] = [self]

    engine._Level.__init__ = watched  # type: ignore[method-assign]


async def sample_rss(into: list[tuple[float, float]]) -> None:
    """(RSS MB, unparsed backlog MB) every second."""
    while True:
        backlog = _levels[0].unparsed_bytes / 2**20 if _levels else 0.0
        into.append((rss_mb(), backlog))
        await asyncio.sleep(1.0)


async def accuracy(duration: float, realistic: bool) -> None:
    proc, url = start_server(100, 10, 64, realistic)
    users = 256
    try:
        t = await target(url)
        samples: list[tuple[float, float]] = []
        _watch_levels()
        sampler = asyncio.get_running_loop().create_task(sample_rss(samples))
        plan = LevelPlan(0, "closed", duration + 1, concurrency=users, grace_s=2, warmup_s=1)
        lv = await run_level(t, plan, prompts(_IDS, 0))
        sampler.cancel()
        _levels.clear()
        after = rss_mb()
        peak = rss_mb("VmHWM")  # the level and its finish (sort, tokens, samples) included
        await t.close()
        gc.collect()
        ref = await reference(url, users, duration + 1, 10 * _IDS)
        stats = await server_stats(url)
    finally:
        proc.terminate()
    ok = [r for r in lv.records if r.error is None and not r.warmup]
    first = min(s for _, s, _ in ref)  # the reference skips its first second the same way
    g = errors_ms(
        [(r.prompt_index, r.t_send_ns, r.chunk_times_ns[0]) for r in ok if r.chunk_times_ns],
        stats,
    )
    b = errors_ms([x for x in ref if x[1] >= first + 1_000_000_000], stats)
    failed = sum(r.error is not None for r in lv.records)
    h = lv.health
    chunks = "realistic ~260 B events" if realistic else "~80 B events"
    print(
        f"(a) accuracy, {users} streams, {duration + 1:g} s level, {chunks}: golive  "
        f"{summary(g)}  errors={failed}  client lag p99 {h.lag_ms_p99:.1f} ms "
        f"max {h.lag_ms_max:.1f} ms, read delay p99 {h.read_delay_ms_p99} ms, "
        f"cpu {h.cpu_pct:.0f}%, valid={h.valid}"
    )
    print(f"(a) accuracy: reference {summary(b)}")
    rss = [r for r, _ in samples]
    at = [min(len(rss) - 1, len(rss) * q // 4) for q in (1, 2, 3, 4)]
    quarters = ", ".join(f"{rss[i]:.0f}" for i in at)
    backlog = ", ".join(f"{samples[i][1]:.0f}" for i in at)
    late = rss[at[3]] - rss[at[0]]
    print(
        f"(a) client RSS ({len(lv.records)} requests): {rss[0]:.0f} MB at the start; "
        f"{quarters} MB at 25/50/75/100% of the level (unparsed backlog {backlog} MB); "
        f"{late:+.0f} MB from 25% to 100% ({late / max(len(lv.records) * 3 / 4, 1) * 1e6:.0f} "
        f"bytes per request finished meanwhile); {after:.0f} MB once finished; peak {peak:.0f} "
        f"MB = {peak * 1000 / users:.0f} MB per 1,000 in-flight streams "
        f"({(peak - rss[0]) * 1000 / users:.0f} MB above the start)"
    )
    print(f"(a) bar p50<=2 ms: {percentile(g, 50) <= 2}; p99<=5 ms: {percentile(g, 99) <= 5}")


async def throughput(duration: float, users: int) -> None:
    proc, url = start_server(0, 0, 16)
    try:
        t = await target(url)
        lv = await run_level(t, LevelPlan(0, "closed", duration, concurrency=users), prompts(1, 0))
        await t.close()
        m = level_metrics(lv, {})
        ref = await reference(url, users, duration, 0)
    finally:
        proc.terminate()
    ref_rps = len(ref) / duration
    g_rps = m["rps"].value
    print(
        f"(b) throughput, {users} users: golive {g_rps:.0f} rps (errors "
        f"{m['error_rate'].value:.3f}, cpu {lv.health.cpu_pct:.0f}%, valid={lv.health.valid}); "
        f"reference {ref_rps:.0f} rps; ratio {g_rps / ref_rps:.2f}"
    )
    print(f"(b) bar >=4000 rps: {g_rps >= 4000}; >=0.8 of reference: {g_rps / ref_rps >= 0.8}")


async def throughput_spread(duration: float, users: int, processes: int) -> None:
    """(b) with the users split over ``processes`` client processes, against a fresh mock."""
    from golive.load.multiproc import run_level_spread

    proc, url = start_server(0, 0, 16)
    pinned = os.sched_getaffinity(0)
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))  # workers inherit this at spawn
    try:
        spec = {"kind": "openai", "url": url, "model": "m", "max_connections": 0}
        plan = LevelPlan(0, "closed", duration, concurrency=users)
        lv = await run_level_spread(spec, plan, prompts(1, 0), processes)
    finally:
        os.sched_setaffinity(0, pinned)
        proc.terminate()
    m = level_metrics(lv, {})
    cpus = ", ".join(f"{c:.0f}%" for c in lv.health.worker_cpu_pct)
    print(
        f"(b) throughput, {users} users over {processes} processes: {m['rps'].value:.0f} rps "
        f"(errors {m['error_rate'].value:.3f}, cpu per worker {cpus}, "
        f"lag p99 {lv.health.lag_ms_p99:.1f} ms, valid={lv.health.valid})"
    )


async def omission(duration: float) -> None:
    proc, url = start_server(500, 0, 1)
    try:
        t = await target(url)
        plan = build_profile({"kind": "constant", "rate": [10.0]}).plans(
            duration, 0, LevelOptions(max_concurrency=1, grace_s=1.0)
        )[0]
        m = level_metrics(await run_level(t, plan, prompts(1, 0)), {})
        await t.close()
    finally:
        proc.terminate()
    q, s = m["ttft_from_schedule_ms.p50"].value, m["ttft_ms.p50"].value
    print(
        f"(c) coordinated omission, 10 rps, max concurrency 1, 500 ms server: "
        f"ttft_from_schedule p50 {q / 1000:.2f} s, ttft (from send) p50 {s:.0f} ms; "
        f"bar p50 in seconds: {q >= 1000}"
    )


async def main(args: argparse.Namespace) -> None:
    if "a" in args.only:
        await accuracy(args.duration, args.realistic)
    if "b" in args.only:
        await throughput(args.duration, args.users)
        if args.processes > 1:
            await throughput_spread(args.duration, args.users, args.processes)
    if "c" in args.only:
        await omission(args.duration)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--users", type=int, default=64)
    p.add_argument("--only", default="abc")
    p.add_argument("--processes", type=int, default=1, help="also run (b) over N processes")
    p.add_argument("--realistic", action="store_true", help="(a): ~260-byte token events")
    ns = p.parse_args()
    os.sched_setaffinity(0, {0})
    uvloop.run(main(ns))
