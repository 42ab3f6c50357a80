"""The result of a run: every scored observation, per case, with metrics and the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from golive.schemas._case import Case
from golive.schemas._metric import Metric, Verdict
from golive.schemas._observation import Observation
from golive.schemas._score import Finding, Score

if TYPE_CHECKING:
    from golive.schemas._load import LoadResult

__all__ = ["CaseResult", "RunResult", "ScoredObservation", "StoreShortfall"]


@dataclass(frozen=True, slots=True)
class ScoredObservation:
    observation: Observation
    scores: tuple[Score, ...]
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.findings


@dataclass(frozen=True, slots=True)
class CaseResult:
    """All samples of one case, plus the checks that look across samples (consistency)."""

    case: Case
    samples: tuple[ScoredObservation, ...]
    case_scores: tuple[Score, ...] = ()
    case_findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.case_findings and all(s.passed for s in self.samples)


@dataclass(frozen=True, slots=True)
class StoreShortfall:
    """What the results store failed to keep of a run (its status is then ``incomplete``).

    The reports and the JSON summary are written from every observation the run made
    (``observed``); the store holds ``stored`` of them. The rest are in ``unstored_file`` (one
    JSON line per row the store refused: ``{"table": ..., "row": {...}}``) when it could be
    written, else only in the reports.
    """

    observed: int
    stored: int
    unstored_file: str | None
    error: str  # the store's first failure, one line

    def line(self) -> str:
        """One line for the terminal: what is where."""
        where = (
            f"unstored ones in {self.unstored_file}"
            if self.unstored_file
            else "the unstored ones are only in the reports"
        )
        return (
            f"store failed: {self.stored} of {self.observed} observations stored; reports "
            f"written from all {self.observed}; {where} ({self.error})"
        )


@dataclass(frozen=True)
class RunResult:
    """What reporters and the store receive."""

    run_id: str
    status: str  # "finished" | "interrupted" | "incomplete" (the store lost results)
    started_at: datetime
    finished_at: datetime
    target: dict[str, str]
    config: dict[str, Any]
    cases: tuple[CaseResult, ...]
    metrics: dict[str, Metric]
    verdict: Verdict
    load: LoadResult | None = None  # the load test of a run with a `load:` section
    # ``golive.compare.Comparison.to_json()`` against ``run --baseline``'s run, when given.
    comparison: dict[str, Any] | None = None
    # Status ``incomplete``: what the store failed to keep (the reports hold everything).
    store_shortfall: StoreShortfall | None = None
