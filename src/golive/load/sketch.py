"""A mergeable, log-bucketed quantile sketch (DDSketch-style) for latencies.

Every value ``x > 0`` falls in bucket ``ceil(log_gamma(x))`` with ``gamma = (1+a)/(1-a)``, so
any quantile is returned within relative error ``a`` of the true value at that rank. Buckets
add, so sketches merge exactly across processes. Quantiles are clamped to the recorded
min and max: p99 can never exceed max.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["Sketch"]


class Sketch:
    """Quantiles within ``relative_accuracy`` of the truth; merge with ``merge``."""

    __slots__ = (
        "_buckets",
        "_gamma_log",
        "count",
        "max",
        "min",
        "relative_accuracy",
        "sum",
        "zeros",
    )

    def __init__(self, relative_accuracy: float = 0.01) -> None:
        if not 0 < relative_accuracy < 1:
            raise ValueError(f"relative_accuracy must be in (0, 1), got {relative_accuracy}")
        self.relative_accuracy = relative_accuracy
        gamma = (1 + relative_accuracy) / (1 - relative_accuracy)
        self._gamma_log = math.log(gamma)
        self._buckets: dict[int, int] = {}
        self.zeros = 0  # values equal to 0 (e.g. two chunks in one read)
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf

    def add(self, value: float) -> None:
        if value < 0 or math.isnan(value):
            raise ValueError(f"latencies are >= 0, got {value}")
        if value == 0:
            self.zeros += 1
        else:
            key = math.ceil(math.log(value) / self._gamma_log)
            self._buckets[key] = self._buckets.get(key, 0) + 1
        self.count += 1
        self.sum += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)

    def update(self, values: Iterable[float]) -> None:
        for v in values:
            self.add(v)

    def merge(self, other: Sketch) -> None:
        """Add ``other``'s values to this sketch (same accuracy required)."""
        if other.relative_accuracy != self.relative_accuracy:
            raise ValueError("cannot merge sketches of different accuracy")
        for key, n in other._buckets.items():
            self._buckets[key] = self._buckets.get(key, 0) + n
        self.zeros += other.zeros
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    def buckets(self) -> dict[int, int]:
        """A copy of the bucket counts (for equality checks and serialisation)."""
        return dict(self._buckets)

    def quantile(self, q: float) -> float:
        """The value at rank ``floor(q * (count - 1))``, within the relative accuracy."""
        if self.count == 0:
            raise ValueError("quantile of an empty sketch")
        if not 0 <= q <= 1:
            raise ValueError(f"q must be within [0, 1], got {q}")
        rank = math.floor(q * (self.count - 1))
        if rank < self.zeros:
            return 0.0
        seen = self.zeros
        value = self.max
        for key in sorted(self._buckets):
            seen += self._buckets[key]
            if seen > rank:
                # The midpoint (in relative terms) of the bucket (gamma^(k-1), gamma^k].
                gamma = math.exp(self._gamma_log)
                value = 2 * gamma**key / (gamma + 1)
                break
        return min(max(value, self.min), self.max)

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else math.nan
