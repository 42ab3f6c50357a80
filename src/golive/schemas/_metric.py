"""Metrics with their uncertainty, gate outcomes and the verdict."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GateResult", "Metric", "Verdict"]


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


@dataclass(frozen=True, slots=True)
class GateResult:
    name: str
    metric: str
    op: str
    threshold: float
    value: float | None
    ci: tuple[float, float] | None
    passed: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    go: bool
    gates: tuple[GateResult, ...]

    @property
    def label(self) -> str:
        return "go" if self.go else "no-go"
