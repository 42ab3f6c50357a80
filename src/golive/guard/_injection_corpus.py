"""Nearest-neighbour layer: character n-gram TF-IDF cosine against a bundled corpus."""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

__all__ = ["CorpusIndex", "Neighbour", "index"]

_NGRAMS = (3, 4, 5)
_MAX_CHARS = 2000  # similarity is judged on the opening: cost grows with the text


def _grams(text: str) -> Counter[str]:
    padded = f" {' '.join(text[:_MAX_CHARS].split())} "
    return Counter(padded[i : i + n] for n in _NGRAMS for i in range(len(padded) - n + 1))


@dataclass(frozen=True, slots=True)
class Neighbour:
    attack: float  # cosine to the nearest attack pattern
    benign: float  # cosine to the nearest benign anchor
    text: str  # the nearest attack pattern


class CorpusIndex:
    """A dense TF-IDF matrix over the corpus vocabulary; queries gather only their columns."""

    def __init__(self, items: list[tuple[bool, str]]) -> None:
        from golive.guard._injection_heuristics import normalise

        self._texts = [t for _, t in items]
        self._attack = np.array([a for a, _ in items], dtype=bool)
        docs = [_grams(normalise(t)) for _, t in items]
        df: Counter[str] = Counter(g for d in docs for g in d)
        self._vocab = {g: i for i, g in enumerate(sorted(df))}
        n = len(docs)
        self._idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in sorted(df)])
        self._oov_idf = math.log(1 + n) + 1
        m = np.zeros((n, len(self._vocab)), dtype=np.float32)
        for row, d in enumerate(docs):
            for g, c in d.items():
                j = self._vocab[g]
                m[row, j] = (1 + math.log(c)) * self._idf[j]
        m /= np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)
        self._m: npt.NDArray[np.float32] = m

    def query(self, normalised: str) -> Neighbour:
        grams = _grams(normalised)
        if not grams:
            return Neighbour(0.0, 0.0, "")
        cols: list[int] = []
        weights: list[float] = []
        norm2 = 0.0
        for g, c in grams.items():
            j = self._vocab.get(g)
            w = (1 + math.log(c)) * (self._oov_idf if j is None else float(self._idf[j]))
            norm2 += w * w
            if j is not None:
                cols.append(j)
                weights.append(w)
        if not cols:
            return Neighbour(0.0, 0.0, "")
        sims = self._m[:, cols] @ np.asarray(weights, dtype=np.float32) / math.sqrt(norm2)
        att = np.where(self._attack, sims, -1.0)
        ben = np.where(self._attack, -1.0, sims)
        best = int(att.argmax())
        return Neighbour(float(att[best]), float(max(ben.max(), 0.0)), self._texts[best])


_index: CorpusIndex | None = None
_lock = threading.Lock()


def _load() -> list[tuple[bool, str]]:
    raw = resources.files("golive.guard").joinpath("data/injection_corpus.txt").read_text("utf-8")
    items: list[tuple[bool, str]] = []
    for line in raw.splitlines():
        label, _, text = line.partition("\t")
        if label in ("A", "B") and text.strip():
            items.append((label == "A", text.strip()))
    return items


def index() -> CorpusIndex:
    """The bundled corpus index, built once on first use."""
    global _index
    with _lock:
        if _index is None:
            _index = CorpusIndex(_load())
        return _index
