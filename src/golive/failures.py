"""The failure taxonomy (names are a stable contract) and the classifier.

Every observation ends up with zero or more findings. Visible failures are what an
error budget sees (errors, timeouts, empty or broken output); silent ones are answers that
look fine and are not (wrong, wrong language, hijacked, leaking). Silent failures are the
dangerous ones and are always reported in their own column.
"""

from __future__ import annotations

from collections.abc import Iterable

from golive.schemas import (
    SILENT_MODES,
    VISIBLE_MODES,
    FailureKind,
    FailureMode,
    Finding,
    Observation,
    Score,
)

__all__ = ["SILENT_MODES", "VISIBLE_MODES", "FailureKind", "FailureMode", "classify", "kind_of"]


def kind_of(mode: FailureMode) -> FailureKind:
    return FailureKind.VISIBLE if mode in VISIBLE_MODES else FailureKind.SILENT


def classify(observation: Observation, scores: Iterable[Score]) -> list[Finding]:
    """Turn one observation and its scores into findings, visible ones first.

    A transport failure makes scoring meaningless, so it is the only finding. Otherwise an
    empty output is visible; every failed score contributes the mode its scorer names.
    """
    if observation.error is not None:
        mode = observation.error.mode
        return [Finding(mode=mode, kind=kind_of(mode).value, detail=observation.error.message)]
    findings: list[Finding] = []
    if not observation.output.strip():
        findings.append(
            Finding(mode=FailureMode.EMPTY_OUTPUT, kind="visible", detail="the reply was empty")
        )
    seen = {f.mode for f in findings}
    for score in scores:
        if score.passed is False and score.mode is not None and score.mode not in seen:
            seen.add(score.mode)
            findings.append(
                Finding(mode=score.mode, kind=kind_of(score.mode).value, detail=score.reason)
            )
    findings.sort(key=lambda f: 0 if f.kind == "visible" else 1)
    return findings
