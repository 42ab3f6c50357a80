"""The sweep search against a simulated system whose latency curve is known exactly."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from pydantic import ValidationError

from golive.load.analysis import level_value
from golive.load.sweep import SweepArgs, SweepProfile, search
from golive.registry import registry
from golive.schemas import ClientHealth, FailureMode, LevelResult, Metric, RequestRecord

MS = 1_000_000


def latency_ms(x: float) -> float:
    """p95 TTFT of the simulated system: flat to 20 users, then quadratic growth."""
    return 100.0 * max(1.0, x / 20.0) ** 2


class Simulated:
    """A fake level runner: every request of a level takes exactly ``latency(load)``."""

    def __init__(
        self,
        latency: Callable[[float], float] = latency_ms,
        *,
        saturation: float = 20.0,  # throughput stops growing here
        failing_from: float = math.inf,  # 80% errors from this load up
        client_limit: float = math.inf,  # the client is the bottleneck from this load up
        rate: bool = False,
    ) -> None:
        self.latency, self.saturation = latency, saturation
        self.failing_from, self.client_limit, self.rate = failing_from, client_limit, rate
        self.loads: list[float] = []

    async def __call__(self, index: int, load: float) -> LevelResult:
        self.loads.append(load)
        n = 20
        errors = 16 if load >= self.failing_from else 0
        t = int(self.latency(load) * MS)
        records = [
            RequestRecord(index, 0, 0, (t, t + MS), t + MS, 2, "usage") for _ in range(n - errors)
        ]
        records += [
            RequestRecord(index, 0, 0, (), MS, None, "none", error=FailureMode.HTTP_ERROR)
            for _ in range(errors)
        ]
        valid = load < self.client_limit
        rps = 10.0 * min(load, self.saturation)
        return LevelResult(
            index=index,
            concurrency=None if self.rate else int(load),
            rate=load if self.rate else None,
            profile="sweep",
            duration_s=1.0,
            records=tuple(records),
            health=ClientHealth(1.0, 1.0, 50.0, valid, "" if valid else "client CPU 100%"),
            metrics={"rps": Metric("rps", rps)},
        )


def true_capacity(slo_ms: float, hi: int = 10_000) -> int:
    return max(x for x in range(1, hi) if latency_ms(x) <= slo_ms)


async def test_finds_the_capacity_within_resolution_with_few_levels() -> None:
    sim = Simulated()
    args = SweepArgs(max=1024, slo={"ttft_ms.p95": 500.0}, resolution=0.1)
    result = await search(sim, args)
    truth = true_capacity(500.0)  # 44
    found = result.load.capacity_at_slo
    assert found is not None
    assert latency_ms(found) <= 500.0  # the answer meets the SLO…
    assert truth - found <= max(1.0, 0.1 * truth)  # …and is within the resolution of the truth
    assert len(sim.loads) < truth / 3  # a linear grid at this resolution needs ~truth/2+ levels
    assert max(sim.loads) <= 64  # nothing far past saturation
    assert len(result.load.levels) == len(sim.loads) == len(result.steps)
    assert [lv.index for lv in result.load.levels] == list(range(len(sim.loads)))


async def test_resolution_of_one_user_finds_the_exact_capacity() -> None:
    result = await search(
        Simulated(), SweepArgs(max=256, slo={"ttft_ms.p95": 500.0}, resolution=0.01)
    )
    assert result.load.capacity_at_slo == true_capacity(500.0)


async def test_stops_early_once_clearly_past_saturation() -> None:
    sim = Simulated(latency=lambda x: 100.0, failing_from=16)
    result = await search(sim, SweepArgs(max=4096, slo={"ttft_ms.p95": 500.0}))
    assert max(sim.loads) == 16  # 32…4096 never run
    assert result.steps[4].verdict == "saturated"
    assert "saturation" in result.stopped
    assert result.load.capacity_at_slo is not None and 8 <= result.load.capacity_at_slo < 16


async def test_flat_throughput_with_doubling_latency_is_saturation() -> None:
    sim = Simulated(saturation=8, latency=lambda x: 50.0 * max(1.0, x / 8))
    result = await search(sim, SweepArgs(max=4096, slo={"ttft_ms.p95": 100_000.0}))
    assert {s.verdict for s in result.steps} >= {"saturated"}
    assert max(sim.loads) <= 32


async def test_a_client_limited_level_is_never_the_answer() -> None:
    sim = Simulated(client_limit=32)
    result = await search(sim, SweepArgs(max=1024, slo={"ttft_ms.p95": 500.0}))
    assert result.client_limited
    assert max(sim.loads) == 32  # stopped there: nothing above was measured
    assert result.steps[-1].verdict == "invalid"
    assert result.load.capacity_at_slo == 16  # a lower bound from valid levels only
    assert "client" in result.stopped and "not the target's limit" in result.stopped


async def test_client_limit_during_bisection_also_stops_the_search() -> None:
    sim = Simulated(client_limit=40)
    result = await search(sim, SweepArgs(max=1024, slo={"ttft_ms.p95": 500.0}))
    assert result.client_limited
    assert result.steps[-1].verdict == "invalid"
    assert result.load.capacity_at_slo is not None and result.load.capacity_at_slo < 40


async def test_without_slo_the_cliff_is_bisected() -> None:
    sim = Simulated()
    result = await search(sim, SweepArgs(max=1024))
    # Cliff rule: p95 > 3 × 100 ms and +50 ms: x > 20·√3 ≈ 34.6, so the true cliff is 35.
    assert result.load.cliff is not None
    assert 35 <= result.load.cliff <= 35 * 1.1
    assert result.load.capacity_at_slo is None  # no SLO, no capacity at it
    assert len(sim.loads) < 12


async def test_open_loop_rates_are_searched_as_real_numbers() -> None:
    sim = Simulated(rate=True)
    result = await search(
        sim, SweepArgs(over="rate", start=0.5, max=512, slo={"ttft_ms.p95": 500.0}, resolution=0.05)
    )
    found = result.load.capacity_at_slo
    assert found is not None and latency_ms(found) <= 500.0
    assert 20 * math.sqrt(5) - found <= 0.05 * found + 1e-9
    assert any(level_value(lv) != int(level_value(lv)) for lv in result.load.levels)


async def test_first_level_already_failing_has_no_capacity() -> None:
    sim = Simulated(latency=lambda x: 900.0)
    result = await search(sim, SweepArgs(max=64, slo={"ttft_ms.p95": 500.0}))
    assert result.load.capacity_at_slo is None
    assert "first level" in result.stopped


async def test_levels_carry_the_abandonment_summary() -> None:
    result = await search(Simulated(), SweepArgs(max=256, slo={"ttft_ms.p95": 500.0}))
    ab = result.load.abandonment
    assert ab["c=1"] == 0.0  # 100 ms loses nobody
    assert "at_capacity" in ab
    assert ab["c=64"] > 0  # 1.0 s p95… at 64 users: (64/20)² × 100 ms = 1.02 s > 1 s


def test_args_are_validated_and_registered_as_a_profile() -> None:
    with pytest.raises(ValidationError):
        SweepArgs(start=10, max=5)
    args = registry.parse("profile", {"kind": "sweep", "over": "rate", "max": 50}, field="load")
    assert isinstance(args, SweepArgs) and args.over == "rate"
    assert isinstance(registry.build("profile", args), SweepProfile)


async def test_refine_cliff_bisects_the_cliff_as_well_as_the_capacity() -> None:
    coarse = await search(Simulated(), SweepArgs(max=1024, slo={"ttft_ms.p95": 500.0}))
    fine = await search(
        Simulated(), SweepArgs(max=1024, slo={"ttft_ms.p95": 500.0}, refine_cliff=True)
    )
    assert coarse.load.cliff is not None and fine.load.cliff is not None
    assert 35 <= fine.load.cliff < coarse.load.cliff
    assert fine.load.capacity_at_slo == coarse.load.capacity_at_slo
