"""What the dashboard's pages show, read from the store: metric series over runs and one
case's history. Plain synchronous functions (the app runs them in a worker thread)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, func, select

from golive.reports.summary import rate
from golive.store.case_pages import PAGE_SIZE, CasePage, RunCounts, case_page, run_counts
from golive.store.engine import Store
from golive.store.models import CaseResultRecord, ObservationRecord, RunRecord
from golive.store.queries import RunRow, get_run, list_runs

__all__ = [
    "FEATURED",
    "CaseHistory",
    "CaseRun",
    "MetricPoint",
    "RunCases",
    "branches",
    "case_history",
    "full_report_fits",
    "metric_names",
    "metric_points",
    "metric_series",
    "run_cases",
    "run_metrics",
]

# Shown first on /metrics, when the runs have them: the figures a team watches release to
# release. Load levels are named ``load.<latency>.<stat>@<level key>`` (e.g. ``@c=32``).
FEATURED: tuple[str, ...] = (
    "quality.pass_rate",
    "robustness.worst.pass_rate",
    "adversarial.attack_success_rate",
    "failures.silent_rate",
    "latency.ttft_ms.p95",
    "load.ttft_ms.p95",
)
_LOAD_FIELDS = ("ttft_ms", "e2e_ms")
_LOAD_STATS = ("p50", "p95", "p99")
_SECTION_KEYS = {
    "quality": ("pass_rate", "case_pass_rate", "consistency"),
    "failures": ("visible_rate", "silent_rate"),
    "adversarial": ("attack_success_rate",),
}
_HISTORY_RUNS = 200  # runs scanned for the metric series
_CASE_RUNS = 30  # runs shown in a case's history
# A run up to this size gets its whole HTML report on /runs/ID (rebuilding it reads every
# observation: about 40 kB of memory and 3 kB of page per case); a larger one gets its cases
# a page at a time, with the figures counted by the database.
FULL_REPORT_MAX_CASES = PAGE_SIZE
FULL_REPORT_MAX_OBSERVATIONS = 10 * PAGE_SIZE


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One run's value of one metric, with its 95% interval when it has one."""

    run_id: str
    started_at: datetime
    branch: str | None
    commit: str | None
    value: float
    ci: tuple[float, float] | None
    n: int | None
    # A latency percentile's interval with a side this n cannot bound (None there); ``ci``
    # is then None, so the chart draws no band that looks measured.
    open_ci: tuple[float | None, float | None] | None = None

    def to_json(self) -> dict[str, Any]:
        ci = list(self.ci) if self.ci else list(self.open_ci) if self.open_ci else None
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "branch": self.branch,
            "commit": self.commit,
            "value": self.value,
            "ci": ci,
            "n": self.n,
        }


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _estimate(raw: Any) -> tuple[float, tuple[float, float] | None, int | None] | None:
    value: Any = raw.get("value") if isinstance(raw, dict) else raw
    ci: Any = raw.get("ci") if isinstance(raw, dict) else None
    n: Any = raw.get("n") if isinstance(raw, dict) else None
    if not _finite(value):
        return None
    interval = None
    if isinstance(ci, list) and len(ci) == 2 and all(_finite(c) for c in ci):
        interval = (float(ci[0]), float(ci[1]))
    return float(value), interval, n if isinstance(n, int) else None


def _open_interval(raw: Any) -> tuple[float | None, float | None] | None:
    """``[812, null]``: an interval with an unbounded side; None for any other shape."""
    ci: Any = raw.get("ci") if isinstance(raw, dict) else None
    if not (isinstance(ci, list) and len(ci) == 2 and None in ci):
        return None
    if not all(c is None or _finite(c) for c in ci) or ci == [None, None]:
        return None
    return (ci[0], ci[1])


def _percentile(stats: dict[str, Any], stat: str) -> Any:
    """A latency percentile as ``{value, ci, n}`` where the summary has its interval (1.4)."""
    value = stats.get(stat)
    cis = stats.get("ci")
    if not isinstance(cis, dict) or stat not in cis:
        return value
    return {"value": value, "ci": cis[stat], "n": stats.get("n")}


def run_metrics(summary: dict[str, Any] | None) -> dict[str, Any]:
    """Every metric of one run's summary by name, as ``{value, ci, n}`` or a bare number."""
    if not summary:
        return {}
    found: dict[str, Any] = {}
    metrics = summary.get("metrics")
    if isinstance(metrics, dict):
        found.update(metrics)
    # The summary's sections hold the headline figures even where ``metrics`` lacks them
    # (a fallback summary of a killed run, a third-party runner).
    sections: dict[str, Any] = {
        key: summary.get(key) for key in ("quality", "failures", "latency", "adversarial")
    }
    for section, keys in _SECTION_KEYS.items():
        values = sections.get(section)
        if isinstance(values, dict):
            for key in keys:
                found.setdefault(f"{section}.{key}", values.get(key))
    latency = sections.get("latency")
    if isinstance(latency, dict):
        for family in _LOAD_FIELDS:
            stats = latency.get(family)
            if isinstance(stats, dict):
                for stat in stats:
                    if stat in ("ci", "n", "population"):
                        continue
                    # The section's interval keeps an unbounded side (null) that the
                    # ``metrics`` entry cannot: it wins over that entry.
                    name = f"latency.{family}.{stat}"
                    if isinstance(stats.get("ci"), dict) and stat in stats["ci"]:
                        found[name] = _percentile(stats, stat)
                    else:
                        found.setdefault(name, stats[stat])
    load = summary.get("load")
    if isinstance(load, dict):
        levels = [lv for lv in load.get("levels") or [] if isinstance(lv, dict)]
        for level in levels:
            lkey = level.get("key")
            for family in _LOAD_FIELDS:
                stats = level.get(family) or {}
                for stat in _LOAD_STATS:
                    found[f"load.{family}.{stat}@{lkey}"] = _percentile(stats, stat)
            found[f"load.goodput_rps@{lkey}"] = level.get("goodput_rps")
        if levels:  # the heaviest level: one series comparable across runs of one profile
            top = levels[-1]
            found["load.ttft_ms.p95"] = _percentile(top.get("ttft_ms") or {}, "p95")
            found["load.e2e_ms.p95"] = _percentile(top.get("e2e_ms") or {}, "p95")
        for key in ("capacity_at_slo", "cold_start_ms"):
            found[f"load.{key}"] = load.get(key)
    return {name: raw for name, raw in found.items() if _estimate(raw) is not None}


def _history(store: Store, branch: str | None) -> list[RunRow]:
    runs = [r for r in list_runs(store, limit=_HISTORY_RUNS) if r.summary]
    if branch:
        runs = [r for r in runs if r.git_branch == branch]
    return sorted(runs, key=lambda r: r.started_at)  # oldest first: time runs left to right


def metric_series(
    store: Store, names: Iterable[str], branch: str | None = None
) -> dict[str, list[MetricPoint]]:
    """Each of ``names`` over the stored runs (oldest first), runs without it left out."""
    runs = _history(store, branch)
    return {name: metric_points(runs, name) for name in names}


def metric_points(runs: Iterable[RunRow], name: str) -> list[MetricPoint]:
    points = []
    for run in runs:
        raw = run_metrics(run.summary).get(name)
        estimate = _estimate(raw)
        if estimate is None:
            continue
        value, ci, n = estimate
        points.append(
            MetricPoint(
                run.id,
                run.started_at,
                run.git_branch,
                run.git_commit,
                value,
                ci,
                n,
                _open_interval(raw),
            )
        )
    return points


def metric_names(store: Store, branch: str | None = None) -> list[str]:
    """Every metric any stored run has, featured ones first, then by name."""
    names: set[str] = set()
    for run in _history(store, branch):
        names.update(run_metrics(run.summary))
    featured = [n for n in FEATURED if n in names]
    return featured + sorted(names - set(featured))


def branches(store: Store) -> list[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(RunRecord.git_branch).where(RunRecord.git_branch.is_not(None)).distinct()
        )
        return sorted(str(b) for (b,) in rows)


@dataclass(frozen=True, slots=True)
class CaseRun:
    """One run of a case: its samples' outcomes and outputs."""

    run_id: str
    started_at: datetime
    branch: str | None
    commit: str | None
    verdict: str | None
    passed: int
    n: int
    case_passed: bool | None  # all samples and the cross-sample checks; None if unfinished
    share: dict[str, Any]  # {value, ci, n}: pass share over samples
    samples: list[dict[str, Any]]  # sample, passed, output, error_mode, findings


@dataclass(frozen=True, slots=True)
class CaseHistory:
    case_id: str
    capability: str | None
    runs: list[CaseRun]  # newest first
    case: dict[str, Any] | None = None  # the case as last run (input, reference…), if stored

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "capability": self.capability,
            "case": self.case,
            "runs": [
                {
                    "run_id": r.run_id,
                    "started_at": r.started_at.isoformat(),
                    "branch": r.branch,
                    "commit": r.commit,
                    "passed": r.passed,
                    "n": r.n,
                    "case_passed": r.case_passed,
                    "pass_share": r.share,
                    "samples": r.samples,
                }
                for r in self.runs
            ],
        }


def case_history(store: Store, case_id: str, limit: int = _CASE_RUNS) -> CaseHistory | None:
    """``case_id`` in the ``limit`` newest runs that have it; None when no run has it."""
    obs, runs = ObservationRecord, RunRecord
    with store.engine.connect() as connection:
        recent = connection.execute(
            select(runs.id, runs.started_at, runs.git_branch, runs.git_commit, runs.verdict)
            .where(runs.id.in_(select(obs.run_id).where(obs.case_id == case_id).distinct()))
            .order_by(runs.started_at.desc())
            .limit(limit)
        ).all()
        if not recent:
            return None
        ids = [r.id for r in recent]
        samples = connection.execute(
            select(
                obs.run_id,
                obs.sample,
                obs.passed,
                obs.output,
                obs.error_mode,
                obs.findings_json,
                obs.capability,
            )
            .where(obs.case_id == case_id, obs.run_id.in_(ids))
            .order_by(obs.run_id, obs.sample, obs.id)
        ).all()
        stored = connection.execute(
            select(CaseResultRecord.case_json)
            .where(
                CaseResultRecord.case_id == case_id,
                CaseResultRecord.run_id == ids[0],
                CaseResultRecord.case_json.is_not(None),
            )
            .limit(1)
        ).scalar()
        verdicts: dict[str, Any] = dict(
            connection.execute(
                select(CaseResultRecord.run_id, func.min(CaseResultRecord.passed.cast(Integer)))
                .where(CaseResultRecord.case_id == case_id, CaseResultRecord.run_id.in_(ids))
                .group_by(CaseResultRecord.run_id)
            ).all()
        )
    by_run: dict[str, list[dict[str, Any]]] = {run_id: [] for run_id in ids}
    capability = None
    for s in samples:
        capability = capability or s.capability
        by_run[s.run_id].append(
            {
                "sample": s.sample,
                "passed": bool(s.passed),
                "output": s.output,
                "error_mode": s.error_mode,
                "findings": s.findings_json or [],
            }
        )
    history = []
    for r in recent:
        rows = by_run[r.id]
        passed = sum(s["passed"] for s in rows)
        verdict = verdicts.get(r.id)
        history.append(
            CaseRun(
                run_id=r.id,
                started_at=r.started_at,
                branch=r.git_branch,
                commit=r.git_commit,
                verdict=r.verdict,
                passed=passed,
                n=len(rows),
                case_passed=None if verdict is None else bool(verdict),
                share=rate(passed, len(rows)),
                samples=rows,
            )
        )
    return CaseHistory(case_id, capability, history, stored if isinstance(stored, dict) else None)


def full_report_fits(run: RunRow) -> bool:
    """Whether ``run`` is small enough to rebuild and show whole (see FULL_REPORT_MAX_*)."""
    return run.cases <= FULL_REPORT_MAX_CASES and run.observations <= FULL_REPORT_MAX_OBSERVATIONS


@dataclass(frozen=True, slots=True)
class RunCases:
    """A run, one page of its cases and its figures, all read without loading the run."""

    run: RunRow
    page: CasePage
    counts: RunCounts


def run_cases(
    store: Store,
    ref: str,
    *,
    offset: int = 0,
    limit: int = PAGE_SIZE,
    failing: bool = False,
    mode: str | None = None,
) -> RunCases:
    """One page of the cases of the run ``ref`` names (see ``golive.store.case_pages``).

    Raises:
        ConfigError: no run matches ``ref``.
    """
    run = get_run(store, ref)
    page = case_page(store, run.id, offset=offset, limit=limit, failing=failing, mode=mode)
    return RunCases(run, page, run_counts(store, run.id))
