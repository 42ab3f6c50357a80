"""Spread one load level over several client processes and merge their records, so a level past
one core's capacity is still measured by clients that are not the bottleneck.

How a level is split (``split_level``):

- closed loop: the users are divided as evenly as possible (256 on 4 workers: 64 each; the
  sum is always the level's concurrency), and so is ``max_requests``;
- open loop: the arrivals the single-process engine would schedule (those before the
  duration, at most ``max_requests``) are dealt round-robin, arrival ``i`` to worker
  ``i % N``, each keeping its prompt: the union is exactly the original schedule;
  ``max_concurrency`` becomes ``ceil(max_concurrency / N)`` per worker, so the whole level may
  hold up to ``N - 1`` more in flight than asked (a FIFO shared across processes would cost
  a round trip per request).

The clock: every worker runs its level from the same origin, an absolute
``time.perf_counter_ns()`` instant chosen by the parent once all workers are ready (so process
start-up is no part of the level). On Linux ``perf_counter`` is ``CLOCK_MONOTONIC``, one
clock for the whole machine, and likewise ``mach_absolute_time`` / ``QueryPerformanceCounter``
elsewhere: the instant is passed as is and the records of all workers compare directly. On
any other clock each worker reports its offset to ``time.monotonic_ns()`` and the parent
translates the instant into, and the records out of, the worker's clock.

Bounded: a worker that does not report ready within ``start_timeout_s``, or has not returned
its records ``duration + grace + margin_s`` after the start, is killed, and one that dies
is noticed at once; the level is then ``valid: false`` naming the worker (its requests are
missing: it returned none). Workers are started with ``spawn``: the parent runs an event loop
and threads, which ``fork`` would copy in an unknown state.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import math
import multiprocessing
import signal
import time
from array import array
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from golive.load.engine import run_level
from golive.load.monitor import DEFAULT_MAX_CPU_PCT, DEFAULT_MAX_LAG_MS
from golive.load.spill import SpillRecords, spill
from golive.schemas import (
    ClientHealth,
    LevelPlan,
    LevelResult,
    Request,
    RequestRecord,
    ResponseSample,
)

__all__ = [
    "WorkerOptions",
    "merge_results",
    "run_level_spread",
    "shared_clock",
    "split_level",
    "spread_spec",
]

_NS = 1_000_000_000
# Time between the last worker reporting ready and the common start: enough to deliver the
# instant to every worker and let it sleep until then.
_LEAD_S = 0.25
# Clocks that are one machine-wide counter, readable alike from every process.
_SYSTEM_WIDE = {
    "clock_gettime(CLOCK_MONOTONIC)",
    "clock_gettime(CLOCK_UPTIME_RAW)",
    "mach_absolute_time()",
    "QueryPerformanceCounter()",
}


def shared_clock() -> bool:
    """Is ``perf_counter`` one machine-wide clock, so instants pass between processes as is?"""
    return time.get_clock_info("perf_counter").implementation in _SYSTEM_WIDE


def _perf_minus_monotonic() -> int:
    """``perf_counter_ns() - monotonic_ns()``, from the tightest of a few bracketed readings."""
    best: tuple[int, int] | None = None
    for _ in range(5):
        a = time.perf_counter_ns()
        m = time.monotonic_ns()
        b = time.perf_counter_ns()
        if best is None or b - a < best[0]:
            best = (b - a, (a + b) // 2 - m)
    assert best is not None
    return best[1]


@dataclass(frozen=True)
class WorkerOptions:
    max_output_bytes: int = 8 * 1024 * 1024
    max_lag_ms: float = DEFAULT_MAX_LAG_MS
    max_cpu_pct: float = DEFAULT_MAX_CPU_PCT


def _shares(total: int, n: int) -> list[int]:
    return [total // n + (1 if k < total % n else 0) for k in range(n)]


def split_level(plan: LevelPlan, processes: int) -> list[LevelPlan]:
    """The worker plans of ``plan`` (fewer than ``processes`` when there is less to split)."""
    if processes < 1:
        raise ValueError("processes must be >= 1")
    if plan.concurrency is not None:
        n = min(processes, plan.concurrency)
        if plan.max_requests is not None:
            n = min(n, plan.max_requests)
        caps = _shares(plan.max_requests, n) if plan.max_requests is not None else [None] * n
        return [
            replace(plan, concurrency=c, max_requests=cap)
            for c, cap in zip(_shares(plan.concurrency, n), caps, strict=True)
        ]
    assert plan.arrivals_s is not None
    end = int(plan.duration_s * _NS)
    # What the one-process engine would schedule: arrivals before the end, at most max_requests.
    kept: list[float] = []
    for offset in plan.arrivals_s:
        full = plan.max_requests is not None and len(kept) >= plan.max_requests
        if int(offset * _NS) >= end or full:
            break
        kept.append(offset)
    n = max(1, min(processes, len(kept)))
    indices = plan.prompt_indices
    cap = math.ceil(plan.max_concurrency / n) if plan.max_concurrency else None
    return [
        replace(
            plan,
            arrivals_s=tuple(kept[k::n]),
            prompt_indices=tuple(
                indices[i] if indices is not None else i for i in range(k, len(kept), n)
            ),
            rate=(plan.rate or 0.0) / n,
            max_requests=None,
            max_concurrency=cap,
        )
        for k in range(n)
    ]


def spread_spec(target_args: Any, target: Any) -> dict[str, Any]:
    """The args a worker rebuilds its own target from. The demo target is reached as an
    ``openai`` target at the started demo server's URL (its server is not rebuilt per worker)."""
    if getattr(target_args, "kind", None) == "demo":
        return {"kind": "openai", "url": target.base_url, "model": target.model}
    spec: dict[str, Any] = target_args.model_dump()
    return spec


def merge_results(
    plan: LevelPlan, parts: Sequence[LevelResult | None], problems: Sequence[str]
) -> LevelResult:
    """One level from its workers' parts (``None``: the worker returned nothing); valid only
    when every worker was valid and none failed."""
    done = [p for p in parts if p is not None]
    # A streaming k-way merge into a new spill file: the parts' records are never all in
    # memory at once (load.spill).
    records = spill(heapq.merge(*(_in_order(p.records) for p in done), key=_schedule))
    reasons = list(problems)
    for k, part in enumerate(parts):
        if part is not None and not part.health.valid:
            reasons.append(f"worker {k}: {part.health.reason}")
    healths = [p.health for p in done]
    delays_p99 = [h.read_delay_ms_p99 for h in healths if h.read_delay_ms_p99 is not None]
    delays_max = [h.read_delay_ms_max for h in healths if h.read_delay_ms_max is not None]
    sends_p99 = [h.send_delay_ms_p99 for h in healths if h.send_delay_ms_p99 is not None]
    health = ClientHealth(
        lag_ms_p99=max((h.lag_ms_p99 for h in healths), default=0.0),
        lag_ms_max=max((h.lag_ms_max for h in healths), default=0.0),
        read_delay_ms_p99=max(delays_p99) if delays_p99 else None,
        read_delay_ms_max=max(delays_max) if delays_max else None,
        send_delay_ms_p99=max(sends_p99) if sends_p99 else None,
        cpu_pct=sum(h.cpu_pct for h in healths),
        valid=not reasons,
        reason="; ".join(reasons),
        worker_cpu_pct=tuple(h.cpu_pct for h in healths),
    )
    return LevelResult(
        index=plan.index,
        concurrency=plan.concurrency,
        rate=plan.rate,
        profile=plan.profile,
        duration_s=plan.duration_s,
        records=records,
        health=health,
        warmup_s=plan.warmup_s,
        tokenizer=done[0].tokenizer if done else "",
        samples=_spread_samples([s for p in done for s in p.samples], done),
    )


def _schedule(r: RequestRecord) -> tuple[int, int]:
    return r.t_sched_ns, r.t_send_ns


def _in_order(records: Sequence[RequestRecord]) -> Iterable[RequestRecord]:
    """``records`` by schedule: the engine's spills already are; anything else is sorted."""
    return records if isinstance(records, SpillRecords) else sorted(records, key=_schedule)


def _spread_samples(
    samples: list[ResponseSample], parts: Sequence[LevelResult]
) -> tuple[ResponseSample, ...]:
    """As many replies as one worker keeps, spread over the merged schedule like the engine's."""
    k = max((len(p.samples) for p in parts), default=0)
    ordered = sorted(samples, key=lambda s: s.t_sched_ns)
    m = len(ordered)
    if m <= k:
        return tuple(ordered)
    return tuple(ordered[i] for i in sorted({(2 * i + 1) * m // (2 * k) for i in range(k)}))


def _shift(result: LevelResult, delta: int) -> LevelResult:
    """Records moved from a worker's clock into the parent's (only off Linux-like clocks)."""

    def move(r: RequestRecord) -> RequestRecord:
        return replace(
            r,
            t_sched_ns=r.t_sched_ns + delta,
            t_send_ns=r.t_send_ns + delta,
            chunk_times_ns=array("q", (t + delta for t in r.chunk_times_ns)),
            t_end_ns=r.t_end_ns + delta,
        )

    samples = tuple(replace(s, t_sched_ns=s.t_sched_ns + delta) for s in result.samples)
    moved = spill(move(r) for r in result.records)  # streamed, one record at a time
    _close(result.records)
    return replace(result, records=moved, samples=samples)


def _close(records: Sequence[RequestRecord]) -> None:
    """Delete a spill the caller is done with now, not when it is garbage-collected."""
    if isinstance(records, SpillRecords):
        records.close()


# ---------------------------------------------------------------- the worker process


def _worker(
    conn: Connection,
    target_spec: dict[str, Any],
    plan: LevelPlan,
    prompts: Sequence[Request],
    options: WorkerOptions,
) -> None:
    """A worker's whole life: build and start the target, report ready, wait for the start
    instant, run the level, send the result. The parent alone decides when to stop (Ctrl-C)."""
    from golive._children import die_with_parent

    die_with_parent()  # and a SIGKILLed parent takes its workers with it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from golive._loop import loop_factory

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_work(conn, target_spec, plan, prompts, options))


async def _work(
    conn: Connection,
    target_spec: dict[str, Any],
    plan: LevelPlan,
    prompts: Sequence[Request],
    options: WorkerOptions,
) -> None:
    from golive.registry import registry

    try:
        target = registry.build("target", registry.parse("target", target_spec, field="target"))
        await target.start()
    except Exception as exc:  # reported to the parent, which names this worker
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    try:
        conn.send(("ready", 0 if shared_clock() else _perf_minus_monotonic()))
        message = await asyncio.to_thread(conn.recv)
        if message[0] != "go":
            return
        result = await run_level(
            target,
            plan,
            prompts,
            max_output_bytes=options.max_output_bytes,
            max_lag_ms=options.max_lag_ms,
            max_cpu_pct=options.max_cpu_pct,
            start_ns=message[1],
        )
    finally:
        await target.close()
    conn.send(("done", result))


# ---------------------------------------------------------------- the parent


class _Handle:
    def __init__(self, k: int, proc: Any, conn: Connection) -> None:
        self.k = k
        self.proc = proc
        self.conn = conn
        self.offset = 0  # the worker's perf_counter_ns() - monotonic_ns() (0: shared clock)

    async def receive(self, pool: Executor, deadline: float) -> tuple[Any, ...] | str:
        """The worker's next message, or why none came before ``deadline`` (monotonic s)."""
        conn = self.conn

        def wait() -> tuple[Any, ...] | str:
            left = deadline - time.monotonic()
            try:
                if left > 0 and conn.poll(left):
                    message: tuple[Any, ...] = conn.recv()
                    return message
            except (EOFError, OSError):
                pass
            return ""

        # A thread per worker (not the loop's shared pool): every wait may last the whole level.
        got = await asyncio.get_running_loop().run_in_executor(pool, wait)
        if got:
            return got
        self.proc.join(0.1)
        code = self.proc.exitcode
        if code is not None:
            return f"worker {self.k} exited with code {code} before returning its records"
        return f"worker {self.k} did not answer in time and was killed"

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


async def run_level_spread(
    target_spec: dict[str, Any],
    plan: LevelPlan,
    prompts: Sequence[Request],
    processes: int,
    *,
    options: WorkerOptions | None = None,
    start_timeout_s: float = 60.0,
    margin_s: float = 10.0,
) -> LevelResult:
    """Run ``plan`` split over ``processes`` worker processes, each with its own event loop and
    its own target built from ``target_spec`` (a target's args as a dict: targets themselves
    hold sessions and cannot be sent to another process); merge their records by t_sched.

    Never hangs: see the module docstring for the bounds. Metrics are not computed here.
    """
    options = options or WorkerOptions()
    ctx = multiprocessing.get_context("spawn")
    handles: list[_Handle] = []
    plans = split_level(plan, processes)
    pool = ThreadPoolExecutor(len(plans), thread_name_prefix="golive-load-wait")
    try:
        for k, sub in enumerate(plans):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_worker,
                args=(child, target_spec, sub, list(prompts), options),
                name=f"golive-load-{k}",
                daemon=True,
            )
            proc.start()
            child.close()  # so the parent sees EOF when the worker dies
            handles.append(_Handle(k, proc, parent))
        problems: list[str] = []
        parts: list[LevelResult | None] = [None] * len(handles)
        ready_by = time.monotonic() + start_timeout_s
        started: list[_Handle] = []
        readies = await asyncio.gather(*(h.receive(pool, ready_by) for h in handles))
        for h, got in zip(handles, readies, strict=True):
            if isinstance(got, tuple) and got[0] == "ready":
                h.offset = got[1]
                started.append(h)
            else:
                why = got[1] if isinstance(got, tuple) else got
                problems.append(f"worker {h.k} did not start: {why}")
                h.kill()
        start = time.perf_counter_ns() + int(_LEAD_S * _NS)
        here = 0 if shared_clock() else _perf_minus_monotonic()
        for h in started:
            h.conn.send(("go", start - here + h.offset))
        done_by = time.monotonic() + _LEAD_S + plan.duration_s + plan.grace_s + margin_s
        answers = await asyncio.gather(*(h.receive(pool, done_by) for h in started))
        for h, got in zip(started, answers, strict=True):
            if isinstance(got, tuple) and got[0] == "done":
                part: LevelResult = got[1]
                parts[h.k] = _shift(part, here - h.offset) if h.offset != here else part
            else:
                problems.append(got if isinstance(got, str) else f"worker {h.k}: {got!r}")
        merged = merge_results(plan, parts, problems)
        for got_part in parts:
            if got_part is not None:
                _close(got_part.records)  # merged into a new spill
        return merged
    finally:
        for h in handles:
            with contextlib.suppress(OSError, ValueError):
                h.kill()
        pool.shutdown(wait=False)
