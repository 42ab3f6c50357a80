"""Measuring a similarity function on labelled pairs: ROC AUC and the best threshold.

Used by ``benchmarks/semantic_auc.py`` and by the test that keeps the default's accuracy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["AnswerPair", "Pair", "load_answer_pairs", "load_pairs", "roc_auc", "youden_threshold"]


@dataclass(frozen=True, slots=True)
class Pair:
    id: str
    a: str
    b: str
    label: int  # 1: same meaning, 0: different
    kind: str


def load_pairs(path: Path) -> list[Pair]:
    """Read a JSONL file of {id, a, b, label, kind}."""
    with path.open(encoding="utf-8") as f:
        return [Pair(**json.loads(line)) for line in f if line.strip()]


@dataclass(frozen=True, slots=True)
class AnswerPair:
    id: str
    reference: str
    answer: str
    label: int  # 1: a correct answer to the reference's question, 0: a wrong one
    kind: str


def load_answer_pairs(path: Path) -> list[AnswerPair]:
    """Read a JSONL file of {id, reference, answer, label, kind}."""
    with path.open(encoding="utf-8") as f:
        return [AnswerPair(**json.loads(line)) for line in f if line.strip()]


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their average rank (as the Mann-Whitney U needs)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=float)
    sorted_vals = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def roc_auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("need both positive and negative pairs")
    rank_sum = float(_ranks(s)[y == 1].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def youden_threshold(scores: Sequence[float], labels: Sequence[int]) -> tuple[float, float, float]:
    """The threshold maximising TPR − FPR, with the TPR and TNR it gives (score ≥ t passes)."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    best = (-2.0, 0.0, 0.0, 0.0)
    for t in np.unique(s):
        tpr = float(np.mean(s[y == 1] >= t))
        tnr = float(np.mean(s[y == 0] < t))
        if tpr + tnr - 1 > best[0]:
            best = (tpr + tnr - 1, float(t), tpr, tnr)
    return best[1], best[2], best[3]
