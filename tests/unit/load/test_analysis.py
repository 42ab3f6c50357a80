"""find_cliff and capacity_at_slo on synthetic latency curves."""

from __future__ import annotations

import pytest

from golive.load.analysis import (
    capacity_at_slo,
    error_share,
    find_cliff,
    latency_p95_ms,
    metric_value,
    slo_violations,
)
from golive.schemas import ClientHealth, FailureMode, LevelResult, Metric, RequestRecord

MS = 1_000_000


def make_level(
    index: int,
    value: float,
    ttft_ms: float,
    *,
    n: int = 20,
    errors: int = 0,
    queue_ms: float = 0.0,
    valid: bool = True,
    rate: bool = False,
    metrics: dict[str, Metric] | None = None,
) -> LevelResult:
    records = [
        RequestRecord(
            level=index,
            t_sched_ns=0,
            t_send_ns=int(queue_ms * MS),
            chunk_times_ns=(int((queue_ms + ttft_ms) * MS), int((queue_ms + ttft_ms + 5) * MS)),
            t_end_ns=int((queue_ms + ttft_ms + 5) * MS),
            output_tokens=2,
            token_source="usage",
        )
        for _ in range(n - errors)
    ]
    records += [
        RequestRecord(index, 0, 0, (), MS, None, "none", error=FailureMode.HTTP_ERROR)
        for _ in range(errors)
    ]
    return LevelResult(
        index=index,
        concurrency=None if rate else int(value),
        rate=value if rate else None,
        profile="test",
        duration_s=1.0,
        records=tuple(records),
        health=ClientHealth(1.0, 2.0, 10.0, valid, "" if valid else "event-loop lag"),
        metrics=metrics or {},
    )


def curve(values: list[float], ttfts: list[float], **kw: object) -> list[LevelResult]:
    return [make_level(i, v, t, **kw) for i, (v, t) in enumerate(zip(values, ttfts, strict=True))]  # type: ignore[arg-type]


def test_metrics_fall_back_to_records_and_prefer_the_level_metrics() -> None:
    level = make_level(0, 4, 100.0, queue_ms=50.0)
    assert metric_value(level, "ttft_ms.p95") == pytest.approx(100.0)
    assert metric_value(level, "ttft_from_schedule_ms.p95") == pytest.approx(150.0)
    assert metric_value(level, "e2e_ms.p50") == pytest.approx(105.0)
    assert metric_value(level, "nonsense.p95") is None
    # The deciding latency is the queue-inclusive one.
    assert latency_p95_ms(level) == pytest.approx(150.0)
    given = make_level(0, 4, 100.0, metrics={"ttft_ms.p95": Metric("ttft_ms.p95", 7.0)})
    assert metric_value(given, "ttft_ms.p95") == 7.0


def test_warmup_requests_are_excluded() -> None:
    level = make_level(0, 1, 100.0, n=4)
    warm = RequestRecord(0, 0, 0, (), MS, None, "none", error=FailureMode.TIMEOUT, warmup=True)
    level = LevelResult(0, 1, None, "t", 1.0, (*level.records, warm), level.health)
    assert error_share(level) == 0.0


def test_cliff_is_the_first_level_past_three_times_the_baseline() -> None:
    levels = curve([1, 2, 4, 8, 16, 32], [100, 105, 120, 250, 320, 2000])
    assert find_cliff(levels) == 16  # 320 > 3 × 100; 250 is not
    assert find_cliff(levels, factor=2.0) == 8


def test_no_cliff_on_a_flat_curve_or_tiny_baseline_noise() -> None:
    assert find_cliff(curve([1, 2, 4, 8], [100, 110, 130, 150])) is None
    # 2 ms → 9 ms is 4.5×, but only 7 ms: noise, not a cliff.
    assert find_cliff(curve([1, 2, 4], [2, 5, 9])) is None


def test_cliff_ignores_invalid_levels_and_order_of_arrival() -> None:
    levels = [
        make_level(0, 8, 900.0),
        make_level(1, 1, 100.0),
        make_level(2, 4, 5000.0, valid=False),  # the client's lag, not the target's
        make_level(3, 2, 110.0),
    ]
    assert find_cliff(levels) == 8


def test_mostly_failing_level_is_a_cliff_even_if_the_survivors_are_fast() -> None:
    levels = [make_level(0, 1, 100.0), make_level(1, 2, 90.0, errors=15)]
    assert find_cliff(levels) == 2


def test_capacity_is_the_highest_measured_level_meeting_every_slo() -> None:
    levels = curve([1, 2, 4, 8, 16], [100, 150, 300, 450, 800])
    slo = {"ttft_ms.p95": 500.0}
    assert capacity_at_slo(levels, slo) == 8
    assert capacity_at_slo(levels, {"ttft_ms.p95": 50.0}) is None
    assert capacity_at_slo(levels, {**slo, "e2e_ms.p95": 200.0}) == 2  # both must hold


def test_capacity_uses_the_queue_inclusive_latency_when_the_slo_names_it() -> None:
    levels = [
        make_level(i, r, 100.0, queue_ms=q, rate=True)
        for i, (r, q) in enumerate([(1.0, 0.0), (2.0, 200.0), (4.0, 2000.0)])
    ]
    assert capacity_at_slo(levels, {"ttft_ms.p95": 500.0}) == 4.0  # the queue is hidden…
    assert capacity_at_slo(levels, {"ttft_from_schedule_ms.p95": 500.0}) == 2.0  # …not here


def test_capacity_stops_at_the_first_bad_level_and_skips_invalid_ones() -> None:
    levels = [
        make_level(0, 1, 100.0),
        make_level(1, 2, 100.0, errors=5),  # 25% errors: not meeting the SLO
        make_level(2, 4, 100.0),  # good again by chance: does not raise the capacity
        make_level(3, 8, 100.0, valid=False),
    ]
    assert capacity_at_slo(levels, {"ttft_ms.p95": 500.0}) == 1
    assert capacity_at_slo(levels, {"ttft_ms.p95": 500.0}, max_error_rate=0.3) == 4


def test_slo_violations_say_what_was_missed() -> None:
    level = make_level(0, 1, 700.0)
    assert slo_violations(level, {"ttft_ms.p95": 500.0}) == ["ttft_ms.p95=700 > 500"]
    failed = make_level(0, 1, 700.0, errors=20)
    assert "unknown" in slo_violations(failed, {"ttft_ms.p95": 500.0})[0]


def test_a_percentile_slo_is_settled_only_by_its_interval() -> None:
    from golive.load.analysis import slo_status, slo_unsettled

    slo = {"ttft_ms.p95": 500.0}
    # 20 requests: the point estimate meets 500 ms, but nothing bounds p95 from above.
    small = make_level(0, 1, 100.0, n=20)
    assert slo_status(small, slo, max_error_rate=0.0) == "inconclusive"
    (line,) = slo_unsettled(small, slo)
    assert "unbounded" in line and "n=20" in line
    # 100 requests: the interval's upper end (the 99th value, 100 ms) is within the bound.
    assert slo_status(make_level(0, 1, 100.0, n=100), slo, max_error_rate=0.0) == "met"
    assert slo_unsettled(make_level(0, 1, 100.0, n=100), slo) == []
    # A point estimate past the bound is missed, whatever the interval.
    assert slo_status(make_level(0, 1, 700.0, n=20), slo, max_error_rate=0.0) == "missed"
    # Not a percentile: judged on the point alone.
    assert slo_unsettled(small, {"ttft_ms.max": 500.0}) == []
