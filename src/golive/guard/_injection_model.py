"""The learned injection layer: a linear model over hashed word and character n-grams, one
head per origin.

Two heads share the features: ``user`` (an attack vs what real users ask, persona prompts and
security talk included) and ``document`` (an instruction addressed to the assistant vs the
text of documents, emails and tool output, shown one segment at a time). Trained by
benchmarks/injection_training.py (``--write`` makes the file golive ships, from the
permissively licensed public sources and golive's own examples); benchmarks/
guard_injection_public.py measures it leave-one-source-out.

The guard uses the user head, and only its confident verdicts (``CONFIDENT``): held out, at
that level it added recall at almost no cost in false positives, while at 0.5 it flagged one
benign prompt in ten of a style it had not seen (docs/benchmarks.md). The document head is
not used: held out it flagged most clean documents. An encoder (MiniLM) did no better held
out and costs 26 ms a text on one core, more than the guard's whole budget.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from io import BytesIO

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONFIDENT",
    "DIM",
    "Head",
    "Model",
    "evidence",
    "features",
    "fit",
    "segments",
    "shipped",
]

DIM = 1 << 18  # hashed feature space; collisions cost < 0.5% F1 against 2**20 in the benchmark
_WORD = re.compile(r"\w+")
_CHAR_NGRAMS = (3, 4, 5)
_MAX_CHARS = 2_000  # the learned layer reads the opening of a text, or of each segment
_SEGMENT_CHARS = 400
_MAX_SEGMENTS = 120  # a document's head and tail: injected text hides at either end
# The user head's probability at or above which it flags a text on its own (chosen on the
# leave-one-source-out figures, never on the hold-out set).
CONFIDENT = 0.9
SHIPPED = "injection_model.npz"  # in golive/guard/data, written by injection_training --write
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")


def _h(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & (DIM - 1)


def features(normalised: str) -> npt.NDArray[np.int64]:
    """Hashed feature indices (unique, sorted) of an already normalised text: word 1- and
    2-grams, and character 3- to 5-grams inside words."""
    words = _WORD.findall(normalised[:_MAX_CHARS])
    grams: set[str] = set()
    add = grams.add
    prev = "^"
    for w in words:
        add("w" + w)
        add("b" + prev + " " + w)
        prev = w
        padded = f" {w} "
        for n in _CHAR_NGRAMS:
            for i in range(len(padded) - n + 1):
                add(padded[i : i + n])
    return np.unique(np.fromiter((_h(g) for g in grams), dtype=np.int64, count=len(grams)))


@dataclass(frozen=True, slots=True)
class Head:
    weights: npt.NDArray[np.float32]
    bias: float

    def probability(self, idx: npt.NDArray[np.int64]) -> float:
        if idx.size == 0:
            return 0.0
        z = self.bias + float(self.weights[idx].sum()) / math.sqrt(idx.size)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@dataclass(frozen=True, slots=True)
class Model:
    user: Head
    document: Head

    def head(self, origin: str) -> Head:
        return self.document if origin == "document" else self.user

    def to_bytes(self) -> bytes:
        buf = BytesIO()
        np.savez_compressed(
            buf,
            user_w=self.user.weights.astype(np.float16),
            user_b=np.float32(self.user.bias),
            document_w=self.document.weights.astype(np.float16),
            document_b=np.float32(self.document.bias),
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Model:
        with np.load(BytesIO(raw)) as z:
            return cls(
                Head(z["user_w"].astype(np.float32), float(z["user_b"])),
                Head(z["document_w"].astype(np.float32), float(z["document_b"])),
            )


def segments(text: str) -> list[str]:
    """A document cut into pieces of about a sentence or two (at most _SEGMENT_CHARS), so one
    planted instruction is judged on its own and not diluted by the text around it."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    out: list[str] = []
    cur = ""
    for p in parts:
        while len(p) > _SEGMENT_CHARS:
            if cur:
                out.append(cur)
                cur = ""
            out.append(p[:_SEGMENT_CHARS])
            p = p[_SEGMENT_CHARS:]
        if cur and len(cur) + 1 + len(p) > _SEGMENT_CHARS // 2:
            out.append(cur)
            cur = p
        else:
            cur = f"{cur} {p}" if cur else p
    if cur:
        out.append(cur)
    if len(out) > _MAX_SEGMENTS:
        half = _MAX_SEGMENTS // 2
        out = out[:half] + out[-half:]
    return out


def fit(
    rows: Sequence[npt.NDArray[np.int64]],
    labels: Sequence[int],
    *,
    sample_weight: Iterable[float] | None = None,
    l2: float = 1e-4,
) -> Head:
    """Logistic regression on hashed features (L-BFGS, L2), classes balanced. Training only:
    scipy is a core dependency, so nothing extra is installed."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    y = np.asarray(labels, dtype=np.float64)
    n = len(rows)
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([r.size for r in rows])
    indices = np.concatenate(list(rows)) if n else np.zeros(0, dtype=np.int64)
    data = np.concatenate([np.full(r.size, 1.0 / math.sqrt(max(r.size, 1))) for r in rows])
    x = csr_matrix((data, indices, indptr), shape=(n, DIM))
    pos = max(float(y.sum()), 1.0)
    neg = max(float(n - y.sum()), 1.0)
    w = np.where(y == 1, n / (2 * pos), n / (2 * neg))
    if sample_weight is not None:
        w = w * np.asarray(list(sample_weight), dtype=np.float64)
    w = w / w.sum()
    used = np.unique(indices)  # optimise only the columns the data touches
    xu = x[:, used]

    def loss(theta: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        coef, b = theta[:-1], theta[-1]
        z = xu @ coef + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
        ll = -(w * (y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))).sum()
        g = w * (p - y)
        grad = np.empty_like(theta)
        grad[:-1] = xu.T @ g + l2 * coef
        grad[-1] = g.sum()
        return float(ll + 0.5 * l2 * coef @ coef), grad

    theta0 = np.zeros(used.size + 1)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": 300})
    weights = np.zeros(DIM, dtype=np.float32)
    weights[used] = res.x[:-1]
    return Head(weights, float(res.x[-1]))


def evidence(probability: float) -> float:
    """The learned layer's part of the guard's score: its probability where it is confident,
    else scaled below 0.5 (still monotone, so a lower threshold draws a real ROC, but never a
    flag at the default threshold on its own)."""
    return probability if probability >= CONFIDENT else 0.49 * probability / CONFIDENT


@functools.cache
def shipped() -> Model | None:
    """The model golive ships (None if the wheel was built without it)."""
    path = resources.files("golive.guard").joinpath("data", SHIPPED)
    if not path.is_file():
        return None
    return Model.from_bytes(path.read_bytes())
