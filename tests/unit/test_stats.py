from __future__ import annotations

from itertools import product

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from golive.stats import (
    benjamini_hochberg,
    bootstrap_quantile_diff,
    fisher_exact,
    mcnemar_test,
    minimum_detectable_drop,
    percentile,
    sign_flip_test,
    summarize_latencies,
    wilson_interval,
)


def test_wilson_matches_the_textbook_value() -> None:
    # 8 of 10: the Wilson 95% interval is about (0.490, 0.943) (Newcombe 1998, table I).
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-3)
    assert high == pytest.approx(0.9433, abs=1e-3)


def test_wilson_edges_stay_inside_unit_interval() -> None:
    assert wilson_interval(0, 20)[0] == 0.0
    assert wilson_interval(20, 20)[1] == 1.0
    assert wilson_interval(0, 20)[1] < 0.2
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(5, 3)


@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_wilson_contains_the_point_estimate(pair: tuple[int, int]) -> None:
    k, n = pair
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


@given(
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_agrees_with_numpy_and_never_exceeds_max(values: list[float], q: float) -> None:
    ordered = sorted(values)
    assert percentile(ordered, q) == pytest.approx(
        float(np.percentile(ordered, q)), rel=1e-9, abs=1e-9
    )
    assert percentile(ordered, q) <= ordered[-1]


def test_summary_has_every_statistic() -> None:
    summary = summarize_latencies([float(v) for v in range(1, 101)])
    assert summary["p50"] == pytest.approx(50.5)
    assert summary["p99"] == pytest.approx(99.01)
    assert summary["max"] == 100.0
    assert summary["mean"] == pytest.approx(50.5)
    assert summarize_latencies([]) == {}


# -- comparison statistics ---------------------------------------------------------------


@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), [(3, 3, 0, 3), (7, 10, 2, 10), (1, 5, 4, 6)])
def test_fisher_matches_scipy(k1: int, n1: int, k2: int, n2: int) -> None:
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    assert fisher_exact(k1, n1, k2, n2) == pytest.approx(scipy.stats.fisher_exact(table).pvalue)
    # "less": group 2's rate is lower, i.e. the odds ratio of the table is greater than 1.
    expected = scipy.stats.fisher_exact(table, alternative="greater").pvalue
    assert fisher_exact(k1, n1, k2, n2, "less") == pytest.approx(expected)


def test_mcnemar_exact_and_mid_p() -> None:
    assert mcnemar_test(2, 10) == pytest.approx(scipy.stats.binomtest(2, 12).pvalue)
    assert mcnemar_test(0, 0) == 1.0
    # mid-p: half the observed table's probability is not counted.
    exact = mcnemar_test(1, 6)
    assert mcnemar_test(1, 6, mid_p=True) == pytest.approx(exact - 7 / 2**7)


def test_sign_flip_exact_equals_full_enumeration() -> None:
    diffs = [-1.0, -2 / 3, 1 / 3, -1 / 3, 0.0, -1.0, 2 / 3]
    observed = sum(diffs)
    sums = [
        sum(s * abs(d) for s, d in zip(signs, diffs, strict=True))
        for signs in product((-1, 1), repeat=7)
    ]
    expected = sum(s <= observed + 1e-9 for s in sums) / len(sums)
    assert sign_flip_test(diffs, alternative="less", scale=3) == pytest.approx(expected)
    monte_carlo = sign_flip_test(diffs, alternative="less", resamples=50_000)
    assert monte_carlo == pytest.approx(expected, abs=0.01)
    assert sign_flip_test([0.0, 0.0]) == 1.0
    assert sign_flip_test([-1.0] * 6, alternative="less", scale=1) == pytest.approx(2**-6)


def test_benjamini_hochberg_known_values() -> None:
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert q == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5])
    assert benjamini_hochberg([]) == []


def test_quantile_difference_interval_covers_a_known_shift() -> None:
    rng = np.random.default_rng(3)
    base = list(rng.gamma(4.0, 25.0, 400))
    head = [v + 40.0 for v in rng.gamma(4.0, 25.0, 400)]
    delta, (low, high), p = bootstrap_quantile_diff(base, head, 50)
    assert low < 40.0 < high and low > 0 and p < 0.01 and delta > 0


def test_minimum_detectable_drop_shrinks_with_cases_and_grows_with_noise() -> None:
    small = minimum_detectable_drop(40, alpha=0.04)
    large = minimum_detectable_drop(400, alpha=0.04)
    noisy = minimum_detectable_drop(40, alpha=0.04, noise_var=0.05)
    assert small is not None and large is not None and noisy is not None
    assert large < small < noisy < 0.3
    assert minimum_detectable_drop(2, alpha=0.04, noise_var=0.2) is None
