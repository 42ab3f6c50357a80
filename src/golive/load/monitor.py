"""Client honesty: event-loop lag and client CPU during a level, so a level where golive
itself was the bottleneck is marked invalid instead of reported as the server's latency.

What makes a level invalid depends on how its chunk times were taken. On the aiohttp and
in-process paths a chunk's time is when the loop got to it, so a late timer (loop lag) means
late stamps. On the kernel-stamped path (``transport.stamped``) a chunk's time is when the kernel
received it, and loop lag only distorts a figure where it delayed something measured: a read
that waited in the socket (its segments merge and take the newest one's stamp) or a request
sent after it was due (queue-inclusive figures grow). There the delay between each read's
kernel stamp and the moment the loop handled it, and between each request's due time and the
moment the loop got to send it, are judged instead; loop lag is still reported.
"""

from __future__ import annotations

import asyncio
import math
import time

from golive.schemas import ClientHealth
from golive.stats import percentile

__all__ = ["DEFAULT_MAX_CPU_PCT", "DEFAULT_MAX_LAG_MS", "Delays", "LagMonitor"]

# A timer that fires more than 5 ms late means every chunk timestamp may be 5 ms late too:
# that is the load engine's accuracy bar, so beyond it the latencies are not the server's.
DEFAULT_MAX_LAG_MS = 5.0
# Above 90% of one core the client has no headroom left and queues work it should measure.
DEFAULT_MAX_CPU_PCT = 90.0


# Delays buckets: 50 us wide up to 100 ms, then one overflow bucket (the exact max is kept).
_BUCKET_NS = 50_000
_BUCKETS = 2_000


class Delays:
    """Delays the client loop added: each stamped read's stamp to its handling, or each
    request's due time to its send.

    A fixed histogram, so a level of minutes at thousands of reads per second costs constant
    memory and one integer division per read. Percentiles are the upper edge of their bucket:
    never below the truth, at most 50 us above it (below 100 ms).
    """

    __slots__ = ("_counts", "count", "max_ns")

    def __init__(self) -> None:
        self._counts = [0] * (_BUCKETS + 1)
        self.count = 0
        self.max_ns = 0

    def add(self, delay_ns: int) -> None:
        delay_ns = max(delay_ns, 0)
        i = delay_ns // _BUCKET_NS
        self._counts[i if i < _BUCKETS else _BUCKETS] += 1
        self.count += 1
        if delay_ns > self.max_ns:
            self.max_ns = delay_ns

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile (0-100) in ms; 0 with no reads."""
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(q / 100.0 * self.count))
        seen = 0
        for i, c in enumerate(self._counts):
            seen += c
            if seen >= rank:
                edge = (i + 1) * _BUCKET_NS if i < _BUCKETS else self.max_ns
                return min(edge, self.max_ns) / 1e6
        return self.max_ns / 1e6


class LagMonitor:
    """Sample event-loop lag every ``interval_s`` between ``start()`` and ``stop()``.

    Lag is how late a timer fires: the time the loop spent on other work before it
    could run a callback that was due. CPU is the process's user+system time over the
    wall time between start and stop, in percent of one core.
    """

    def __init__(
        self,
        *,
        interval_s: float = 0.005,
        max_lag_ms: float = DEFAULT_MAX_LAG_MS,
        max_cpu_pct: float = DEFAULT_MAX_CPU_PCT,
    ) -> None:
        self.interval_s = interval_s
        self.max_lag_ms = max_lag_ms
        self.max_cpu_pct = max_cpu_pct
        self.lags_ms: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._cpu0 = 0.0
        self._wall0 = 0.0

    def start(self) -> None:
        self._cpu0 = time.process_time()
        self._wall0 = time.perf_counter()
        self._task = asyncio.get_running_loop().create_task(self._sample())

    async def _sample(self) -> None:
        interval = self.interval_s
        perf = time.perf_counter
        lags = self.lags_ms
        while not self._stopping:
            due = perf() + interval
            await asyncio.sleep(interval)
            lags.append(max(0.0, (perf() - due) * 1000.0))

    async def stop(self, reads: Delays | None = None, sends: Delays | None = None) -> ClientHealth:
        """End sampling and judge the level. ``reads``: the kernel-stamped reads' delays, which
        (with ``sends``, the requests' send delays) then decide validity in place of the loop
        lag (see the module docstring)."""
        cpu = time.process_time() - self._cpu0
        wall = time.perf_counter() - self._wall0
        if self._task is not None:
            # Told to return, not cancelled: a cancelled task awaited here kept its frames
            # (and with them the level) alive for the rest of the run on Python 3.11.
            self._stopping = True
            await self._task
            self._task = None
            self._stopping = False
        cpu_pct = 100.0 * cpu / wall if wall > 0 else 0.0
        return self.health(cpu_pct=cpu_pct, reads=reads, sends=sends)

    def health(
        self, *, cpu_pct: float, reads: Delays | None = None, sends: Delays | None = None
    ) -> ClientHealth:
        """Judge the samples taken so far against the thresholds. With ``reads`` that saw
        stamped reads, their delay p99 and the send delay p99 are judged, not the loop lag."""
        lags = sorted(self.lags_ms)
        p99 = percentile(lags, 99) if lags else 0.0
        worst = lags[-1] if lags else 0.0
        limit = self.max_lag_ms
        reasons = []
        stamped = reads is not None and reads.count > 0
        read_p99 = read_max = send_p99 = None
        if reads is not None and stamped:
            read_p99, read_max = reads.percentile_ms(99), reads.max_ns / 1e6
            send_p99 = sends.percentile_ms(99) if sends is not None else 0.0
            if read_p99 > limit:
                reasons.append(
                    f"kernel-stamped reads handled {read_p99:.1f} ms after their stamp at p99 "
                    f"> {limit:g} ms: chunks that waited in the socket merged, so their "
                    "times may be late"
                )
            if send_p99 > limit:
                reasons.append(
                    f"requests sent {send_p99:.1f} ms after they were due at p99 > {limit:g} ms: "
                    "queue-inclusive latencies include the client's own delay"
                )
        elif p99 > limit:
            reasons.append(
                f"client event-loop lag p99 {p99:.1f} ms > {limit:g} ms: "
                "latencies include the client's own delay"
            )
        if cpu_pct > self.max_cpu_pct:
            reasons.append(
                f"client CPU {cpu_pct:.0f}% of a core > {self.max_cpu_pct:g}%: "
                "the client, not the server, may be the bottleneck"
            )
        return ClientHealth(
            lag_ms_p99=p99,
            lag_ms_max=worst,
            cpu_pct=cpu_pct,
            valid=not reasons,
            reason="; ".join(reasons),
            read_delay_ms_p99=read_p99,
            read_delay_ms_max=read_max,
            send_delay_ms_p99=send_p99,
        )
