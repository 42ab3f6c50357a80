"""The ``sweep`` profile: search for the capacity at the SLO and the latency cliff.

Not a linear grid: loads grow geometrically (1, 2, 4, 8… up to ``max``) until a level is
clearly past saturation, the cliff has shown, or ``max`` is reached; then bisection between
the last good and the first bad level narrows the SLO boundary down to ``resolution``.

Each level gets one verdict:

- ``invalid``: the client was the bottleneck (``health.valid`` false). It says nothing about
  the target: no higher load is tried and the result says so (``client_limited``); a boundary
  already bracketed below it is still bisected, and a capacity found is a lower bound.
- ``saturated``: clearly past saturation — more than ``saturation_error_rate`` of requests
  failed, or p95 latency exceeds ``saturation_factor`` × a latency SLO (× the low-load baseline
  without one), or throughput grew under 10% from the previous load while p95 latency at least
  doubled. No higher load is tried: it would only queue more.
- ``slo``: an SLO was missed (or more than ``max_error_rate`` failed); ``cliff``: without an
  SLO, p95 latency passed the cliff rule of ``analysis.find_cliff``.
- ``good``: everything else.

The level runner is injected (``Probe``: index and load → ``LevelResult``), so the search is
tested against a simulated system whose latency curve is known exactly.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import Field, model_validator

from golive.load.abandonment import abandonment_summary
from golive.load.analysis import (
    CLIFF_FACTOR,
    CLIFF_MIN_INCREASE_MS,
    capacity_at_slo,
    error_share,
    find_cliff,
    latency_p95_ms,
    level_value,
    meets_slo,
    metric_value,
    slo_violations,
    throughput_rps,
)
from golive.load.metrics import level_metrics
from golive.load.profiles import LevelOptions
from golive.registry import ComponentArgs, profile, registry
from golive.schemas import LevelPlan, LevelResult, LoadResult

__all__ = [
    "LevelRunner",
    "Probe",
    "SweepArgs",
    "SweepProfile",
    "SweepResult",
    "SweepStep",
    "level_plan",
    "search",
]

Verdict = Literal["good", "slo", "cliff", "saturated", "invalid"]
Probe = Callable[[int, float], Awaitable[LevelResult]]  # (level index, load) -> the level
LevelRunner = Callable[[LevelPlan], Awaitable[LevelResult]]  # e.g. run_level bound to a target
_SLO_BAD: frozenset[str] = frozenset({"slo", "saturated"})


class SweepArgs(ComponentArgs):
    """Search for the highest load that meets every SLO, and for the latency cliff."""

    kind: Literal["sweep"] = "sweep"
    over: Literal["concurrency", "rate"] = Field(
        default="concurrency",
        description="What grows: concurrent users (closed loop) or requests/s (open loop).",
    )
    start: float = Field(default=1.0, gt=0, description="First load tried.")
    max: float = Field(default=256.0, gt=0, description="Highest load ever tried.")
    growth: float = Field(default=2.0, gt=1, description="Factor between exploratory levels.")
    resolution: float = Field(
        default=0.1,
        gt=0,
        lt=1,
        description="Bisection stops when the gap is at most this share of the last good load "
        "(and, for concurrency, at most 1 user).",
    )
    duration_s: float = Field(default=10.0, gt=0, description="Seconds per level.")
    arrivals: Literal["constant", "poisson"] = Field(
        default="poisson", description="Open loop: how arrivals are spaced at each rate."
    )
    think_time_s: float = Field(
        default=0.0, ge=0, description="Closed loop: pause between a reply and the next request."
    )
    slo: dict[str, float] = Field(
        default_factory=dict,
        description="Upper bounds on level metrics, e.g. {'ttft_from_schedule_ms.p95': 500}.",
    )
    max_error_rate: float = Field(
        default=0.01, ge=0, le=1, description="Most failed share a level may have and still pass."
    )
    saturation_error_rate: float = Field(
        default=0.5, ge=0, le=1, description="Failed share beyond which a level is saturated."
    )
    saturation_factor: float = Field(
        default=10.0, gt=1, description="p95 beyond this × the latency SLO: saturated."
    )
    refine_cliff: bool = Field(
        default=False,
        description="Also bisect the cliff when an SLO is set (without one it is always bisected).",
    )
    max_levels: int = Field(default=24, ge=1, description="Hard bound on the levels run.")

    @model_validator(mode="after")
    def _order(self) -> SweepArgs:
        if self.start > self.max:
            raise ValueError(f"start ({self.start:g}) is above max ({self.max:g})")
        return self


@dataclass(frozen=True, slots=True)
class SweepStep:
    """One decision of the search: which load, what it showed, why."""

    value: float
    level: int
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class SweepResult:
    load: LoadResult
    steps: tuple[SweepStep, ...]
    stopped: str  # why the search ended, in words
    client_limited: bool = False  # an invalid level ended it: the capacity is a lower bound


class _Search:
    def __init__(self, probe: Probe, args: SweepArgs) -> None:
        self.probe, self.args = probe, args
        self.levels: list[LevelResult] = []
        self.steps: list[SweepStep] = []
        self.baseline: float | None = None
        self.stopped = ""
        self.client_limited = False

    @property
    def integer(self) -> bool:
        return self.args.over == "concurrency"

    def _prev_below(self, value: float) -> LevelResult | None:
        below = [lv for lv in self.levels if lv.health.valid and level_value(lv) < value]
        return max(below, key=level_value) if below else None

    def classify(self, level: LevelResult) -> tuple[Verdict, str]:
        a = self.args
        if not level.health.valid:
            return "invalid", level.health.reason or "the client was the bottleneck"
        errors = error_share(level)
        if errors > a.saturation_error_rate:
            return "saturated", f"{errors:.0%} of requests failed"
        p95 = latency_p95_ms(level)
        for name, bound in a.slo.items():
            value = metric_value(level, name)
            if "_ms." in name and value is not None and value > a.saturation_factor * bound:
                return "saturated", f"{name}={value:g} > {a.saturation_factor:g}× the SLO"
        base = self.baseline
        limit = (
            None if a.slo or base is None else a.saturation_factor * base + CLIFF_MIN_INCREASE_MS
        )
        if limit is not None and p95 is not None and p95 > limit:
            return "saturated", f"p95 {p95:g} ms > {a.saturation_factor:g}× the baseline"
        prev = self._prev_below(level_value(level))
        prev_p95 = latency_p95_ms(prev) if prev is not None else None
        if prev is not None and p95 is not None and prev_p95 is not None:
            flat = throughput_rps(level) < 1.1 * throughput_rps(prev)
            if flat and p95 >= 2 * prev_p95 and p95 - prev_p95 >= CLIFF_MIN_INCREASE_MS:
                return "saturated", "throughput stopped growing while p95 latency doubled"
        if a.slo or errors > a.max_error_rate:
            if not meets_slo(level, a.slo, max_error_rate=a.max_error_rate):
                missed = slo_violations(level, a.slo) or [f"{errors:.1%} of requests failed"]
                return "slo", "; ".join(missed)
        elif self._past_cliff(p95):
            return "cliff", f"p95 {p95:g} ms > {CLIFF_FACTOR:g}× the baseline {self.baseline:g}"
        return "good", ""

    def _past_cliff(self, p95: float | None) -> bool:
        if p95 is None or self.baseline is None:
            return False
        return p95 > CLIFF_FACTOR * self.baseline and p95 - self.baseline >= CLIFF_MIN_INCREASE_MS

    async def run(self, value: float) -> Verdict | None:
        """Run one level; None when the search must stop (invalid level, or out of levels)."""
        if len(self.levels) >= self.args.max_levels:
            self.stopped = f"stopped after max_levels={self.args.max_levels} levels"
            return None
        level = await self.probe(len(self.levels), value)
        if not level.metrics:
            level = replace(level, metrics=level_metrics(level, self.args.slo))
        self.levels.append(level)
        verdict, reason = self.classify(level)
        if self.baseline is None and verdict != "invalid":
            self.baseline = latency_p95_ms(level)
        self.steps.append(SweepStep(value, level.index, verdict, reason))
        if verdict == "invalid":
            self.client_limited = True
            self.stopped = (
                f"the client was the bottleneck at {value:g} ({reason}); that level is not the "
                "target's limit, and loads above it were not measured"
            )
            return None
        return verdict

    def _next_up(self, value: float) -> float:
        nxt = value * self.args.growth
        if self.integer:
            nxt = max(math.floor(nxt), int(value) + 1)
        return float(min(nxt, self.args.max))

    def _done(self, lo: float, hi: float) -> bool:
        gap = hi - lo
        if self.integer and gap <= 1:
            return True
        return gap <= self.args.resolution * lo

    def _mid(self, lo: float, hi: float) -> float:
        return float((int(lo) + int(hi)) // 2) if self.integer else (lo + hi) / 2

    async def explore(self) -> tuple[float | None, float | None]:
        """Geometric phase: the last good and the first SLO-bad loads."""
        value = float(math.ceil(self.args.start)) if self.integer else self.args.start
        good = slo_bad = any_bad = None
        while True:
            verdict = await self.run(value)
            if verdict is None:
                break
            if verdict == "good":
                good = value
            else:
                any_bad = value if any_bad is None else any_bad
                if verdict != "cliff":
                    slo_bad = value if slo_bad is None else slo_bad
            if verdict == "saturated":
                self.stopped = f"{value:g} is clearly past saturation; no higher load tried"
                break
            # Past the SLO, keep exploring only until the cliff shows: it is the other answer.
            if any_bad is not None and (verdict == "cliff" or find_cliff(self.levels) is not None):
                self.stopped = f"the cliff showed at {find_cliff(self.levels) or value:g}"
                break
            if value >= self.args.max:
                self.stopped = f"reached max={self.args.max:g}"
                break
            value = self._next_up(value)
        return good, slo_bad

    def past_cliff(self, level: LevelResult, verdict: Verdict) -> bool:
        """The cliff rule of ``find_cliff`` applied to one level."""
        if verdict in ("cliff", "saturated") or error_share(level) > 0.5:
            return True
        return self._past_cliff(latency_p95_ms(level))

    async def bisect(
        self, lo: float, hi: float, is_bad: Callable[[LevelResult, Verdict], bool]
    ) -> None:
        while not self._done(lo, hi):
            mid = self._mid(lo, hi)
            if mid <= lo or mid >= hi:
                break
            verdict = await self.run(mid)
            if verdict is None:
                return
            if is_bad(self.levels[-1], verdict):
                hi = mid
            else:
                lo = mid


async def search(probe: Probe, args: SweepArgs) -> SweepResult:
    """Run the sweep with ``probe`` as the level runner; every level it ran is in the result."""
    s = _Search(probe, args)
    good, slo_bad = await s.explore()
    if good is not None:
        # Boundaries already bracketed below an invalid level are still bisected: those loads
        # are below the one where the client gave out. First the capacity boundary.
        if args.slo and slo_bad is not None and slo_bad > good:
            await s.bisect(good, slo_bad, lambda _level, verdict: verdict in _SLO_BAD)
        # The cliff boundary: always without an SLO, on request with one.
        cliff = find_cliff(s.levels)
        if (not args.slo or args.refine_cliff) and cliff is not None:
            below = [level_value(lv) for lv in s.levels if level_value(lv) < cliff]
            if below:
                await s.bisect(max(below), cliff, s.past_cliff)
    elif good is None and not s.client_limited:
        s.stopped = f"the first level ({args.start:g}) already failed: {s.steps[0].reason}"
    if not s.stopped:
        s.stopped = "search finished"
    levels = tuple(s.levels)
    capacity = (
        capacity_at_slo(levels, args.slo, max_error_rate=args.max_error_rate) if args.slo else None
    )
    load = LoadResult(
        levels=levels,
        slo=dict(args.slo),
        capacity_at_slo=capacity,
        cliff=find_cliff(levels),
        abandonment=abandonment_summary(levels, capacity=capacity),
    )
    return SweepResult(load, tuple(s.steps), s.stopped, s.client_limited)


def level_plan(
    args: SweepArgs, index: int, load: float, *, seed: int = 0, options: LevelOptions | None = None
) -> LevelPlan:
    """The plan of one sweep level: ``load`` users (closed loop) or requests/s (open loop)."""
    options = options or LevelOptions()
    if args.over == "concurrency":
        return LevelPlan(
            index=index,
            profile="sweep",
            duration_s=args.duration_s,
            concurrency=int(load),
            think_time_s=args.think_time_s,
            warmup_s=options.warmup_s,
            max_requests=options.max_requests,
            request_timeout_s=options.request_timeout_s,
            grace_s=options.grace_s,
        )
    # The arrival process of the registered open-loop profile, so both agree on what "poisson"
    # means; the seed is offset by the index so each level gets its own arrivals.
    open_loop = registry.build(
        "profile", registry.parse("profile", {"kind": args.arrivals, "rate": [load]}, field="sweep")
    )
    plan: LevelPlan = open_loop.plans(args.duration_s, seed + index, options)[0]
    return replace(plan, index=index, profile="sweep")


@profile("sweep", args=SweepArgs)
class SweepProfile:
    """Search for the capacity at the SLO and the latency cliff (exponential, then bisection).

    Unlike the fixed profiles it has no plan list: each level depends on what the previous
    ones showed, so it drives the level runner itself (``run``).
    """

    def __init__(self, args: SweepArgs) -> None:
        self.args = args

    async def run(
        self, runner: LevelRunner, *, seed: int = 0, options: LevelOptions | None = None
    ) -> SweepResult:
        """Search with ``runner`` running each level (``run_level`` bound to a started target)."""

        async def probe(index: int, load: float) -> LevelResult:
            return await runner(level_plan(self.args, index, load, seed=seed, options=options))

        return await search(probe, self.args)

    def prompts(self) -> None:
        return None
