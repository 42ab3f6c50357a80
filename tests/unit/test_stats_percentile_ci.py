"""The distribution-free percentile interval: exact ranks at small n, exact binomial coverage
at every n, and coverage by simulation on skewed and bounded distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from golive.stats import (
    percentile_ci,
    percentile_intervals,
    quantile_ci_ranks,
    samples_to_bound_quantile,
)


def test_median_of_ten_is_bounded_by_the_second_and_ninth_values() -> None:
    # The textbook case (Conover; Hahn & Meeker): coverage 0.9785.
    assert quantile_ci_ranks(10, 0.5) == (2, 9)
    assert percentile_ci([float(x) for x in range(1, 11)], 50) == (2.0, 9.0)


def test_p99_of_seven_requests_has_no_upper_bound() -> None:
    values = [100.0, 120.0, 130.0, 150.0, 200.0, 812.0, 900.0]
    assert quantile_ci_ranks(7, 0.99) == (6, None)
    assert percentile_ci(values, 99) == (812.0, None)


@pytest.mark.parametrize(("q", "first_bounded_n"), [(0.5, 6), (0.9, 36), (0.95, 72), (0.99, 368)])
def test_upper_bound_appears_at_the_sample_size_where_the_max_suffices(
    q: float, first_bounded_n: int
) -> None:
    assert quantile_ci_ranks(first_bounded_n - 1, q)[1] is None
    assert quantile_ci_ranks(first_bounded_n, q)[1] == first_bounded_n
    # Equal tails: the maximum is enough once q**n <= 0.025.
    assert q**first_bounded_n <= 0.025 < q ** (first_bounded_n - 1)


def test_tiny_samples_bound_nothing() -> None:
    assert quantile_ci_ranks(0, 0.5) == (None, None)
    assert quantile_ci_ranks(5, 0.5) == (None, None)
    assert percentile_intervals([]) == dict.fromkeys(("p50", "p90", "p95", "p99"), (None, None))


@given(n=st.integers(1, 3000), q=st.sampled_from([0.5, 0.9, 0.95, 0.99]))
def test_exact_coverage_is_at_least_95_percent_and_each_tail_at_most_2_5(n: int, q: float) -> None:
    low, high = quantile_ci_ranks(n, q)
    dist = scipy.stats.binom(n, q)
    miss_low = 0.0 if low is None else float(dist.cdf(low - 1))
    miss_high = 0.0 if high is None else float(dist.sf(high - 1))
    assert miss_low <= 0.025 + 1e-9 and miss_high <= 0.025 + 1e-9
    assert 1 - miss_low - miss_high >= 0.95 - 1e-9
    if low is not None and high is not None:
        assert 1 <= low < high <= n
    # Tightest: one rank further in on either side would leave more than 2.5% out.
    if low is not None and low < n:
        assert float(dist.cdf(low)) > 0.025
    if high is not None and high > 1:
        assert float(dist.sf(high - 2)) > 0.025
    if low is None:
        assert float(dist.cdf(0)) > 0.025
    if high is None:
        assert float(dist.sf(n - 1)) > 0.025


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng, size: rng.exponential(50.0, size),
        lambda rng, size: rng.lognormal(4.0, 1.0, size),
        lambda rng, size: rng.uniform(5.0, 8.0, size),
        lambda rng, size: 10 * (rng.pareto(1.5, size) + 1),
    ],
    ids=["exponential", "lognormal", "uniform", "pareto"],
)
@pytest.mark.parametrize("n", [20, 150, 600])
def test_simulated_coverage_is_at_least_94_percent(draw: object, n: int) -> None:
    rng = np.random.default_rng(20261207)
    reference = np.sort(draw(rng, 2_000_000))  # type: ignore[operator]
    samples = np.sort(draw(rng, (2000, n)), axis=1)  # type: ignore[operator]
    for q in (50, 90, 95, 99):
        truth = float(np.quantile(reference, q / 100))
        covered = 0
        for row in samples:
            low, high = percentile_ci(row.tolist(), q)
            lo = -math.inf if low is None else low
            hi = math.inf if high is None else high
            covered += lo <= truth <= hi
        assert covered / len(samples) >= 0.94, (q, covered)


@pytest.mark.parametrize(
    ("q", "upper", "lower"), [(0.5, 6, 6), (0.9, 36, 2), (0.95, 72, 2), (0.99, 368, 1)]
)
def test_samples_to_bound_a_percentile_are_the_first_n_whose_ranks_bound_it(
    q: float, upper: int, lower: int
) -> None:
    assert samples_to_bound_quantile(q, "upper") == upper
    assert samples_to_bound_quantile(q, "lower") == lower
    # The first n, exactly: one fewer leaves that side unbounded.
    assert quantile_ci_ranks(upper, q)[1] is not None
    assert quantile_ci_ranks(upper - 1, q)[1] is None
    assert quantile_ci_ranks(lower, q)[0] is not None
    if lower > 1:
        assert quantile_ci_ranks(lower - 1, q)[0] is None
