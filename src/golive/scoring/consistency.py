"""Consistency across samples: ``consistency`` (scope "case") flags a case whose samples
disagree with each other (→ inconsistent), by mean pairwise semantic similarity.

Bounded whatever the replies: each sample is judged on its first 20,000 characters (answers
that agree there agree; a looping reply would otherwise cost a comparison of its whole
length with every other sample), and at most 45 pairs are compared (every pair of up to 10
samples; past that, each sample with its nearest neighbours in sample order, in a ring).
Either cut is said in the score's reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

from pydantic import Field

from golive.registry import scorer
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring._common import head, judged, skipped
from golive.scoring.base import ScorerArgs
from golive.scoring.semantic import DEFAULT_THRESHOLDS, Backend, similarity_async, warm_backend

__all__ = ["MAX_CHARS", "MAX_PAIRS", "ConsistencyArgs", "consistency", "pairs_to_compare"]

MAX_CHARS = 20_000
MAX_PAIRS = 45


def pairs_to_compare(n: int, limit: int = MAX_PAIRS) -> list[tuple[int, int]]:
    """Every pair of ``n`` samples when there are at most ``limit``; else ``limit`` pairs that
    spread evenly over the samples: each with the next one, then the one after, and so on."""
    everything = list(combinations(range(n), 2))
    if len(everything) <= limit:
        return everything
    chosen: list[tuple[int, int]] = []
    for step in range(1, n):
        for i in range(n):
            pair = (min(i, (i + step) % n), max(i, (i + step) % n))
            if pair not in chosen:
                chosen.append(pair)
                if len(chosen) == limit:
                    return chosen
    return chosen


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
        answered = [o.output for o in observations if o.ok and o.output.strip()]
        if len(answered) < 2:
            return skipped(self.name, f"needs 2 or more answered samples, got {len(answered)}")
        outputs = [head(text, MAX_CHARS)[0] for text in answered]
        pairs = pairs_to_compare(len(outputs))
        sims = []
        for i, j in pairs:
            sims.append(await similarity_async(outputs[i], outputs[j], self.args.backend))
        mean = sum(sims) / len(sims)
        t = self.args.threshold
        threshold = t if t is not None else DEFAULT_THRESHOLDS[self.args.backend]
        op = ">=" if mean >= threshold else "<"
        reason = f"mean similarity {mean:.2f} {op} {threshold:.2f} across {len(outputs)} samples"
        total = len(outputs) * (len(outputs) - 1) // 2
        if len(pairs) < total:
            reason += f" ({len(pairs)} of {total} pairs compared)"
        if any(len(text) > MAX_CHARS for text in answered):
            reason += f" (first {MAX_CHARS:,} characters of each judged)"
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
