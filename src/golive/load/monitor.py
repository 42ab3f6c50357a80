"""Client honesty: event-loop lag and client CPU during a level, so a level where golive
itself was the bottleneck is marked invalid instead of reported as the server's latency."""

from __future__ import annotations

import asyncio
import contextlib
import time

from golive.load.records import ClientHealth
from golive.stats import percentile

__all__ = ["DEFAULT_MAX_CPU_PCT", "DEFAULT_MAX_LAG_MS", "LagMonitor"]

# A timer that fires more than 5 ms late means every chunk timestamp may be 5 ms late too:
# that is the load engine's accuracy bar, so beyond it the latencies are not the server's.
DEFAULT_MAX_LAG_MS = 5.0
# Above 90% of one core the client has no headroom left and queues work it should measure.
DEFAULT_MAX_CPU_PCT = 90.0


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
        while True:
            due = perf() + interval
            await asyncio.sleep(interval)
            lags.append(max(0.0, (perf() - due) * 1000.0))

    async def stop(self) -> ClientHealth:
        cpu = time.process_time() - self._cpu0
        wall = time.perf_counter() - self._wall0
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        return self.health(cpu_pct=100.0 * cpu / wall if wall > 0 else 0.0)

    def health(self, *, cpu_pct: float) -> ClientHealth:
        """Judge the samples taken so far against the thresholds."""
        lags = sorted(self.lags_ms)
        p99 = percentile(lags, 99) if lags else 0.0
        worst = lags[-1] if lags else 0.0
        reasons = []
        if p99 > self.max_lag_ms:
            reasons.append(
                f"client event-loop lag p99 {p99:.1f} ms > {self.max_lag_ms:g} ms: "
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
        )
