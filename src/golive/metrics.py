"""Metrics of an evaluation run: pass rates with Wilson intervals, failure rates and counts,
and latency percentiles with distribution-free intervals. Names are the ones gates and the
JSON summary use.

Latency population (``LATENCY_POPULATION``): every latency figure of a run covers the same
requests, the successful ones that returned content (not replayed from the cache). A reply
without content has an E2E (time to its end) but no TTFT; counting it in E2E alone once put
E2E p50 below TTFT p50 in one table.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from golive.schemas import CaseResult, FailureMode, Metric, ScoredObservation
from golive.stats import percentile_intervals, summarize_latencies, wilson_interval

__all__ = [
    "LATENCY_POPULATION",
    "PERCENTILE_STATS",
    "SUMMARY_STATS",
    "compute_metrics",
    "latency_json",
    "latency_metrics",
    "rate",
    "unbounded_ci",
]

# What every latency summary covers: successful requests that returned content.
LATENCY_POPULATION = "ok"


def rate(name: str, successes: int, n: int) -> Metric:
    return Metric(name, successes / n if n else 0.0, wilson_interval(successes, n), n)


def unbounded_ci(ci: tuple[float | None, float | None]) -> tuple[float, float]:
    """An interval with unbounded sides (None) as a ``Metric.ci``: -inf / +inf there, so a
    gate on ``.ci_high`` never passes on a bound the data did not give."""
    low, high = ci
    return (-math.inf if low is None else low, math.inf if high is None else high)


def latency_metrics(prefix: str, values: Sequence[float]) -> dict[str, Metric]:
    """``{prefix}.p50`` … ``.max``, ``.mean`` of ``values``; percentiles carry their 95%
    distribution-free interval (``stats.percentile_ci``), all carry ``n``."""
    ordered = sorted(values)
    intervals = percentile_intervals(ordered)
    out: dict[str, Metric] = {}
    for stat, value in summarize_latencies(ordered).items():
        ci = intervals.get(stat)
        name = f"{prefix}.{stat}"
        out[name] = Metric(name, value, None if ci is None else unbounded_ci(ci), len(ordered))
    return out


SUMMARY_STATS = ("p50", "p90", "p95", "p99", "max", "mean")
PERCENTILE_STATS = ("p50", "p90", "p95", "p99")


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def latency_json(metrics: Mapping[str, Metric], prefix: str, population: str) -> dict[str, Any]:
    """One latency summary as ``summary.json`` has it: ``p50`` … ``mean``, ``ci`` per percentile
    (``[low, high]``, null on a side the sample cannot bound; null when nothing was measured),
    ``n`` and ``population`` (which requests it covers: ``"ok"`` or ``"all"``)."""
    out: dict[str, Any] = {}
    ci: dict[str, list[float | None] | None] = {}
    n = 0
    for stat in SUMMARY_STATS:
        metric = metrics.get(f"{prefix}.{stat}")
        out[stat] = None if metric is None else _finite(metric.value)
        if metric is not None:
            n = max(n, metric.n or 0)
        if stat in PERCENTILE_STATS:
            interval = None if metric is None else metric.ci
            ci[stat] = None if interval is None else [_finite(interval[0]), _finite(interval[1])]
    out["ci"] = ci
    out["n"] = n
    out["population"] = population
    return out


def _samples(cases: Iterable[CaseResult]) -> list[ScoredObservation]:
    return [s for c in cases for s in c.samples]


def compute_metrics(cases: list[CaseResult]) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}

    def add(metric: Metric) -> None:
        metrics[metric.name] = metric

    samples = _samples(cases)
    n = len(samples)
    add(rate("quality.pass_rate", sum(s.passed for s in samples), n))
    add(rate("quality.case_pass_rate", sum(c.passed for c in cases), len(cases)))

    by_capability: dict[str, list[ScoredObservation]] = defaultdict(list)
    for case in cases:
        by_capability[case.case.capability].extend(case.samples)
    for capability, items in sorted(by_capability.items()):
        add(
            rate(
                f"quality.capability.{capability}.pass_rate",
                sum(s.passed for s in items),
                len(items),
            )
        )

    scorer_outcomes: dict[str, list[bool]] = defaultdict(list)
    for sample in samples:
        for score in sample.scores:
            if score.passed is not None:
                scorer_outcomes[score.name].append(score.passed)
    for case in cases:
        for score in case.case_scores:
            if score.passed is not None:
                scorer_outcomes[score.name].append(score.passed)
    for name, outcomes in sorted(scorer_outcomes.items()):
        add(rate(f"quality.scorer.{name}.pass_rate", sum(outcomes), len(outcomes)))

    consistency = [
        s.value
        for c in cases
        for s in c.case_scores
        if s.name == "consistency" and s.value is not None
    ]
    if consistency:
        add(
            Metric(
                "quality.consistency", sum(consistency) / len(consistency), None, len(consistency)
            )
        )

    add(
        rate(
            "failures.visible_rate",
            sum(any(f.kind == "visible" for f in s.findings) for s in samples),
            n,
        )
    )
    add(
        rate(
            "failures.silent_rate",
            sum(any(f.kind == "silent" for f in s.findings) for s in samples),
            n,
        )
    )
    counts: Counter[FailureMode] = Counter(f.mode for s in samples for f in s.findings)
    counts.update(f.mode for c in cases for f in c.case_findings)
    for mode in FailureMode:
        add(Metric(f"failures.mode.{mode.value}.count", float(counts[mode]), None, n))
        add(
            rate(f"failures.mode.{mode.value}.rate", counts[mode], n)
            if n
            else Metric(f"failures.mode.{mode.value}.rate", 0.0, None, 0)
        )

    # One population for every latency figure (LATENCY_POPULATION). Replies replayed from the
    # response cache carry another run's times: left out.
    ok = [o for s in samples if (o := s.observation).ok and not o.cached and o.chunk_times_ns]
    for name, values in (
        ("ttft_ms", [o.ttft_ms for o in ok if o.ttft_ms is not None]),
        ("e2e_ms", [o.e2e_ms for o in ok if o.e2e_ms is not None]),
    ):
        metrics.update(latency_metrics(f"latency.{name}", values))
    return metrics
