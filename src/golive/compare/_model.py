"""The result of comparing two runs: per-case and per-metric changes, the suite's detectable
effect, and what fails the gate. Plain frozen dataclasses, JSON- and Markdown-ready."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from golive.store.queries import RunRow

__all__ = ["CaseChange", "Comparison", "DetectableEffect", "MetricChange"]


@dataclass(frozen=True)
class CaseChange:
    """One case (matched by id) in the base and head runs.

    ``delta`` is the change in the case's pass share (head minus base); ``p_value`` is
    Fisher's exact two-sided test on its samples, ``q_value`` the Benjamini–Hochberg
    adjustment across every matched case. ``None`` where the case is in one run only.
    """

    case_id: str
    capability: str | None
    base_passed: int
    base_n: int
    head_passed: int
    head_n: int
    delta: float | None
    p_value: float | None
    q_value: float | None
    status: str  # regression | improvement | unchanged | new | removed
    flaky: bool = False
    flaky_reason: str | None = None

    @property
    def base_rate(self) -> float | None:
        return self.base_passed / self.base_n if self.base_n else None

    @property
    def head_rate(self) -> float | None:
        return self.head_passed / self.head_n if self.head_n else None

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "capability": self.capability,
            "base": {"passed": self.base_passed, "n": self.base_n},
            "head": {"passed": self.head_passed, "n": self.head_n},
            "delta": _num(self.delta),
            "p_value": _num(self.p_value),
            "q_value": _num(self.q_value),
            "status": self.status,
            "flaky": self.flaky,
            "flaky_reason": self.flaky_reason,
        }


@dataclass(frozen=True)
class MetricChange:
    """One metric in both runs: ``delta = head - base`` with its interval and p-value.

    ``gating`` says whether a ``regression`` here fails the gate (pass rate: yes; latency:
    only when asked for, see the module docs of ``golive.compare``).
    """

    name: str
    base: float | None
    head: float | None
    delta: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    significant: bool
    status: str  # regression | improvement | unchanged
    unit: str  # "share" (0-1) or "ms"
    gating: bool = False
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "base": _num(self.base),
            "head": _num(self.head),
            "delta": _num(self.delta),
            "ci": [_num(self.ci[0]), _num(self.ci[1])] if self.ci else None,
            "p_value": _num(self.p_value),
            "significant": self.significant,
            "status": self.status,
            "unit": self.unit,
            "gating": self.gating,
            "note": self.note,
        }


@dataclass(frozen=True)
class DetectableEffect:
    """The smallest pass-rate drop the gate's test finds with probability ``power``."""

    cases: int
    samples: int
    alpha: float
    power: float
    points: float | None  # percentage points; None when even a total collapse is not
    statement: str

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "samples": self.samples,
            "alpha": self.alpha,
            "power": self.power,
            "points": _num(self.points),
            "statement": self.statement,
        }


@dataclass(frozen=True)
class Comparison:
    """BASE against HEAD. ``regressed`` is what fails the gate (exit 1)."""

    base: RunRow
    head: RunRow
    alpha: float
    metrics: list[MetricChange]
    cases: list[CaseChange]
    mde: DetectableEffect
    warnings: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[CaseChange]:
        """Cases significantly worse in head, worst first."""
        found = [c for c in self.cases if c.status == "regression"]
        return sorted(found, key=lambda c: (c.delta or 0.0, c.case_id))

    @property
    def improvements(self) -> list[CaseChange]:
        found = [c for c in self.cases if c.status == "improvement"]
        return sorted(found, key=lambda c: (-(c.delta or 0.0), c.case_id))

    @property
    def flaky(self) -> list[CaseChange]:
        return [c for c in self.cases if c.flaky and c.status not in ("regression", "improvement")]

    @property
    def dropped(self) -> list[CaseChange]:
        """Matched cases whose pass share fell, significant or not, worst first: where a
        pass-rate regression comes from when no single case is significant on its own."""
        found = [c for c in self.cases if c.delta is not None and c.delta < 0]
        return sorted(found, key=lambda c: (c.delta or 0.0, c.case_id))

    @property
    def metric_regressions(self) -> list[MetricChange]:
        """Metrics whose regression fails the gate."""
        return [m for m in self.metrics if m.gating and m.status == "regression"]

    @property
    def regressed(self) -> bool:
        """A significant regression of a gating metric or of any case."""
        return bool(self.metric_regressions or self.regressions)

    def metric(self, name: str) -> MetricChange | None:
        return next((m for m in self.metrics if m.name == name), None)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: what ``--json`` writes and summary.json's ``comparison`` holds."""
        return {
            "base": _run_ref(self.base),
            "head": _run_ref(self.head),
            "alpha": self.alpha,
            "regressed": self.regressed,
            "regressions": [c.case_id for c in self.regressions],
            "improvements": [c.case_id for c in self.improvements],
            "flaky": [c.case_id for c in self.flaky],
            "dropped": [c.case_id for c in self.dropped],
            "metrics": [m.to_json() for m in self.metrics],
            "cases": [c.to_json() for c in self.cases],
            "mde": self.mde.to_json(),
            "warnings": list(self.warnings),
        }

    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown: the same section as the ``--ci`` step summary's."""
        from golive.reports._compare_md import comparison_markdown

        verdict = "**regression**" if self.regressed else "no significant regression"
        return "\n".join(comparison_markdown(self.to_json(), f"golive compare: {verdict}")) + "\n"


def _run_ref(run: RunRow) -> dict[str, Any]:
    return {
        "id": run.id,
        "started_at": run.started_at.isoformat(),
        "git_commit": run.git_commit,
        "git_branch": run.git_branch,
        "target": run.target_label,
    }


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
