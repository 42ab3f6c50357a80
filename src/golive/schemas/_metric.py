"""Metrics with their uncertainty, gate outcomes and the verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["GateResult", "GateStatus", "Metric", "Verdict", "VerdictLabel"]


@dataclass(frozen=True, slots=True)
class Metric:
    """A value with its 95% interval and the number of observations behind it."""

    name: str
    value: float
    ci: tuple[float, float] | None = None
    n: int | None = None

    @property
    def ci_low(self) -> float:
        return self.ci[0] if self.ci else self.value

    @property
    def ci_high(self) -> float:
        return self.ci[1] if self.ci else self.value


GateStatus = Literal["pass", "fail", "inconclusive"]
VerdictLabel = Literal["go", "no-go", "inconclusive"]


@dataclass(frozen=True, slots=True)
class GateResult:
    """One gate judged. ``passed`` is True only for a pass; an inconclusive gate (the data
    cannot settle it either way: see ``golive.gates``) has ``passed=False``,
    ``inconclusive=True`` and, where it can be planned, the ``samples_needed`` (the metric's
    n) that would settle it with the observed value held; None means more than
    ``golive.gates.SAMPLES_CAP`` or not computable."""

    name: str
    metric: str
    op: str
    threshold: float
    value: float | None
    ci: tuple[float, float] | None
    passed: bool
    reason: str = ""
    inconclusive: bool = False
    samples_needed: int | None = None

    def __post_init__(self) -> None:
        if self.passed and self.inconclusive:
            raise ValueError(f"gate {self.name!r} cannot both pass and be inconclusive")

    @property
    def status(self) -> GateStatus:
        if self.passed:
            return "pass"
        return "inconclusive" if self.inconclusive else "fail"


@dataclass(frozen=True, slots=True)
class Verdict:
    """go when every gate passed; no-go when any failed; inconclusive when none failed but
    at least one could not be settled by the data (``Verdict.of`` derives it from gates), or
    when the run itself is partial (``reason`` then says why: see ``golive.gates.partial``)."""

    go: bool
    gates: tuple[GateResult, ...]
    inconclusive: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        if self.go and self.inconclusive:
            raise ValueError("a verdict cannot be both go and inconclusive")

    @classmethod
    def of(cls, gates: Iterable[GateResult]) -> Verdict:
        gates = tuple(gates)
        failed = any(g.status == "fail" for g in gates)
        unsettled = any(g.status == "inconclusive" for g in gates)
        return cls(
            go=not failed and not unsettled, gates=gates, inconclusive=unsettled and not failed
        )

    @classmethod
    def from_label(cls, label: str, gates: Iterable[GateResult], reason: str = "") -> Verdict:
        """A stored verdict ("go", "no-go", "inconclusive") with its gates."""
        return cls(
            go=label == "go",
            gates=tuple(gates),
            inconclusive=label == "inconclusive",
            reason=reason,
        )

    @property
    def label(self) -> VerdictLabel:
        if self.go:
            return "go"
        return "inconclusive" if self.inconclusive else "no-go"
