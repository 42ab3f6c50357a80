"""Statistics for noisy, non-deterministic systems: intervals on rates and exact quantiles.

Wilson's score interval is used for every proportion: unlike the normal approximation it
stays inside [0, 1] and keeps its coverage at small n and at rates near 0 or 1, which is
exactly where pass rates of good systems live.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "Z95",
    "benjamini_hochberg",
    "bootstrap_mean_ci",
    "bootstrap_quantile_diff",
    "fisher_exact",
    "mcnemar_test",
    "minimum_detectable_drop",
    "paired_bootstrap_ci",
    "percentile",
    "percentile_ci",
    "percentile_intervals",
    "quantile_ci_ranks",
    "samples_to_bound_quantile",
    "sign_flip_test",
    "summarize_latencies",
    "wilson_interval",
    "wilson_samples_needed",
]

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
    means = _resampled(rng, data, resamples, lambda block: block.mean(axis=1))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (float(low), float(high))


# Bootstrap indices drawn at once: 2M (16 MB, and as much again for the values they pick).
# Drawing every resample at once took resamples x n of each: 2.9 GB for 90,000 latencies.
_BOOTSTRAP_CELLS = 1 << 21


def _resampled(rng: Any, data: Any, resamples: int, stat: Callable[[Any], Any]) -> Any:
    """``stat`` of each of ``resamples`` bootstrap resamples of ``data`` (one per row), drawn
    in blocks of rows so memory stays bounded whatever ``len(data)``. The generator yields
    the same stream in blocks as in one draw, so the result equals the one-draw result."""
    import numpy as np

    n = len(data)
    rows = max(1, _BOOTSTRAP_CELLS // n)
    out = np.empty(resamples)
    for start in range(0, resamples, rows):
        k = min(rows, resamples - start)
        out[start : start + k] = stat(data[rng.integers(0, n, size=(k, n))])
    return out


# -- paired comparison of two runs (golive compare) ------------------------------------------


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input's order.

    Rejecting every hypothesis with ``q <= alpha`` controls the false discovery rate at
    ``alpha`` (independent or positively dependent tests); when every null is true this is
    also the chance of any false rejection at all.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 1.0
    for rank in range(m, 0, -1):  # from the largest p down, keeping the running minimum
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        adjusted[i] = min(1.0, running)
    return adjusted


def mcnemar_test(b: int, c: int, *, mid_p: bool = False) -> float:
    """Two-sided exact McNemar test on ``b`` and ``c`` discordant pairs (binomial, p = 1/2).

    ``mid_p`` gives the mid-p variant (half the probability of the observed table counted),
    less conservative and closer to nominal size; the plain exact test never exceeds it.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be >= 0, got {b} and {c}")
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    total = 1 << n  # exact integers: the ratio stays accurate for thousands of pairs
    tail = sum(math.comb(n, i) for i in range(k + 1)) / total
    if mid_p:
        tail -= math.comb(n, k) / total / 2
    return min(1.0, 2 * tail)


def _hypergeom_pmf(x: int, k_total: int, n1: int, n2: int) -> float:
    """P(X = x) where X is the successes in group 1 of ``k_total`` successes spread over
    ``n1 + n2`` trials without replacement."""
    return math.comb(n1, x) * math.comb(n2, k_total - x) / math.comb(n1 + n2, k_total)


def fisher_exact(k1: int, n1: int, k2: int, n2: int, alternative: str = "two-sided") -> float:
    """Fisher's exact test of ``k1``/``n1`` against ``k2``/``n2``.

    ``alternative``: ``"less"`` (group 2's rate is lower), ``"greater"`` or ``"two-sided"``
    (the tables no more likely than the observed one, with a relative tolerance for ties).
    """
    if not (0 <= k1 <= n1 and 0 <= k2 <= n2):
        raise ValueError(f"need 0 <= k <= n, got {k1}/{n1} and {k2}/{n2}")
    return _fisher(k1, n1, k2, n2, alternative)


@functools.lru_cache(maxsize=4096)
def _fisher(k1: int, n1: int, k2: int, n2: int, alternative: str) -> float:
    total = k1 + k2
    lo, hi = max(0, total - n2), min(total, n1)
    pmf = {x: _hypergeom_pmf(x, total, n1, n2) for x in range(lo, hi + 1)}
    # X counts group 1's successes: group 2 doing worse means X large.
    if alternative == "less":
        p = math.fsum(v for x, v in pmf.items() if x >= k1)
    elif alternative == "greater":
        p = math.fsum(v for x, v in pmf.items() if x <= k1)
    elif alternative == "two-sided":
        observed = pmf[k1] * (1 + 1e-7)
        p = math.fsum(v for v in pmf.values() if v <= observed)
    else:
        raise ValueError(f"alternative must be less, greater or two-sided, not {alternative!r}")
    return min(1.0, p)


def sign_flip_test(
    diffs: Sequence[float],
    *,
    alternative: str = "two-sided",
    scale: int | None = None,
    seed: int = 0,
    resamples: int = 20_000,
) -> float:
    """Paired randomization test of ``sum(diffs) = 0`` by flipping the sign of each pair.

    Under "nothing changed" the two members of a pair (a case's base and head samples) are
    exchangeable, so each difference is as likely to be positive as negative: the test's
    size is exact, with no large-sample approximation. With ``scale`` (every ``diff * scale``
    an integer, e.g. the lcm of the sample counts) the null distribution is enumerated
    exactly by dynamic programming; otherwise ``resamples`` random sign flips estimate it
    (with the ``(1 + hits) / (1 + resamples)`` correction that keeps the p-value valid).

    ``alternative="less"`` asks whether the sum is significantly below 0 (a drop).
    """
    import numpy as np

    if alternative not in ("less", "greater", "two-sided"):
        raise ValueError(f"alternative must be less, greater or two-sided, not {alternative!r}")
    data = np.asarray([d for d in diffs if d != 0], dtype=float)
    if len(data) == 0:
        return 1.0
    if scale is not None:
        ints = np.rint(data * scale).astype(np.int64)
        if np.allclose(ints, data * scale, atol=1e-6) and int(np.abs(ints).sum()) <= 5_000_000:
            return _sign_flip_exact(ints, alternative)
    rng = np.random.default_rng(seed)
    observed = float(data.sum())
    sums = (rng.choice((-1.0, 1.0), size=(resamples, len(data))) * np.abs(data)).sum(axis=1)
    tol = 1e-9 * max(1.0, float(np.abs(data).sum()))
    low = (1 + int((sums <= observed + tol).sum())) / (1 + resamples)
    high = (1 + int((sums >= observed - tol).sum())) / (1 + resamples)
    return _pick_tail(low, high, alternative)


def _sign_flip_exact(ints: object, alternative: str) -> float:
    import numpy as np

    values = np.abs(np.asarray(ints, dtype=np.int64))
    total = int(values.sum())
    # The sum is 2*T - total, T = the sum of the entries flipped positive: its distribution
    # is that of a random subset sum, built one entry at a time.
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    reach = 0
    for a in values.tolist():
        shifted = dist[: reach + 1].copy()
        dist[: reach + 1] *= 0.5
        dist[a : a + reach + 1] += 0.5 * shifted
        reach += a
    t_obs = int(np.asarray(ints)[np.asarray(ints) > 0].sum())
    low = float(dist[: t_obs + 1].sum())
    high = float(dist[t_obs:].sum())
    return _pick_tail(low, high, alternative)


def _pick_tail(low: float, high: float, alternative: str) -> float:
    if alternative == "less":
        return min(1.0, low)
    if alternative == "greater":
        return min(1.0, high)
    return min(1.0, 2 * min(low, high))


def bootstrap_quantile_diff(
    base: Sequence[float],
    head: Sequence[float],
    q: float,
    *,
    seed: int = 0,
    resamples: int = 2000,
    level: float = 0.95,
) -> tuple[float, tuple[float, float], float]:
    """The ``q``-th percentile of ``head`` minus that of ``base``, its percentile-bootstrap
    interval, and a two-sided bootstrap p-value (twice the share of resampled differences on
    the far side of 0). Each run is resampled on its own: latencies of two runs are not paired.
    """
    import numpy as np

    if not base or not head:
        raise ValueError("bootstrap of an empty sample")
    b = np.asarray(base, dtype=float)
    h = np.asarray(head, dtype=float)
    rng = np.random.default_rng(seed)
    qb = _resampled(rng, b, resamples, lambda block: np.percentile(block, q, axis=1))
    qh = _resampled(rng, h, resamples, lambda block: np.percentile(block, q, axis=1))
    deltas = qh - qb
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(deltas, [tail, 100 - tail])
    observed = float(np.percentile(h, q) - np.percentile(b, q))
    below = (1 + int((deltas <= 0).sum())) / (1 + resamples)
    above = (1 + int((deltas >= 0).sum())) / (1 + resamples)
    return observed, (float(low), float(high)), min(1.0, 2 * min(below, above))


def paired_bootstrap_ci(
    base: Sequence[float],
    head: Sequence[float],
    *,
    seed: int = 0,
    resamples: int = 2000,
    level: float = 0.95,
) -> tuple[float, float]:
    """Bootstrap interval of ``mean(head - base)`` over pairs (cases), resampling whole pairs."""
    if len(base) != len(head):
        raise ValueError(f"paired samples differ in length: {len(base)} and {len(head)}")
    diffs = [h - b for b, h in zip(base, head, strict=True)]
    return bootstrap_mean_ci(diffs, seed=seed, resamples=resamples, level=level)


def minimum_detectable_drop(
    cases: int,
    *,
    alpha: float,
    power: float = 0.8,
    noise_var: float = 0.0,
) -> float | None:
    """The smallest pass-rate drop (0–1) a one-sided paired test at ``alpha`` detects with
    probability ``power`` over ``cases`` cases.

    The drop is modelled the way regressions happen: a share ``delta`` of the cases goes
    from passing to failing, while every case keeps its sample noise, ``noise_var`` being
    the variance of one case's base-to-head difference in pass share when nothing changed
    (estimate it from the runs' within-case variance; 0 for a deterministic system). Under
    this model the sign-flip statistic ``sum(d) / sqrt(sum(d**2))`` is approximately normal:
    ``E sum(d) = -m*delta``, ``sum(d**2) ~ m*(delta + (1-delta)*v)``, and its spread is
    ``m*(1-delta)*v``. Returns None when no drop up to 100 points is detectable.
    """
    from statistics import NormalDist

    if cases <= 0:
        return None
    z_a = NormalDist().inv_cdf(1 - alpha)
    z_b = NormalDist().inv_cdf(power)
    m = float(cases)
    v = max(0.0, noise_var)

    def power_gap(delta: float) -> float:
        null_sd = math.sqrt(m * (delta + (1 - delta) * v))
        alt_sd = math.sqrt(m * (1 - delta) * v)
        return m * delta - z_a * null_sd - z_b * alt_sd

    if power_gap(1.0) < 0:
        return None
    lo, hi = 0.0, 1.0
    for _ in range(60):  # bisection: power_gap rises with delta over (0, 1]
        mid = (lo + hi) / 2
        if power_gap(mid) >= 0:
            hi = mid
        else:
            lo = mid
    return hi


PERCENTILES = (50, 90, 95, 99)


@functools.lru_cache(maxsize=4096)
def quantile_ci_ranks(n: int, q: float, level: float = 0.95) -> tuple[int | None, int | None]:
    """1-based ranks ``(l, u)`` of the order statistics that bound the ``q`` quantile (0 < q < 1)
    of a sample of ``n`` with probability at least ``level``; None for a side no rank can bound.

    Distribution-free (any continuous distribution), from order statistics: with B the number
    of observations below the true quantile, B ~ Binomial(n, q) and
    P(X_(l) <= x_q < X_(u)) = P(l <= B <= u - 1). Each side takes at most (1 - level)/2 of the
    miss probability (equal tails, as Hahn & Meeker and ``scipy.stats.quantile_test`` do): l is
    the largest rank with P(B <= l - 1) <= (1 - level)/2, u the smallest with
    P(B <= u - 1) >= 1 - (1 - level)/2. When even X_(1) (X_(n)) leaves more than that tail,
    the lower (upper) bound is unbounded: at 95% the upper bound of p99 needs n >= 368, of p95
    72, of p90 36, and p50 needs n >= 6 on both sides. A side that is bounded is then still a
    one-sided bound at 1 - (1 - level)/2.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0 < q < 1:
        raise ValueError(f"q must be within (0, 1), got {q}")
    if n == 0:
        return (None, None)
    from scipy.stats import binom

    tail = (1 - level) / 2
    eps = 1e-12  # float dust in the CDF is resolved towards coverage

    def cdf(k: int) -> float:
        return float(binom.cdf(k, n, q))

    # Lower: j = l - 1, the largest j with F(j) <= tail.
    j = int(binom.ppf(tail, n, q))
    while j >= 0 and cdf(j) > tail + eps:
        j -= 1
    while j + 1 <= n - 1 and cdf(j + 1) <= tail - eps:
        j += 1
    low = j + 1 if j >= 0 else None
    # Upper: m = u - 1, the smallest m with F(m) >= 1 - tail.
    m = int(binom.ppf(1 - tail, n, q))
    while m > 0 and cdf(m - 1) >= 1 - tail + eps:
        m -= 1
    while m < n and cdf(m) < 1 - tail + eps:
        m += 1
    high = m + 1 if m + 1 <= n else None
    return (low, high)


def samples_to_bound_quantile(q: float, side: str, level: float = 0.95) -> int:
    """The smallest sample whose order statistics bound the ``q`` quantile on ``side``
    (``"upper"`` or ``"lower"``) at ``level``, as ``quantile_ci_ranks`` computes them: at 95%
    the upper bound of p99 needs 368, of p95 72, of p90 36; p50 needs 6 on either side."""
    if side not in ("upper", "lower"):
        raise ValueError(f"side is 'upper' or 'lower', got {side!r}")
    if not 0 < q < 1:
        raise ValueError(f"q must be within (0, 1), got {q}")
    tail = (1 - level) / 2
    # The extreme order statistic bounds the side once the chance that every observation
    # falls on the other side of the quantile is at most the tail: q^n (upper), (1-q)^n.
    inside = q if side == "upper" else 1 - q
    n = max(1, math.ceil(math.log(tail) / math.log(inside) - 1e-9))
    index = 1 if side == "upper" else 0
    while quantile_ci_ranks(n, q, level)[index] is None:  # float dust: step to the exact n
        n += 1
    while n > 1 and quantile_ci_ranks(n - 1, q, level)[index] is not None:
        n -= 1
    return n


def percentile_ci(
    sorted_values: Sequence[float], q: float, level: float = 0.95
) -> tuple[float | None, float | None]:
    """Distribution-free ``level`` interval of the ``q``-th percentile (0 < q < 100) of the
    population ``sorted_values`` was drawn from: the order statistics ``quantile_ci_ranks``
    picks. None on a side the sample is too small to bound (never a made-up number)."""
    low, high = quantile_ci_ranks(len(sorted_values), q / 100, level)
    return (
        None if low is None else sorted_values[low - 1],
        None if high is None else sorted_values[high - 1],
    )


def percentile_intervals(
    values: Sequence[float], level: float = 0.95
) -> dict[str, tuple[float | None, float | None]]:
    """``percentile_ci`` for p50, p90, p95 and p99 (the keys ``summarize_latencies`` uses)."""
    ordered = sorted(values)
    return {f"p{q}": percentile_ci(ordered, q, level) for q in PERCENTILES}


def wilson_samples_needed(rate: float, threshold: float, z: float = Z95) -> float | None:
    """The n at which the Wilson interval of an observed ``rate``, held fixed, stops covering
    ``threshold`` (its bound on the side of ``threshold`` reaches it): sample-size planning
    for a gate such as ``rate.ci_low >= threshold``.

    Wilson's interval is exactly the set of ``t`` with ``(rate - t)**2 <= z**2 t(1 - t)/n``,
    so its bound meets ``threshold`` at ``n = z**2 t(1 - t) / (rate - t)**2``; a larger n
    clears it. Returns that n, unrounded, or None when no n does: ``rate == threshold``, or a
    threshold of 0 or 1, which a Wilson bound only approaches.
    """
    if not (0.0 <= rate <= 1.0):
        raise ValueError(f"rate must lie within [0, 1], got {rate}")
    t = threshold
    if not (0.0 < t < 1.0) or rate == t:
        return None
    return z * z * t * (1 - t) / (rate - t) ** 2
