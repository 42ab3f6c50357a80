"""Scorer protocols. A scorer judges one observation; a sample-set scorer judges all samples
of a case together (consistency). Both are built by a registered factory from its args model.

A scorer that loads something on first use (a language detector, an embedding model, a
corpus) also implements ``Warmable`` (``golive.detectors.warm``, shared with the guards and
re-exported here): the runner calls ``warm()`` before the first request is
sent, so that loading never happens while a reply's latency is being measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from golive.detectors.warm import Warmable, warm_all
from golive.registry import ComponentArgs
from golive.schemas import Case, FailureMode, Observation, Score

__all__ = ["SampleSetScorer", "Scorer", "ScorerArgs", "Warmable", "warm_all"]


class ScorerArgs(ComponentArgs):
    """Common scorer options. ``mode`` overrides the failure mode a failure stands for."""

    mode: FailureMode | None = None


@runtime_checkable
class Scorer(Protocol):
    name: str
    scope: Literal["sample"]

    async def score(self, observation: Observation, case: Case) -> Score:
        """Judge one successful observation (transport failures never reach scorers)."""
        ...


@runtime_checkable
class SampleSetScorer(Protocol):
    name: str
    scope: Literal["case"]

    async def score_samples(self, observations: Sequence[Observation], case: Case) -> Score:
        """Judge the successful samples of one case together."""
        ...
