from __future__ import annotations

import pytest

from golive.errors import ConfigError
from golive.gates import evaluate_gates, parse_gate
from golive.schemas import Metric


def test_parse_reads_metric_field_op_and_threshold() -> None:
    gate = parse_gate("quality.pass_rate.ci_low >= 0.8")
    assert (gate.metric, gate.field, gate.op, gate.threshold) == (
        "quality.pass_rate",
        "ci_low",
        ">=",
        0.8,
    )
    plain = parse_gate("latency.ttft_ms.p95 < 500")
    assert (plain.metric, plain.field) == ("latency.ttft_ms.p95", "value")
    assert parse_gate("quality.pass_rate >= 90%").threshold == pytest.approx(0.9)


@pytest.mark.parametrize("bad", ["quality.pass_rate", "pass_rate >= high", ">= 0.8", "a.b => 1"])
def test_unreadable_gates_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_gate(bad)
    assert "gates" in str(info.value) and "e.g." in str(info.value)


def test_verdict_uses_the_interval_not_the_point() -> None:
    metrics = {"quality.pass_rate": Metric("quality.pass_rate", 0.85, (0.7, 0.93), 40)}
    verdict = evaluate_gates(
        ["quality.pass_rate >= 0.8", "quality.pass_rate.ci_low >= 0.8"], metrics
    )
    assert [g.passed for g in verdict.gates] == [True, False]
    assert not verdict.go and verdict.label == "no-go"
    assert verdict.gates[1].value == 0.7


def test_a_gate_on_an_unmeasured_metric_fails_with_a_reason() -> None:
    verdict = evaluate_gates(["latency.ttft_ms.p95 <= 500"], {})
    assert not verdict.go
    assert "not measured" in verdict.gates[0].reason


def test_all_gates_passing_is_go() -> None:
    metrics = {"failures.visible_rate": Metric("failures.visible_rate", 0.0, (0.0, 0.03), 120)}
    assert evaluate_gates(["failures.visible_rate.ci_high <= 0.05"], metrics).go


def test_load_level_gates_parse_with_at_suffixes() -> None:
    gate = parse_gate("load.ttft_p95_ms@c=50 <= 500")
    assert (gate.metric, gate.field, gate.op, gate.threshold) == (
        "load.ttft_p95_ms@c=50",
        "value",
        "<=",
        500.0,
    )
    # The level's number is spelt as the metric names spell it (10.0 -> 10).
    assert parse_gate("load.e2e_p99_ms@r=10.0 <= 3000").metric == "load.e2e_p99_ms@r=10"
    assert parse_gate("load.e2e_p99_ms@r=2.5 <= 3000").metric == "load.e2e_p99_ms@r=2.5"
    low = parse_gate("load.goodput_rps@c=8.ci_low >= 4")
    assert (low.metric, low.field) == ("load.goodput_rps@c=8", "ci_low")
    assert parse_gate("load.capacity_at_slo >= 40").metric == "load.capacity_at_slo"


@pytest.mark.parametrize("bad", ["load.ttft_p95_ms@c= <= 5", "load.x@=5 <= 1", "load@c=5@r=1 < 1"])
def test_malformed_level_suffixes_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_gate(bad)


def test_load_gates_judge_level_metrics() -> None:
    metrics = {
        "load.ttft_p95_ms@c=50": Metric("load.ttft_p95_ms@c=50", 620.0, None, 400),
        "load.cold_start_ms": Metric("load.cold_start_ms", 9000.0, None, None),
    }
    verdict = evaluate_gates(
        [
            "load.ttft_p95_ms@c=50 <= 500",
            "load.cold_start_ms <= 15000",
            "load.capacity_at_slo >= 40",
        ],
        metrics,
    )
    assert [g.passed for g in verdict.gates] == [False, True, False]
    assert "620" in verdict.gates[0].reason
    assert "not measured" in verdict.gates[2].reason
