"""Level metrics on hand-built records: the DESIGN.md formulas, warm-up, errors, goodput."""

from __future__ import annotations

import math

import pytest

from golive.load.metrics import level_metrics, request_latency
from golive.schemas import ClientHealth, FailureMode, LevelResult, RequestRecord

MS = 1_000_000


def rec(
    sched: int,
    send: int,
    chunks: tuple[int, ...],
    tokens: int | None = None,
    error: FailureMode | None = None,
    warmup: bool = False,
) -> RequestRecord:
    return RequestRecord(
        level=0,
        t_sched_ns=sched * MS,
        t_send_ns=send * MS,
        chunk_times_ns=tuple(c * MS for c in chunks),
        t_end_ns=(chunks[-1] if chunks else send) * MS + 1,
        output_tokens=tokens if tokens is not None else len(chunks),
        token_source="usage",
        error=error,
        warmup=warmup,
    )


def level(
    records: list[RequestRecord], duration_s: float = 10.0, warmup_s: float = 0.0
) -> LevelResult:
    health = ClientHealth(0.1, 0.2, 10.0, True)
    return LevelResult(
        0, None, 1.0, "poisson", duration_s, tuple(records), health, warmup_s=warmup_s
    )


def test_single_request_formulas() -> None:
    r = rec(0, 100, (300, 310, 330, 360), tokens=4)
    assert request_latency(r, "ttft_ms") == pytest.approx(200)
    assert request_latency(r, "ttft_from_schedule_ms") == pytest.approx(300)
    assert request_latency(r, "e2e_ms") == pytest.approx(260)
    assert request_latency(r, "e2e_from_schedule_ms") == pytest.approx(360)
    assert request_latency(r, "tpot_ms") == pytest.approx(60 / 3)  # (E2E - TTFT) / (N - 1)
    assert request_latency(r, "itl_ms", "max") == pytest.approx(30)
    assert request_latency(rec(0, 0, (5,), tokens=1), "tpot_ms") is None  # N = 1


def test_level_metrics_exclude_warmup_and_count_errors() -> None:
    records = [
        rec(0, 0, (1000,), warmup=True),  # a slow warm-up request must not count
        rec(1000, 1000, (1100, 1110, 1120), tokens=3),
        rec(2000, 2000, (2300, 2310), tokens=2),
        rec(3000, 3000, (), error=FailureMode.TIMEOUT),
        rec(4000, 4000, (), error=FailureMode.HTTP_ERROR),
    ]
    m = level_metrics(level(records, duration_s=11.0, warmup_s=1.0), {"ttft_ms.p95": 200})
    assert m["requests"].value == 4
    assert m["errors.timeout"].value == 1 and m["errors.http_error"].value == 1
    assert m["ttft_ms.max"].value == pytest.approx(300)
    assert m["ttft_ms.p50"].value == pytest.approx(200)
    assert m["itl_ms.p50"].value == pytest.approx(10)  # pooled gaps 10, 10, 10
    assert m["rps"].value == pytest.approx(2 / 10)  # completed / (duration - warm-up)
    assert m["output_tps"].value == pytest.approx(5 / 10)
    # Only the 100 ms request meets TTFT <= 200; errors are misses.
    assert m["goodput_rps"].value == pytest.approx(1 / 10)
    assert m["goodput_ratio"].value == pytest.approx(0.25)
    low, high = m["error_rate"].ci or (0, 0)
    assert low < 0.5 < high and m["error_rate"].value == 0.5


def test_percentiles_never_exceed_max() -> None:
    records = [rec(i, i, (i + 1 + (i % 7) * 3,)) for i in range(1, 200)]
    m = level_metrics(level(records), {})
    for name in ("ttft_ms", "e2e_ms", "ttft_from_schedule_ms"):
        assert m[f"{name}.p50"].value <= m[f"{name}.p99"].value <= m[f"{name}.max"].value


def test_queue_inclusive_at_least_send_based() -> None:
    records = [rec(i * 100, i * 100 + i * 7, (i * 100 + i * 7 + 50,)) for i in range(50)]
    m = level_metrics(level(records), {})
    for stat in ("p50", "p99", "max", "mean"):
        assert m[f"ttft_from_schedule_ms.{stat}"].value >= m[f"ttft_ms.{stat}"].value


def test_every_latency_percentile_carries_an_order_statistic_interval() -> None:
    records = [rec(i * 1000, i * 1000, (i * 1000 + 100 + i, i * 1000 + 200 + i)) for i in range(7)]
    m = level_metrics(level(records), {})
    for name in ("ttft_ms", "ttft_from_schedule_ms", "e2e_ms", "e2e_from_schedule_ms", "itl_ms"):
        for stat in ("p50", "p90", "p95", "p99"):
            metric = m[f"{name}.{stat}"]
            assert metric.ci is not None and metric.n == 7, name
            assert metric.ci[0] <= metric.value <= metric.ci[1]
    assert m["ttft_ms.p50"].ci == pytest.approx((100.0, 106.0))  # ranks 1 and 7 of 7
    assert m["ttft_ms.p99"].ci == (pytest.approx(105.0), math.inf)  # 7 requests bound no p99
    assert m["ttft_ms.max"].ci is None


def test_sketch_path_gives_intervals_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import golive.load.metrics as lm

    monkeypatch.setattr(lm, "EXACT_LIMIT", 10)
    records = [rec(i * 1000, i * 1000, (i * 1000 + 100 + i,)) for i in range(400)]
    m = lm.level_metrics(level(records), {})
    low, high = m["ttft_ms.p99"].ci or (0.0, 0.0)
    assert 100 <= low <= m["ttft_ms.p99"].value <= high <= 500 * 1.01


def test_past_the_exact_limit_a_pool_holds_buckets_not_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What keeps a 10M-request level bounded: exact percentiles would hold every ITL gap
    # (8 bytes each, ~64 a request), the sketch a bucket per 2% of range, whatever the count.
    import golive.load.metrics as lm

    monkeypatch.setattr(lm, "EXACT_LIMIT", 1000)
    pool = lm._Pool()
    for i in range(200_000):
        pool.add(0.001 * (1 + i % 100_000))  # 1 us to 100 ms
    assert pool.values is None and pool.sketch is not None and pool.sketch.count == 200_000
    assert len(pool.sketch.buckets()) < 600  # ln(1e5) / ln(1.01 / 0.99) = 576
    summary = pool.summary("itl_ms")
    assert summary["itl_ms.max"].value == 100.0 and summary["itl_ms.p50"].n == 200_000
    assert summary["itl_ms.p50"].value == pytest.approx(50.0, rel=0.011)


def test_population_is_named_for_every_latency() -> None:
    from golive.load.metrics import LATENCIES, POPULATION

    assert set(POPULATION) == set(LATENCIES)
    assert POPULATION["ttft_ms"] == POPULATION["e2e_ms"] == "ok"
    assert POPULATION["send_delay_ms"] == "all"
