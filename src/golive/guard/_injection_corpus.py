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
    # A list, not a generator: Counter counts a list in C (2x faster on the proxy's hot path).
    return Counter([padded[i : i + n] for n in _NGRAMS for i in range(len(padded) - n + 1)])


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
        # Stored one row per n-gram: a query gathers contiguous rows, not scattered columns.
        self._by_gram: npt.NDArray[np.float32] = np.ascontiguousarray(m.T)
        self._idf_oov = np.append(self._idf, self._oov_idf)  # index -1: an unseen n-gram

    def query(self, normalised: str) -> Neighbour:
        grams = _grams(normalised)
        if not grams:
            return Neighbour(0.0, 0.0, "")
        vocab = self._vocab
        rows = np.fromiter([vocab.get(g, -1) for g in grams], dtype=np.intp, count=len(grams))
        counts = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))
        weights = (1 + np.log(counts)) * self._idf_oov[rows]
        seen = rows >= 0
        if not seen.any():
            return Neighbour(0.0, 0.0, "")
        norm = math.sqrt(float(weights @ weights))
        sims = weights[seen].astype(np.float32) @ self._by_gram[rows[seen]] / norm
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
