"""The `load` JSON section and the gate metrics, from synthetic level records (no server)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import jsonschema

from golive.gates import evaluate_gates
from golive.load.metrics import level_metrics
from golive.load.session import load_metrics, slo_gates
from golive.load.spec import LoadSpec
from golive.reports.load_summary import load_section
from golive.reports.summary import build_summary, load_schema
from golive.schemas import (
    ClientHealth,
    FailureMode,
    LevelResult,
    LoadResult,
    RequestRecord,
    RunResult,
    Verdict,
)

MS = 1_000_000
SLO = {"ttft_from_schedule_ms.p95": 500.0}


def _level(index: int, concurrency: int, ttft_ms: float, *, valid: bool = True) -> LevelResult:
    records = []
    for i in range(20):
        t = i * 100 * MS
        error = FailureMode.TIMEOUT if i == 19 else None
        chunks = () if error else (t + int(ttft_ms * MS), t + int((ttft_ms + 10) * MS))
        records.append(
            RequestRecord(
                level=index,
                t_sched_ns=t,
                t_send_ns=t,
                chunk_times_ns=chunks,
                t_end_ns=t + int((ttft_ms + 11) * MS),
                output_tokens=None if error else 2,
                token_source="none" if error else "usage",
                error=error,
                warmup=i == 0,
            )
        )
    health = ClientHealth(1.0, 2.0, 40.0, valid, "" if valid else "client CPU 99% > 90%")
    level = LevelResult(index, concurrency, None, "closed", 2.0, tuple(records), health)
    return replace(level, metrics=level_metrics(level, SLO))


def _load() -> LoadResult:
    levels = (_level(0, 1, 100.0), _level(1, 8, 900.0), _level(2, 64, 950.0, valid=False))
    return LoadResult(
        levels=levels,
        slo=SLO,
        capacity_at_slo=1.0,
        cliff=8.0,
        cold_start_ms=1500.0,
        abandonment={"c=1": 0.05},
        token_source="usage",
    )


def test_level_entries_follow_the_contract() -> None:
    section = load_section(_load())
    first, _, invalid = section["levels"]
    assert first["concurrency"] == 1 and "rate" not in first
    assert first["requests"] == 19 and first["warmup_requests"] == 1  # warm-up excluded
    assert first["errors"] == {"timeout": 1}
    assert first["ttft_ms"]["p50"] == 100.0
    assert set(first["itl_ms"]) == {
        "p50",
        "p90",
        "p95",
        "p99",
        "max",
        "mean",
        "ci",
        "n",
        "population",
    }
    assert first["valid"] and "invalid_reason" not in first
    assert invalid["valid"] is False and "CPU" in invalid["invalid_reason"]
    assert section["capacity_at_slo"] == 1.0 and section["cliff"] == 8.0
    assert section["cold_start_ms"] == 1500.0 and section["token_source"] == "usage"


def test_summary_with_load_validates_against_the_schema() -> None:
    load = _load()
    now = datetime.now(UTC)
    metrics = load_metrics(load)
    result = RunResult(
        "r1", "finished", now, now, {"kind": "demo"}, {}, (), metrics, Verdict(True, ()), load=load
    )
    summary = build_summary(result)
    assert summary["schema_version"] == "1.5"
    jsonschema.Draft202012Validator(load_schema()).validate(summary)
    # Without a load test there is no load key: runs without `load:` are unchanged.
    plain = build_summary(replace(result, load=None))
    assert "load" not in plain
    jsonschema.Draft202012Validator(load_schema()).validate(plain)


def test_gate_metrics_and_slo_gates() -> None:
    load = _load()
    metrics = load_metrics(load, max_error_rate=0.1)
    assert metrics["load.ttft_p95_ms@c=8"].value >= 900.0
    assert metrics["load.ttft_send_p50_ms@c=1"].value == 100.0
    assert metrics["load.capacity_at_slo"].value == 1.0
    assert metrics["load.cold_start_ms"].value == 1500.0
    assert metrics["load.valid@c=64"].value == 0.0
    verdict = evaluate_gates(
        ["load.ttft_p95_ms@c=1 <= 500", "load.goodput_rps@c=1 > 0", "load.capacity_at_slo >= 1"],
        metrics,
    )
    assert verdict.go, [g.reason for g in verdict.gates]
    spec = LoadSpec.model_validate({"concurrency": [1, 8, 64], "slo": SLO, "max_error_rate": 0.1})
    gates = slo_gates(load, spec)
    assert gates == [
        g
        for c in (1, 8, 64)
        for g in (f"load.slo_met@c={c} >= 1", f"load.ttft_p95_ms@c={c}.ci_high <= 500")
    ]
    judged = evaluate_gates(gates, metrics)
    # c=1 meets the p95 SLO on its point estimate, but 18 requests bound no p95 from above:
    # the data cannot settle it (inconclusive), where it used to pass.
    assert [g.passed for g in judged.gates] == [True, False, False, False, False, False]
    assert [g.inconclusive for g in judged.gates] == [False, True, False, False, False, False]
    assert "bounded on that side" in judged.gates[1].reason and "∞" in judged.gates[1].reason
    # 19 requests cannot bound a p95 from above, whatever they measure: 72 can.
    assert judged.gates[1].samples_needed == 72
    assert "n ≥ 72 before the interval is bounded" in judged.gates[1].reason
    assert judged.label == "no-go"
    only_c1 = evaluate_gates(gates[:2], metrics)
    assert only_c1.label == "inconclusive"
    sweep = LoadSpec.model_validate({"sweep": {"start": 2}, "slo": SLO})
    assert slo_gates(load, sweep) == ["load.capacity_at_slo >= 2"]


def test_without_an_slo_each_level_is_still_judged_on_its_errors() -> None:
    # Each synthetic level fails 1 of its 19 measured requests (5.3%).
    load = replace(_load(), slo={})
    metrics = load_metrics(load)
    lenient = LoadSpec.model_validate({"concurrency": [1, 8, 64], "max_error_rate": 0.1})
    gates = slo_gates(load, lenient)
    assert gates == [f"load.error_rate@c={c} <= 0.1" for c in (1, 8, 64)]
    assert evaluate_gates(gates, metrics).label == "go"
    strict = LoadSpec.model_validate({"concurrency": [1, 8, 64]})  # default ceiling 1%
    judged = evaluate_gates(slo_gates(load, strict), metrics)
    assert judged.label == "no-go"
    assert all(not g.passed for g in judged.gates)
    # A sweep climbs until something breaks: only its lightest level must work.
    sweep = LoadSpec.model_validate({"sweep": {"start": 1}})
    assert slo_gates(load, sweep) == ["load.error_rate@c=1 <= 0.01"]


def test_terminal_load_table_never_prints_an_unbounded_percentile_as_a_number() -> None:
    from io import StringIO

    from rich.console import Console

    from golive.reports.load_terminal import render_load

    buffer = StringIO()
    render_load(Console(file=buffer, width=200, color_system=None), _load())
    text = buffer.getvalue()
    row = next(line for line in text.splitlines() if line.strip().startswith("c=1 "))
    # 18 requests: p50 is bounded, p95 and p99 are not ("≥ x", never the interpolated max).
    assert row.count("≥") >= 4 and "100.0" in row
    assert "too few requests to bound that percentile" in text
    assert "c=1: SLO not settled" in text and "95% CI" in text
    assert "ms over successful requests" in text


def test_gates_read_a_latency_interval_like_a_rate_interval() -> None:
    metrics = load_metrics(_load(), max_error_rate=0.1)
    p50 = metrics["load.ttft_p50_ms@c=1"]
    assert p50.ci is not None and p50.ci[0] <= p50.value <= p50.ci[1] and p50.n == 18
    verdict = evaluate_gates(
        [
            "load.ttft_p50_ms@c=1.ci_high <= 500",  # bounded: settled
            "load.ttft_p95_ms@c=1.ci_high <= 500",  # 18 requests bound no p95 from above
            "load.ttft_p50_ms@c=8.ci_low <= 500",  # the whole interval is past 500: failed
        ],
        metrics,
    )
    assert [g.passed for g in verdict.gates] == [True, False, False]
    assert [g.inconclusive for g in verdict.gates] == [False, True, False]
