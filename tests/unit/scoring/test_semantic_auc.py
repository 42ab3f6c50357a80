"""Keeps the default lexical backend's accuracy on both labelled sets (see the benchmark)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from golive.scoring import semantic_similarity
from golive.scoring._eval import load_answer_pairs, load_pairs, roc_auc, youden_threshold
from golive.scoring.semantic import DEFAULT_THRESHOLDS, answer_similarity

DATA = Path(__file__).resolve().parents[2] / "data"
# docs/benchmarks.md
MEASURED_ANSWER_AUC = 0.977  # answer_similarity on answer_reference_pairs.jsonl
MEASURED_SYMMETRIC_AUC = 0.708  # semantic_similarity on semantic_pairs.jsonl


def test_roc_auc_against_hand_computed_values() -> None:
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]) == 0.5  # ties count half
    assert roc_auc([0.9, 0.3, 0.5, 0.1], [1, 1, 0, 0]) == 0.75
    with pytest.raises(ValueError):
        roc_auc([0.1, 0.2], [1, 1])


def test_labelled_sets_are_large_and_balanced() -> None:
    sym = load_pairs(DATA / "semantic_pairs.jsonl")
    answers = load_answer_pairs(DATA / "answer_reference_pairs.jsonl")
    for rows in (sym, answers):
        positives = sum(p.label for p in rows)
        assert len(rows) >= 200 and 0.4 <= positives / len(rows) <= 0.6
        assert len({p.id for p in rows}) == len(rows)
    kinds = {p.kind for p in answers if not p.label}
    assert {"other-article", "negated", "wrong-number", "wrong-path", "refusal"} <= kinds


def _rates(scores: Sequence[float], labels: Sequence[int], t: float) -> float:
    """TPR + TNR when a score >= t passes."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    return sum(s >= t for s in pos) / len(pos) + sum(s < t for s in neg) / len(neg)


def test_scorer_default_keeps_its_measured_auc_on_answers() -> None:
    rows = load_answer_pairs(DATA / "answer_reference_pairs.jsonl")
    scores = [answer_similarity(p.answer, p.reference) for p in rows]
    labels = [p.label for p in rows]
    assert roc_auc(scores, labels) >= MEASURED_ANSWER_AUC - 0.01
    _, best_tpr, best_tnr = youden_threshold(scores, labels)
    t = DEFAULT_THRESHOLDS["lexical"]
    assert _rates(scores, labels, t) >= best_tpr + best_tnr - 0.03
    assert _rates(scores, labels, t) >= 1.85  # measured 0.95 pass + 0.93 fail


def test_semantic_similarity_keeps_its_measured_auc() -> None:
    rows = load_pairs(DATA / "semantic_pairs.jsonl")
    scores = [semantic_similarity(p.a, p.b) for p in rows]
    labels = [p.label for p in rows]
    assert roc_auc(scores, labels) >= MEASURED_SYMMETRIC_AUC - 0.02
    _, best_tpr, best_tnr = youden_threshold(scores, labels)
    assert _rates(scores, labels, DEFAULT_THRESHOLDS["lexical"]) >= best_tpr + best_tnr - 0.03
