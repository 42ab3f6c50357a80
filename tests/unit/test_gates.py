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
