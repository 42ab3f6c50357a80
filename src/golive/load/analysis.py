"""Reading a series of load levels: where latency falls off a cliff, and the capacity at the SLO.

Every function here works on finished ``LevelResult``s. Metrics come from ``level.metrics``;
a level that carries none has them computed by ``golive.load.metrics.level_metrics``.

Rules, applied everywhere in this module:

- Levels whose client was the bottleneck (``health.valid`` is false) are skipped: they measure
  golive, not the target.
- The latency that decides is the queue-inclusive p95 TTFT (``ttft_from_schedule_ms.p95``,
  c_1 − t_sched) when the level has it, else p95 TTFT from send: gates use the queue-inclusive
  figure so that coordinated omission cannot hide a queue.
- An SLO is an upper bound: ``{"ttft_ms.p95": 500}`` means the level's ``ttft_ms.p95`` must be
  ≤ 500. A metric a level lacks (no request succeeded) fails its SLO.
- An SLO on a percentile is judged on its point estimate (capacity, cliff and the sweep) and,
  per level, also on its 95% interval (``slo_status``): ``met`` when the interval's upper end
  is within the bound, ``missed`` when the point estimate is past it, ``inconclusive`` when the
  point meets it but the interval still reaches past it (at 20 requests nothing bounds p95
  from above: no p95 SLO can be settled yet).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from golive.load.metrics import level_metrics
from golive.schemas import LevelResult, Metric

__all__ = [
    "CLIFF_FACTOR",
    "CLIFF_MIN_INCREASE_MS",
    "SloStatus",
    "capacity_at_slo",
    "error_share",
    "find_cliff",
    "fmt_interval",
    "latency_p95_ms",
    "level_value",
    "meets_slo",
    "metric_value",
    "slo_status",
    "slo_unsettled",
    "slo_violations",
    "throughput_rps",
]

# A level is past the cliff when its p95 exceeds the low-load baseline this many times…
CLIFF_FACTOR = 3.0
# …and by at least this much: at a 2 ms baseline, 6 ms is noise, not a cliff.
CLIFF_MIN_INCREASE_MS = 50.0


def level_value(level: LevelResult) -> float:
    """The load a level applied: its concurrency (closed loop) or its rate (open loop)."""
    if level.concurrency is not None:
        return float(level.concurrency)
    if level.rate is not None:
        return float(level.rate)
    raise ValueError(f"level {level.index} has neither a concurrency nor a rate")


def _measured(level: LevelResult) -> tuple[int, int]:
    """(measured requests, failed ones): the level's non-warm-up requests, in one streamed
    pass (a long level's records are on disk, see ``load.spill``)."""
    n = failed = 0
    for r in level.records:
        if not r.warmup:
            n += 1
            failed += r.error is not None
    return n, failed


def metric_value(level: LevelResult, name: str) -> float | None:
    """A metric of the level (``ttft_ms.p95``, ``rps``…); None when the level lacks it.

    Taken from ``level.metrics``; one the level does not carry is computed by
    ``load.metrics.level_metrics`` (the one definition of every metric).
    """
    metric = _metric(level, name)
    return None if metric is None else metric.value


def _metric(level: LevelResult, name: str) -> Metric | None:
    metric = level.metrics.get(name)
    return metric if metric is not None else level_metrics(level, {}).get(name)


def latency_p95_ms(level: LevelResult) -> float | None:
    """The deciding latency: queue-inclusive p95 TTFT when known, else p95 TTFT."""
    value = metric_value(level, "ttft_from_schedule_ms.p95")
    return value if value is not None else metric_value(level, "ttft_ms.p95")


def error_share(level: LevelResult) -> float:
    """Failed share of the level's measured (non-warm-up) requests; 0 when there were none."""
    n, failed = _measured(level)
    return failed / n if n else 0.0


def throughput_rps(level: LevelResult) -> float:
    """Completed requests per second (``rps``)."""
    return metric_value(level, "rps") or 0.0


def slo_violations(level: LevelResult, slo: Mapping[str, float]) -> list[str]:
    """Each SLO the level misses, as ``"name=value > bound"`` (empty: all met)."""
    missed: list[str] = []
    for name, bound in slo.items():
        value = metric_value(level, name)
        if value is None or math.isnan(value):
            missed.append(f"{name} unknown (no successful request)")
        elif value > bound:
            missed.append(f"{name}={value:g} > {bound:g}")
    return missed


SloStatus = Literal["met", "missed", "inconclusive"]
_PERCENTILES = ("p50", "p90", "p95", "p99")


def fmt_interval(ci: tuple[float, float]) -> str:
    """``[280, 612]``; an unbounded side (±inf) reads ``unbounded``: ``[280, unbounded)``."""
    low, high = ci
    lo = f"[{low:g}" if math.isfinite(low) else "(unbounded"
    hi = f"{high:g}]" if math.isfinite(high) else "unbounded)"
    return f"{lo}, {hi}"


def slo_unsettled(level: LevelResult, slo: Mapping[str, float]) -> list[str]:
    """Each percentile SLO whose point estimate meets the bound while its 95% interval still
    reaches past it, as ``"ttft_ms.p95=312 <= 500, 95% CI [280, unbounded] at n=40"``."""
    unsettled: list[str] = []
    for name, bound in slo.items():
        if name.rpartition(".")[2] not in _PERCENTILES:
            continue
        metric = _metric(level, name)
        if metric is None or metric.ci is None or math.isnan(metric.value):
            continue
        if metric.value <= bound < metric.ci[1]:
            unsettled.append(
                f"{name}={metric.value:g} <= {bound:g}, 95% CI {fmt_interval(metric.ci)}"
                f" at n={metric.n}"
            )
    return unsettled


def slo_status(level: LevelResult, slo: Mapping[str, float], *, max_error_rate: float) -> SloStatus:
    """``missed`` when an SLO's point estimate is past its bound (or too many requests
    failed), else ``inconclusive`` when a percentile's interval still reaches past its bound,
    else ``met``. Validity is judged apart (``health.valid``)."""
    if error_share(level) > max_error_rate or slo_violations(level, slo):
        return "missed"
    return "inconclusive" if slo_unsettled(level, slo) else "met"


def meets_slo(level: LevelResult, slo: Mapping[str, float], *, max_error_rate: float) -> bool:
    """Valid, every SLO met, and no more than ``max_error_rate`` of requests failed."""
    return (
        level.health.valid
        and error_share(level) <= max_error_rate
        and not slo_violations(level, slo)
    )


def _valid_sorted(levels: Iterable[LevelResult]) -> list[LevelResult]:
    return sorted((lv for lv in levels if lv.health.valid), key=level_value)


def find_cliff(
    levels: Sequence[LevelResult],
    *,
    factor: float = CLIFF_FACTOR,
    min_increase_ms: float = CLIFF_MIN_INCREASE_MS,
) -> float | None:
    """The lowest load where p95 latency has fallen off a cliff; None if it never did.

    Method: the baseline is the deciding p95 latency (see ``latency_p95_ms``) at the lowest
    valid level; the cliff is the first level, in increasing load, whose p95 exceeds
    ``factor`` × the baseline and the baseline + ``min_increase_ms``, or at which more than half
    of the requests failed (a server shedding load with fast errors has a cliff too, even if the
    few requests it serves look fast). Invalid levels are skipped.
    """
    ordered = _valid_sorted(levels)
    baseline: float | None = None
    for level in ordered:
        p95 = latency_p95_ms(level)
        if error_share(level) > 0.5:
            return level_value(level)
        if p95 is None:
            continue
        if baseline is None:
            baseline = p95
        elif p95 > factor * baseline and p95 - baseline >= min_increase_ms:
            return level_value(level)
    return None


def capacity_at_slo(
    levels: Sequence[LevelResult], slo: Mapping[str, float], *, max_error_rate: float = 0.01
) -> float | None:
    """The highest measured load that met every SLO, below the lowest load that did not.

    A measured level, never an interpolation: between the last good and the first bad level
    nothing was observed. A good level above a bad one (noise near the limit) does not raise
    the capacity: load a system cannot sustain at 40 is not sustained at 44. Invalid levels
    are skipped. None when no valid level met the SLO.
    """
    best: float | None = None
    for level in _valid_sorted(levels):
        if not meets_slo(level, slo, max_error_rate=max_error_rate):
            break
        best = level_value(level)
    return best
