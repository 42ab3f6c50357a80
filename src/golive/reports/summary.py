"""The machine-readable run summary (``summary.json``, ``--json``): one versioned contract.

The runner's metrics are the source of truth; when one is missing (an interrupted run, a
third-party runner) the value is derived from the cases so every key is always present.
The JSON Schema lives beside the templates in ``templates/summary.schema.json``.

Quality, failures and latency describe the user's own (canonical) cases only; variants made
by diversity are reported in the ``robustness`` and ``adversarial`` sections (schema 1.1),
which are present only when the run had variants.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from importlib import resources
from typing import Any

from golive.metrics import LATENCY_POPULATION, latency_json, latency_metrics
from golive.reports._hardening import hardening_section
from golive.reports._robustness import adversarial_section, canonical_cases, robustness_section
from golive.schemas import SILENT_MODES, VISIBLE_MODES, FailureMode, Metric, RunResult

__all__ = [
    "LATENCY_STATS",
    "SCHEMA_VERSION",
    "build_summary",
    "cache_counts",
    "load_schema",
    "mode_counts",
    "rate",
    "wilson",
]

# 1.2: the optional `load` section; 1.3: `comparison` (run --baseline), `hardening`, `cache`;
# 1.4: every latency summary has `ci` per percentile (null on an unbounded side), `n` and
# `population` (which requests it covers); 1.5: status `incomplete` (the store lost results;
# the reports cover every observation) with the `incomplete` section, and `verdict_reason`
# (why a partial run's verdict is not go)
SCHEMA_VERSION = "1.5"
LATENCY_STATS: tuple[str, ...] = ("p50", "p90", "p95", "p99", "max", "mean")
_Z95 = 1.959963984540054


def load_schema() -> dict[str, Any]:
    """The JSON Schema that every ``build_summary`` output validates against."""
    text = (
        resources.files("golive.reports")
        .joinpath("templates/summary.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def wilson(successes: int, n: int) -> tuple[float, float] | None:
    """95% Wilson score interval; None when there is nothing to estimate from."""
    if n <= 0:
        return None
    p = successes / n
    z2 = _Z95 * _Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Round away float noise at the edges (p = 0 gives 5e-17 instead of 0).
    low, high = centre - half, centre + half
    return (0.0 if low < 1e-12 else low, 1.0 if high > 1 - 1e-12 else high)


def rate(successes: int, n: int) -> dict[str, Any]:
    """A proportion as the contract wants it: ``{value, ci, n}``."""
    interval = wilson(successes, n)
    return {
        "value": successes / n if n else None,
        "ci": list(interval) if interval else None,
        "n": n,
    }


def _num(value: float | None) -> float | None:
    # JSON has no NaN/Infinity; a non-finite number would make the file unparseable.
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _ci(ci: tuple[float, float] | None) -> list[float | None] | None:
    # A side at ±inf is one the sample cannot bound (a latency percentile at small n): null
    # there, the other side kept (schema 1.4).
    if ci is None:
        return None
    return [_num(ci[0]), _num(ci[1])]


def _metric_dict(metric: Metric) -> dict[str, Any]:
    return {
        "value": _num(metric.value),
        "ci": _ci(metric.ci),
        "n": metric.n if metric.n is not None else 0,
    }


def _by_prefix(metrics: dict[str, Metric], prefix: str, suffix: str) -> dict[str, dict[str, Any]]:
    found = {}
    for name, metric in metrics.items():
        if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
            found[name[len(prefix) : -len(suffix)]] = _metric_dict(metric)
    return dict(sorted(found.items()))


def _quality(result: RunResult) -> dict[str, Any]:
    metrics = result.metrics
    cases = canonical_cases(result)
    samples = [s for c in cases for s in c.samples]

    def pick(name: str, fallback: dict[str, Any]) -> dict[str, Any]:
        return _metric_dict(metrics[name]) if name in metrics else fallback

    by_capability = _by_prefix(metrics, "quality.capability.", ".pass_rate")
    if not by_capability:
        groups: dict[str, list[bool]] = {}
        for c in cases:
            groups.setdefault(c.case.capability, []).extend(s.passed for s in c.samples)
        by_capability = {cap: rate(sum(v), len(v)) for cap, v in sorted(groups.items())}
    by_scorer = _by_prefix(metrics, "quality.scorer.", ".pass_rate")
    if not by_scorer:
        verdicts: dict[str, list[bool]] = {}
        for s in samples:
            for score in s.scores:
                if score.passed is not None:
                    verdicts.setdefault(score.name, []).append(score.passed)
        by_scorer = {name: rate(sum(v), len(v)) for name, v in sorted(verdicts.items())}
    run_cases = [c for c in cases if c.samples]
    return {
        "pass_rate": pick("quality.pass_rate", rate(sum(s.passed for s in samples), len(samples))),
        "case_pass_rate": pick(
            "quality.case_pass_rate", rate(sum(c.passed for c in run_cases), len(run_cases))
        ),
        "consistency": pick("quality.consistency", {"value": None, "ci": None, "n": 0}),
        "by_capability": by_capability,
        "by_scorer": by_scorer,
        "cases": len(cases),
        "samples": len(samples),
        "samples_per_case": max((len(c.samples) for c in cases), default=0),
    }


def mode_counts(result: RunResult) -> dict[FailureMode, int]:
    """Findings per failure mode over the canonical cases, every mode present (zero when
    unseen)."""
    counts: Counter[FailureMode] = Counter()
    from_metrics = {
        name: m for name, m in result.metrics.items() if name.startswith("failures.mode.")
    }
    if from_metrics:
        for mode in FailureMode:
            metric = from_metrics.get(f"failures.mode.{mode.value}.count")
            if metric is not None and math.isfinite(metric.value):
                counts[mode] = int(metric.value)
    else:
        for c in canonical_cases(result):
            counts.update(f.mode for f in c.case_findings)
            for s in c.samples:
                counts.update(f.mode for f in s.findings)
    return {mode: counts.get(mode, 0) for mode in FailureMode}


def _failures(result: RunResult) -> dict[str, Any]:
    counts = mode_counts(result)
    samples = [s for c in canonical_cases(result) for s in c.samples]

    def share(kind: str) -> dict[str, Any]:
        name = f"failures.{kind}_rate"
        if name in result.metrics:
            return _metric_dict(result.metrics[name])
        hits = sum(any(f.kind == kind for f in s.findings) for s in samples)
        return rate(hits, len(samples))

    return {
        "visible": {m.value: counts[m] for m in VISIBLE_MODES},
        "silent": {m.value: counts[m] for m in SILENT_MODES},
        "visible_rate": share("visible"),
        "silent_rate": share("silent"),
    }


def _latency(result: RunResult) -> dict[str, Any]:
    metrics: dict[str, Metric] = dict(result.metrics)
    # One population for both families (golive.metrics.LATENCY_POPULATION): successful
    # replies with content, never replayed from the cache (those carry another run's times).
    observations = [
        o
        for c in canonical_cases(result)
        for s in c.samples
        if (o := s.observation).ok and not o.cached and o.chunk_times_ns
    ]
    for family in ("ttft_ms", "e2e_ms"):
        if not any(name.startswith(f"latency.{family}.") for name in metrics):
            values = [getattr(o, family) for o in observations]
            metrics.update(latency_metrics(f"latency.{family}", values))
    section: dict[str, Any] = {
        family: latency_json(metrics, f"latency.{family}", LATENCY_POPULATION)
        for family in ("ttft_ms", "e2e_ms")
    }
    section["n"] = max(section["ttft_ms"]["n"], section["e2e_ms"]["n"])
    section["population"] = LATENCY_POPULATION
    return section


def cache_counts(result: RunResult) -> dict[str, int] | None:
    """Cache hits and misses over every sample (variants too), when the cache was on."""
    spec = result.config.get("cache")
    if not isinstance(spec, dict) or not spec.get("enabled"):
        return None
    samples = [s.observation for c in result.cases for s in c.samples]
    hits = sum(o.cached for o in samples)
    return {"hits": hits, "misses": len(samples) - hits}


def build_summary(result: RunResult) -> dict[str, Any]:
    """The summary dict written to ``summary.json``; see ``load_schema()`` for its shape."""
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run_id": result.run_id,
        "status": result.status,
        "started_at": result.started_at.isoformat(),
        "finished_at": result.finished_at.isoformat(),
        "duration_s": _num((result.finished_at - result.started_at).total_seconds()),
        "target": {str(k): str(v) for k, v in result.target.items()},
        "verdict": result.verdict.label,
        "gates": [
            {
                "name": g.name,
                "metric": g.metric,
                "op": g.op,
                "threshold": _num(g.threshold),
                "value": _num(g.value),
                "ci": _ci(g.ci),
                "passed": g.passed,
                "status": g.status,
                "inconclusive": g.inconclusive,
                "samples_needed": g.samples_needed,
                "reason": g.reason,
            }
            for g in result.verdict.gates
        ],
        "quality": _quality(result),
        "failures": _failures(result),
        "latency": _latency(result),
        "metrics": {name: _metric_dict(m) for name, m in sorted(result.metrics.items())},
    }
    robustness = robustness_section(result)
    if robustness is not None:
        summary["robustness"] = robustness
    adversarial = adversarial_section(result)
    if adversarial is not None:
        summary["adversarial"] = adversarial
    hardening = hardening_section(result)
    if hardening is not None:
        summary["hardening"] = hardening
    cache = cache_counts(result)
    if cache is not None:
        summary["cache"] = cache
    if result.comparison is not None:
        summary["comparison"] = result.comparison
    if result.load is not None:
        from golive.reports.load_summary import load_section

        # The load itself finished when only the store failed.
        status = "finished" if result.status == "incomplete" else result.status
        summary["load"] = load_section(result.load, status=status)
    if result.verdict.reason:
        summary["verdict_reason"] = result.verdict.reason
    shortfall = result.store_shortfall
    if shortfall is not None:
        summary["incomplete"] = {
            "reason": shortfall.line(),
            "observed": shortfall.observed,
            "stored": shortfall.stored,
            "unstored_file": shortfall.unstored_file,
            "error": shortfall.error,
        }
    return summary
