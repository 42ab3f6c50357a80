"""The mergeable quantile sketch: bounded relative error, exact merge, never above max."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from golive.load.sketch import Sketch

values = st.lists(
    st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False), min_size=1
)
quantiles = st.floats(min_value=0.0, max_value=1.0)


@given(values, quantiles)
def test_quantile_never_exceeds_max_nor_min(xs: list[float], q: float) -> None:
    s = Sketch()
    s.update(xs)
    assert min(xs) <= s.quantile(q) <= max(xs)
    assert s.quantile(0.99) <= s.max == max(xs)


@given(values, quantiles)
def test_relative_error_bound(xs: list[float], q: float) -> None:
    s = Sketch(0.01)
    s.update(xs)
    true = sorted(xs)[math.floor(q * (len(xs) - 1))]
    assert abs(s.quantile(q) - true) <= 0.01 * true + 1e-12


@settings(max_examples=50)
@given(values, values)
def test_merge_equals_sketch_of_union(a: list[float], b: list[float]) -> None:
    left, right, union = Sketch(), Sketch(), Sketch()
    left.update(a)
    right.update(b)
    union.update(a + b)
    left.merge(right)
    assert left.buckets() == union.buckets()
    assert (left.count, left.zeros, left.min, left.max) == (
        union.count,
        union.zeros,
        union.min,
        union.max,
    )
    for q in (0.5, 0.9, 0.99):
        assert left.quantile(q) == union.quantile(q)
