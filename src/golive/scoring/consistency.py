"""Consistency across samples: ``consistency`` (scope "case") flags a case whose samples
disagree with each other (→ inconsistent), by mean pairwise semantic similarity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from pydantic import Field

from golive.registry import scorer
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring._common import judged, skipped
from golive.scoring.base import ScorerArgs
from golive.scoring.semantic import DEFAULT_THRESHOLDS, Backend, similarity_async, warm_backend

__all__ = ["ConsistencyArgs", "consistency"]


class ConsistencyArgs(ScorerArgs):
    kind: Literal["consistency"] = "consistency"
    threshold: float | None = Field(default=None, ge=0, le=1)
    """Mean pairwise similarity needed to pass; None: the backend's semantic default."""
    backend: Backend = "lexical"
    """Similarity backend, as for the semantic scorer."""


@dataclass
class _Consistency:
    args: ConsistencyArgs
    name: str = "consistency"
    scope: Literal["case"] = "case"

    def warm(self) -> None:
        warm_backend(self.args.backend)

    async def score_samples(self, observations: Sequence[Observation], case: Case) -> Score:
        outputs = [o.output for o in observations if o.ok and o.output.strip()]
        if len(outputs) < 2:
            return skipped(self.name, f"needs 2 or more answered samples, got {len(outputs)}")
        pairs = list(combinations(outputs, 2))
        sims = [await similarity_async(a, b, self.args.backend) for a, b in pairs]
        mean = sum(sims) / len(sims)
        t = self.args.threshold
        threshold = t if t is not None else DEFAULT_THRESHOLDS[self.args.backend]
        op = ">=" if mean >= threshold else "<"
        reason = f"mean similarity {mean:.2f} {op} {threshold:.2f} across {len(outputs)} samples"
        return judged(
            self.name,
            mean >= threshold,
            reason,
            FailureMode.INCONSISTENT,
            self.args.mode,
            value=mean,
        )


@scorer("consistency", args=ConsistencyArgs)
def consistency(args: ConsistencyArgs) -> _Consistency:
    """The samples of a case agree with each other."""
    return _Consistency(args)
