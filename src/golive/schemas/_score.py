"""Scores (one scorer's judgement of one observation) and findings (classified failures)."""

from __future__ import annotations

from dataclasses import dataclass

from golive.schemas._failure import FailureMode

__all__ = ["Finding", "Score"]


@dataclass(frozen=True, slots=True)
class Score:
    """A scorer's judgement.

    ``passed`` is None when the scorer does not apply (e.g. no reference to compare to).
    ``mode`` is the failure mode a failed score stands for.
    """

    name: str
    value: float | None
    passed: bool | None
    reason: str = ""
    mode: FailureMode | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A classified failure of one observation."""

    mode: FailureMode
    kind: str  # "visible" | "silent"
    detail: str = ""
