"""The client-honesty monitor marks a level invalid when the event loop was blocked."""

from __future__ import annotations

import asyncio
import time

from golive.load.monitor import Delays, LagMonitor


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


def test_delays_percentile_is_the_bucket_edge_never_below_the_truth() -> None:
    delays = Delays()
    assert delays.percentile_ms(99) == 0.0
    for us in range(1, 1001):  # 1 us .. 1 ms
        delays.add(us * 1000)
    p50 = delays.percentile_ms(50)
    assert 0.5 <= p50 <= 0.55  # the 500th value, 0.5 ms, rounded up to its 50 us bucket
    assert delays.percentile_ms(100) == 1.0  # clamped to the exact max
    delays.add(5_000_000_000)  # past the last bucket: the max is kept exactly
    assert delays.max_ns == 5_000_000_000 and delays.percentile_ms(100) == 5000.0


def test_stamped_levels_are_judged_by_read_and_send_delays_not_loop_lag() -> None:
    monitor = LagMonitor(max_lag_ms=5.0, max_cpu_pct=90.0)
    monitor.lags_ms = [0.5] * 90 + [40.0] * 10  # two scheduler stalls in a short level
    reads, sends = Delays(), Delays()
    for _ in range(1000):
        reads.add(200_000)  # every read handled 0.2 ms after its kernel stamp
        sends.add(100_000)
    health = monitor.health(cpu_pct=50.0, reads=reads, sends=sends)
    assert health.valid, health.reason
    assert health.lag_ms_p99 > 5.0 and health.read_delay_ms_p99 is not None
    # Without stamps, the same loop lag means late chunk times: invalid.
    assert not monitor.health(cpu_pct=50.0).valid
    # Stamped reads that waited in the socket are what distort the figures.
    for _ in range(20):
        reads.add(30_000_000)
    late = monitor.health(cpu_pct=50.0, reads=reads, sends=sends)
    assert not late.valid and "kernel-stamped reads" in late.reason
    for _ in range(20):
        sends.add(30_000_000)
    assert "after they were due" in monitor.health(cpu_pct=50.0, reads=reads, sends=sends).reason
