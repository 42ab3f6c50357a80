"""Statistics for noisy, non-deterministic systems: intervals on rates and exact quantiles.

Wilson's score interval is used for every proportion: unlike the normal approximation it
stays inside [0, 1] and keeps its coverage at small n and at rates near 0 or 1, which is
exactly where pass rates of good systems live.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["Z95", "bootstrap_mean_ci", "percentile", "summarize_latencies", "wilson_interval"]

Z95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n``; (0, 1) when n is 0."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Clamp the floating-point dust so that 0/n gives exactly 0 and n/n exactly 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Exact percentile by linear interpolation between closest ranks (numpy's default).

    Never exceeds the maximum, unlike bucketed estimators.
    """
    if not sorted_values:
        raise ValueError("percentile of an empty sample")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within [0, 100], got {q}")
    pos = (len(sorted_values) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def summarize_latencies(values: Sequence[float]) -> dict[str, float]:
    """p50, p90, p95, p99, max and mean of a latency sample (empty dict when empty)."""
    if not values:
        return {}
    ordered = sorted(values)
    summary = {f"p{q}": percentile(ordered, q) for q in (50, 90, 95, 99)}
    summary["max"] = ordered[-1]
    summary["mean"] = math.fsum(ordered) / len(ordered)
    return summary


def bootstrap_mean_ci(
    values: Sequence[float], *, seed: int = 0, resamples: int = 2000, level: float = 0.95
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (e.g. per-case paired deltas).

    Resampling whole cases keeps the samples of one case together, which respects the
    correlation between repeated samples of the same input.
    """
    import numpy as np

    if not values:
        raise ValueError("bootstrap of an empty sample")
    data = np.asarray(values, dtype=float)
    if len(data) == 1:
        return (float(data[0]), float(data[0]))
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (float(low), float(high))
