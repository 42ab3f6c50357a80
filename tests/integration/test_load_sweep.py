"""The sweep profile driving the real load engine against the bundled demo server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from golive.load import LevelPlan, LevelResult, run_level
from golive.load.analysis import CLIFF_FACTOR, latency_p95_ms, level_value, meets_slo
from golive.load.sweep import SweepArgs, SweepProfile
from golive.registry import registry
from golive.schemas import Message, Request
from golive.targets.base import Target

pytestmark = pytest.mark.integration

PROMPTS = [
    Request(messages=(Message(role="user", content="How do I reset my password?"),), max_tokens=8)
]
MODEL = "nimbus-support-1"
# Generous: a busy shared test machine must not turn every level invalid. The client-honesty
# rule itself is tested with the engine; here it is the search that is under test.
MAX_LAG_MS = 50.0


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """The demo server in its own process (so its work is not the client's event-loop lag):
    20x faster than real time, batches of 4, so queueing starts beyond 4 users."""
    cmd = [
        sys.executable,
        "-m",
        "golive",
        "mock-server",
        "--port",
        "0",
        "--cold-start-s",
        "0",
        "--speed",
        "20",
        "--max-batch",
        "4",
        "--seed",
        "1",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        yield line.split()[3]  # "golive demo server: URL  model=…"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def started(url: str) -> Target:
    spec = {"kind": "openai", "url": url, "model": MODEL}
    target: Target = registry.build("target", registry.parse("target", spec, field="t"))
    await target.start()
    return target


async def test_sweep_finds_capacity_and_cliff_on_the_demo_server(demo_url: str) -> None:
    target = await started(demo_url)
    try:

        async def runner(plan: LevelPlan) -> LevelResult:
            return await run_level(target, plan, PROMPTS, max_lag_ms=MAX_LAG_MS)

        slo = {"ttft_from_schedule_ms.p95": 40.0}
        args = SweepArgs(max=64, duration_s=0.4, slo=slo, max_error_rate=0.0, refine_cliff=True)
        result = await SweepProfile(args).run(runner)
    finally:
        await target.close()
    load = result.load
    assert [lv.index for lv in load.levels] == list(range(len(load.levels)))
    assert all(lv.metrics for lv in load.levels)  # filled by load.metrics
    assert len(load.levels) < 16  # far fewer than a grid of 64 levels
    if result.client_limited:
        pytest.skip(f"the client was the bottleneck on this machine: {result.stopped}")
    assert load.capacity_at_slo is not None
    at_capacity = [lv for lv in load.levels if level_value(lv) == load.capacity_at_slo]
    assert all(meets_slo(lv, slo, max_error_rate=0.0) for lv in at_capacity)
    if load.cliff is not None:
        base = latency_p95_ms(min(load.levels, key=level_value))
        at_cliff = next(lv for lv in load.levels if level_value(lv) == load.cliff)
        p95 = latency_p95_ms(at_cliff)
        assert base is not None and p95 is not None and p95 > CLIFF_FACTOR * base
    assert "c=1" in load.abandonment and "at_capacity" in load.abandonment


async def test_open_loop_sweep_plans_arrivals_per_rate(demo_url: str) -> None:
    target = await started(demo_url)
    plans: list[LevelPlan] = []
    try:

        async def runner(plan: LevelPlan) -> LevelResult:
            plans.append(plan)
            return await run_level(target, plan, PROMPTS, max_lag_ms=MAX_LAG_MS)

        args = SweepArgs(over="rate", start=20, max=80, duration_s=0.3, arrivals="constant")
        result = await SweepProfile(args).run(runner, seed=3)
    finally:
        await target.close()
    assert plans[0].rate == 20 and plans[0].arrivals_s is not None
    assert len(plans[0].arrivals_s) == 6  # 20 requests/s for 0.3 s, evenly spaced
    assert all(p.concurrency is None and p.profile == "sweep" for p in plans)
    assert [lv.rate for lv in result.load.levels] == [p.rate for p in plans]
