"""The client-honesty monitor marks a level invalid when the event loop was blocked."""

from __future__ import annotations

import asyncio
import time

from golive.load.monitor import LagMonitor


def _busy(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:  # CPU-bound work that holds the loop
        pass


async def test_blocked_loop_is_invalid() -> None:
    monitor = LagMonitor(interval_s=0.002, max_lag_ms=5.0)
    monitor.start()
    await asyncio.sleep(0)  # the sampler arms its first timer
    _busy(30.0)  # hold the loop: that timer fires at least 28 ms late
    for _ in range(1000):  # the sampler's next turn records the late firing
        if monitor.lags_ms:
            break
        await asyncio.sleep(0)
    assert monitor.lags_ms, "the sampler never ran after the loop was released"
    health = await monitor.stop()
    assert not health.valid
    assert health.lag_ms_max >= 20.0
    assert "lag" in health.reason


async def test_cpu_threshold_gives_reason() -> None:
    monitor = LagMonitor(max_cpu_pct=0.0, max_lag_ms=1e9)
    monitor.start()
    _busy(20.0)
    health = await monitor.stop()
    assert not health.valid and "CPU" in health.reason and health.cpu_pct > 0


def test_judgement_thresholds() -> None:
    monitor = LagMonitor(max_lag_ms=5.0, max_cpu_pct=90.0)
    monitor.lags_ms = [0.5] * 1000
    assert monitor.health(cpu_pct=50.0).valid
    monitor.lags_ms = [0.5] * 900 + [20.0] * 100
    assert not monitor.health(cpu_pct=50.0).valid
