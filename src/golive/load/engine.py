"""Run one load level against a target: open loop on the clock or closed loop with N users,
one ``RequestRecord`` per request, bounded by the level's duration plus a grace period."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from array import array
from collections import deque
from collections.abc import Iterator, Sequence

from golive.execution.observe import observe
from golive.load.monitor import DEFAULT_MAX_CPU_PCT, DEFAULT_MAX_LAG_MS, Delays, LagMonitor
from golive.load.spill import Overflow, SpillRecords, SpillWriter
from golive.load.tokens import token_counter
from golive.schemas import (
    ClientHealth,
    FailureMode,
    LevelPlan,
    LevelResult,
    Request,
    ResponseSample,
    TokenSource,
)
from golive.targets.base import RawStreaming, Target
from golive.transport.exchange import Exchange, decode
from golive.transport.route import RawRoute

# LevelPlan is plain data in golive.schemas (the load events carry it); it stays importable
# from here, where the levels it describes run.
__all__ = ["LevelPlan", "run_level"]

_NS = 1_000_000_000
_UNPARSED_MAX_BYTES = 64 * 1024 * 1024
# Past this, a reply waits on disk instead (``spill.Overflow``): memory stays bounded even when
# the parser, a reply per loop turn, cannot keep up (a client short of CPU).
_UNPARSED_DISK_BYTES = 80 * 1024 * 1024
# Sleep coarsely until this close to a due time, then yield to the loop until it is due:
# timers fire on millisecond ticks, which alone would make arrivals up to 1 ms late.
_SPIN_NS = 1_500_000
_NO_CHUNKS: Sequence[int] = ()
_BATCH = 2048  # replies read back at once after the level (token counting, samples)


class _Level:
    def __init__(
        self,
        target: Target,
        plan: LevelPlan,
        prompts: Sequence[Request],
        max_bytes: int,
        start_ns: int | None = None,
    ) -> None:
        if not prompts:
            raise ValueError("a load level needs at least one prompt")
        self.target = target
        self.plan = plan
        self.prompts = prompts
        self.max_bytes = max_bytes
        # A target that speaks plain HTTP hands out a raw route: its requests are sent and read
        # here, kernel-stamped where the endpoint allows (transport.stamped), decoded later.
        self.route: RawRoute | None = (
            target.raw_route() if isinstance(target, RawStreaming) else None
        )
        self.decoder = self.route.decoder if self.route is not None else None
        self.send_delays = Delays()
        self.bodies: dict[int, bytes] = {}
        # Each reply goes to disk as it is parsed, text included until tokens are counted
        # and samples chosen (``_finish``): memory does not grow with the level's length.
        self.spill = SpillWriter()
        # Raw streams read during the level, parsed once it is over (see ``_fast``).
        self.unparsed: deque[tuple[int, int, Exchange, int, int]] = deque()
        self.unparsed_bytes = 0
        self.backlog = asyncio.Event()  # set when unparsed_bytes passes the cap
        # Replies read while the backlog is past _UNPARSED_DISK_BYTES: the parser is behind
        # (a client short of CPU); they wait on disk, parsed after the level.
        self.overflow = Overflow()
        self.parsing = True  # the background parser runs until the level is over
        self.scheduled = 0
        # start_ns: a level spread over processes shares one origin (see load.multiproc).
        self.t0 = time.perf_counter_ns() if start_ns is None else start_ns
        self.warm_end = self.t0 + int(plan.warmup_s * _NS)
        self.end = self.t0 + int(plan.duration_s * _NS)
        self.hard = self.end + int(plan.grace_s * _NS)
        self.sem = (
            asyncio.Semaphore(plan.max_concurrency)
            if plan.max_concurrency and plan.arrivals_s is not None
            else None
        )

    def prompt_of(self, i: int) -> int:
        indices = self.plan.prompt_indices
        return (indices[i] if indices is not None else i) % len(self.prompts)

    def body(self, p: int) -> bytes:
        data = self.bodies.get(p)
        if data is None:  # encoded once per prompt, not once per request
            assert self.route is not None
            data = self.bodies[p] = self.route.encode(self.prompts[p])
        return data

    async def request(self, t_sched: int, p: int) -> None:
        loop = asyncio.get_running_loop()
        # How late the loop got to a due request (an open loop's queue wait comes after).
        self.send_delays.add(time.perf_counter_ns() - t_sched)
        t_send = t_sched
        try:
            if self.sem is not None:
                async with asyncio.timeout((self.hard - time.perf_counter_ns()) / _NS):
                    await self.sem.acquire()
            try:
                t_send = time.perf_counter_ns()
                budget = min(self.plan.request_timeout_s, (self.hard - t_send) / _NS)
                if self.route is not None:
                    await self._fast(t_sched, t_send, p, loop.time() + budget)
                else:
                    await self._generic(t_sched, t_send, p, budget)
            finally:
                if self.sem is not None:
                    self.sem.release()
        except (TimeoutError, asyncio.CancelledError):  # never sent, or cut at the hard end
            now = time.perf_counter_ns()
            self.keep(t_sched, t_send, _NO_CHUNKS, now, None, "", FailureMode.TIMEOUT, p, None)

    def keep(
        self,
        t_sched: int,
        t_send: int,
        times: Sequence[int],
        t_end: int,
        usage: int | None,
        text: str,
        error: FailureMode | None,
        p: int,
        finish: str | None,
    ) -> None:
        """Write one finished request to the spill (a few microseconds, buffered)."""
        self.spill.append(
            self.plan.index,
            t_sched,
            t_send,
            times,
            t_end,
            usage,
            "usage" if usage is not None else "none",
            error,
            t_sched < self.warm_end,
            p,
            text,
            finish,
        )

    async def _fast(self, t_sched: int, t_send: int, p: int, deadline: float) -> None:
        assert self.route is not None
        ex = Exchange()
        try:
            async with asyncio.timeout_at(deadline):
                await self.route.send(self.body(p), ex, self.max_bytes)
        except TimeoutError:
            ex.error = FailureMode.TIMEOUT
        t_end = time.perf_counter_ns()
        # Parsing waits until the level is over: 256 streams that finish together would
        # otherwise parse in one burst, taking the client's CPU (and, on the aiohttp path,
        # stamping the chunks of every other stream late). Past _UNPARSED_MAX_BYTES the
        # background parser (``parse_in_slices``) works the backlog down a reply per loop turn,
        # so memory stays bounded and no read waits behind more than one reply's parse (a
        # reply parsed as each one finished stalled the loop for 128 ms when 256 users that
        # started together finished together).
        ex.pack()
        size = sum(len(r) for r in ex.reads)
        if self.unparsed and self.unparsed_bytes + size > _UNPARSED_DISK_BYTES:
            assert ex.ends is not None and isinstance(ex.times, array)
            data = ex.reads[0] if ex.reads else b""
            self.overflow.add(t_sched, t_send, t_end, p, ex.error, ex.times, ex.ends, data)
            return
        self.unparsed.append((t_sched, t_send, ex, t_end, p))
        self.unparsed_bytes += size
        if self.unparsed_bytes > _UNPARSED_MAX_BYTES:
            self.backlog.set()

    async def parse_in_slices(self) -> None:
        """Keep the unparsed backlog under ``_UNPARSED_MAX_BYTES``, one reply per loop turn:
        between two replies the loop reads every socket that became readable meanwhile.
        Returns once ``parsing`` is false (and ``backlog`` set to wake it)."""
        while self.parsing:
            await self.backlog.wait()
            self.backlog.clear()
            while self.parsing and self.unparsed and self.unparsed_bytes > _UNPARSED_MAX_BYTES:
                self.parse_pending(max_replies=1)
                await asyncio.sleep(0)

    def parse_pending(self, max_replies: int | None = None) -> None:
        """Parse the read streams, oldest first: ``max_replies`` of them (None: all of them,
        replies that brought no bytes included, then those that overflowed to disk)."""
        left = len(self.unparsed) if max_replies is None else max_replies
        while self.unparsed and left > 0:
            left -= 1
            t_sched, t_send, ex, t_end, p = self.unparsed.popleft()
            self.unparsed_bytes -= sum(len(r) for r in ex.reads)
            self.parse_one(t_sched, t_send, ex, t_end, p)
        if max_replies is None:
            for t_sched, t_send, t_end, p, error, times, ends, data in self.overflow.drain():
                ex = Exchange()
                ex.reads, ex.times, ex.ends, ex.error = [data] if data else [], times, ends, error
                self.parse_one(t_sched, t_send, ex, t_end, p)

    def parse_one(self, t_sched: int, t_send: int, ex: Exchange, t_end: int, p: int) -> None:
        assert self.decoder is not None
        decode(ex, self.decoder())
        times = array("q", ex.chunk_times)  # packed: a record's form (schemas.RequestRecord)
        self.keep(t_sched, t_send, times, t_end, ex.usage_tokens, ex.text, ex.error, p, ex.finish)

    async def _generic(self, t_sched: int, t_send: int, p: int, budget: float) -> None:
        obs = await observe(
            self.target,
            self.prompts[p],
            case_id="load",
            sample=0,
            t_sched_ns=t_sched,
            timeout_s=max(budget, 1e-3),
            max_output_chars=self.max_bytes,
        )
        usage = obs.usage.completion_tokens if obs.usage else None
        error = obs.error.mode if obs.error else None
        self.keep(
            t_sched,
            obs.t_send_ns,
            obs.chunk_times_ns,
            obs.t_end_ns or t_send,
            usage,
            obs.output,
            error,
            p,
            obs.finish_reason,
        )

    def can_schedule(self) -> bool:
        cap = self.plan.max_requests
        return cap is None or self.scheduled < cap

    async def open_loop(self, tasks: set[asyncio.Task[None]]) -> None:
        assert self.plan.arrivals_s is not None
        loop = asyncio.get_running_loop()
        for i, offset in enumerate(self.plan.arrivals_s):
            due = self.t0 + int(offset * _NS)
            if due >= self.end or not self.can_schedule():
                break
            await _sleep_until(due)
            self.scheduled += 1
            task = loop.create_task(self.request(due, self.prompt_of(i)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def user(self) -> None:
        think = self.plan.think_time_s
        while True:
            now = time.perf_counter_ns()
            if now >= self.end or not self.can_schedule():
                return
            i = self.scheduled
            self.scheduled += 1
            await self.request(now, self.prompt_of(i))
            if think > 0:
                await asyncio.sleep(think)


async def _sleep_until(due_ns: int) -> None:
    while True:
        left = due_ns - time.perf_counter_ns()
        if left <= 0:
            return
        await asyncio.sleep((left - _SPIN_NS) / _NS if left > _SPIN_NS else 0)


async def run_level(
    target: Target,
    plan: LevelPlan,
    prompts: Sequence[Request],
    *,
    max_output_bytes: int = 8 * 1024 * 1024,
    max_lag_ms: float = DEFAULT_MAX_LAG_MS,
    max_cpu_pct: float = DEFAULT_MAX_CPU_PCT,
    start_ns: int | None = None,
    sample_replies: int = 20,
) -> LevelResult:
    """Run ``plan`` against a started ``target``; return its records and client health.

    Never hangs: nothing is sent after ``duration_s``, and whatever is still in flight
    ``grace_s`` later is cut off and recorded as ``timeout``. Metrics are not computed here
    (see ``load.metrics.level_metrics``). ``start_ns``: the level's origin, a future
    ``perf_counter_ns()`` instant to wait for (default: now). Up to ``sample_replies``
    measured replies, spread over the level, are kept for quality under load (``load.quality``).
    """
    with _no_full_collections():
        level = _Level(target, plan, prompts, max_output_bytes, start_ns)
        try:
            health = await _run(level, plan, max_lag_ms, max_cpu_pct, start_ns)
        except BaseException:
            level.spill.discard()
            level.overflow.discard()
            raise
    records, samples = _finish(level, plan, sample_replies)
    return LevelResult(
        index=plan.index,
        concurrency=plan.concurrency,
        rate=plan.rate,
        profile=plan.profile,
        duration_s=plan.duration_s,
        records=records,
        health=health,
        warmup_s=plan.warmup_s,
        tokenizer=token_counter().name,
        samples=samples,
    )


@contextlib.contextmanager
def _no_full_collections() -> Iterator[None]:
    """No full garbage collection while a level runs.

    A full collection scans every live object with the loop stopped. Before the level, what
    is alive (prompts, earlier levels' records) is collected once and frozen, so no later
    collection scans it. During the level, the requests' own records pile up: Python starts
    a full collection whenever a quarter more objects than the last one saw have survived, each
    longer than the last: over a level of minutes, pauses of a large part of a second. Young
    collections still run, so short-lived cycles are freed as usual; what survives is scanned
    after the level, outside every measured interval.
    """
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, 2**31 - 1)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)
        gc.unfreeze()


async def _run(
    level: _Level,
    plan: LevelPlan,
    max_lag_ms: float,
    max_cpu_pct: float,
    start_ns: int | None,
) -> ClientHealth:
    """Send the level's requests, wait for them (bounded), parse what was read."""
    monitor = LagMonitor(max_lag_ms=max_lag_ms, max_cpu_pct=max_cpu_pct)
    if start_ns is not None:  # a perf_counter_ns() instant shared with other processes
        await _sleep_until(start_ns)
    pool = level.route.stamped if level.route is not None else None
    reads = Delays() if pool is not None else None
    if pool is not None:
        pool.read_delays = reads
    monitor.start()
    tasks: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    parser = loop.create_task(level.parse_in_slices())
    try:
        if plan.concurrency is not None:
            for _ in range(plan.concurrency):
                task = loop.create_task(level.user())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        else:
            await level.open_loop(tasks)
        if tasks:
            # Requests bound themselves by the hard end; the extra second is a safety net.
            wait_s = (level.hard - time.perf_counter_ns()) / _NS + 1.0
            _, late = await asyncio.wait(set(tasks), timeout=max(wait_s, 0.0))
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
        health = await monitor.stop(reads, level.send_delays)
    finally:
        # The parser returns by itself, never cancelled: a cancelled task keeps its
        # CancelledError, whose traceback holds this frame (and through it the level) in a
        # cycle the collector does not see on Python 3.11, so every level stayed in memory.
        level.parsing = False
        level.backlog.set()
        if pool is not None:
            pool.read_delays = None
    await parser
    level.parse_pending()
    return health


def _finish(
    level: _Level, plan: LevelPlan, k: int
) -> tuple[SpillRecords, tuple[ResponseSample, ...]]:
    """The level's records in schedule order, with their tokens, and ``k`` sampled replies.

    Streams through the spill written during the level and writes the final one (without
    reply texts) in batches: memory holds a batch, the sort keys and 8 bytes a record.
    Tokens are counted here, once, so the tokenizer never competes with the clock. The
    samples are the measured replies at the middles of ``k`` equal slices of the level's
    schedule, so they cover its start, its middle and its end (where queues are longest).
    """
    import numpy as np

    raw = level.spill.records()
    try:
        n = len(raw)
        sched = np.empty(n, dtype=np.int64)
        send = np.empty(n, dtype=np.int64)
        warm = 0  # warm-up requests (scheduled first, so they sort first)
        for i, (t_sched, t_send, warmup) in enumerate(raw.headers()):
            sched[i] = t_sched
            send[i] = t_send
            warm += warmup
        order = np.lexsort((send, sched))  # by t_sched, then t_send
        del sched, send
        m = n - warm
        picks = {warm + (2 * i + 1) * m // (2 * k) for i in range(min(k, m))} if k > 0 else set()
        out = SpillWriter()
        samples: list[ResponseSample] = []
        counter = token_counter()
        with raw.reader() as read:
            for start in range(0, n, _BATCH):
                batch = [(j, read(int(order[j]))) for j in range(start, min(start + _BATCH, n))]
                need = [text for _, (r, text, _) in batch if r.output_tokens is None and text]
                counts = iter(counter.count(need))
                for j, (r, text, finish) in batch:
                    if j in picks:
                        samples.append(
                            ResponseSample(
                                prompt_index=r.prompt_index,
                                output=text,
                                finish_reason=finish,
                                error=r.error,
                                t_sched_ns=r.t_sched_ns,
                            )
                        )
                    source: TokenSource
                    tokens: int | None
                    if r.output_tokens is not None:
                        tokens, source = r.output_tokens, "usage"
                    elif text:
                        tokens, source = next(counts), "tokenizer"
                    else:
                        tokens, source = (0, "tokenizer") if r.error is None else (None, "none")
                    out.append(
                        plan.index,
                        r.t_sched_ns,
                        r.t_send_ns,
                        r.chunk_times_ns,
                        r.t_end_ns,
                        tokens,
                        source,
                        r.error,
                        r.warmup,
                        r.prompt_index,
                    )
        return out.records(), tuple(samples)
    finally:
        raw.close()
