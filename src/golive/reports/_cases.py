"""Per-case views shared by the reporters: which modes a case showed, whether it is a variant
made by diversity (and of what), and which cases are worst."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from golive.diversity.expand import VariantInfo, lineage
from golive.schemas import CaseResult, Finding, RunResult, ScoredObservation

__all__ = ["CaseView", "case_findings", "case_view", "worst_cases"]


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case's outcome summarised for display."""

    result: CaseResult
    failed_samples: int
    modes: tuple[str, ...]  # most frequent first
    silent: bool
    visible: bool
    first_failure: ScoredObservation | None
    variant: VariantInfo | None = None  # lineage of a variant; None for a canonical case

    @property
    def passed(self) -> bool:
        return self.result.passed

    @property
    def run(self) -> bool:
        return bool(self.result.samples)

    @property
    def fail_share(self) -> float:
        n = len(self.result.samples)
        return self.failed_samples / n if n else 0.0


def case_findings(case: CaseResult) -> list[Finding]:
    """Every finding of a case: per sample, then across samples."""
    return [f for s in case.samples for f in s.findings] + list(case.case_findings)


def case_view(case: CaseResult) -> CaseView:
    findings = case_findings(case)
    counts = Counter(f.mode.value for f in findings)
    # Stable order: most frequent first, ties by first appearance.
    modes = tuple(sorted(counts, key=lambda m: -counts[m]))
    failing = [s for s in case.samples if not s.passed]
    return CaseView(
        result=case,
        failed_samples=len(failing),
        modes=modes,
        silent=any(f.kind == "silent" for f in findings),
        visible=any(f.kind == "visible" for f in findings),
        first_failure=failing[0] if failing else None,
        variant=lineage(case.case),
    )


def worst_cases(result: RunResult, limit: int = 5, *, variants: bool = True) -> list[CaseView]:
    """Failed cases, worst first: most samples failed, then silent before visible, then most
    findings. Silent failures rank higher because nobody notices them without golive.
    ``variants=False`` keeps the canonical cases only."""
    views = [case_view(c) for c in result.cases if not c.passed]
    if not variants:
        views = [v for v in views if v.variant is None]
    views.sort(
        key=lambda v: (
            -v.fail_share,
            not v.silent,
            -len(case_findings(v.result)),
            v.result.case.id,
        )
    )
    return views[:limit]
