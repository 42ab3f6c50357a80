from __future__ import annotations

import re

import pytest

from golive.errors import ConfigError
from golive.gates import decide, evaluate_gates, metric_kind, parse_gate
from golive.metrics import rate
from golive.schemas import Metric
from golive.stats import wilson_interval, wilson_samples_needed


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
    # The interval straddles 0.8 while the point meets it: the data cannot decide.
    assert [g.status for g in verdict.gates] == ["pass", "inconclusive"]
    assert not verdict.go and verdict.label == "inconclusive"
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


# -- inconclusive gates -----------------------------------------------------------------------

INIT_GATES = [
    "quality.pass_rate.ci_low >= 0.8",
    "failures.visible_rate.ci_high <= 0.05",
    "failures.silent_rate.ci_high <= 0.1",
]


def _perfect(n: int) -> dict[str, Metric]:
    return {
        "quality.pass_rate": rate("quality.pass_rate", n, n),
        "failures.visible_rate": rate("failures.visible_rate", 0, n),
        "failures.silent_rate": rate("failures.silent_rate", 0, n),
    }


def test_a_flawless_but_small_run_is_inconclusive_and_says_how_many_samples() -> None:
    # The case: 4 cases x 3 samples of a perfect application against the old
    # defaults was NO-GO with 3 of 3 gates failed.
    verdict = evaluate_gates(INIT_GATES, _perfect(12))
    assert verdict.label == "inconclusive" and not verdict.go
    assert [g.status for g in verdict.gates] == ["inconclusive"] * 3
    assert [g.samples_needed for g in verdict.gates] == [16, 73, 35]
    assert "needs n ≥ 73" in verdict.gates[1].reason and "n = 12" in verdict.gates[1].reason


@pytest.mark.parametrize(("n", "label"), [(15, "inconclusive"), (16, "inconclusive"), (73, "go")])
def test_samples_needed_is_where_the_wilson_bound_clears_the_threshold(n: int, label: str) -> None:
    verdict = evaluate_gates(INIT_GATES, _perfect(n))
    assert verdict.label == label
    ci_gate = evaluate_gates(INIT_GATES[:1], _perfect(n)).gates[0]
    assert ci_gate.passed is (n >= 16)
    # At the n it asked for, the bound really clears the threshold; one sample short, not.
    assert wilson_interval(16, 16)[0] >= 0.8 > wilson_interval(15, 15)[0]
    assert wilson_interval(0, 35)[1] <= 0.1 < wilson_interval(0, 34)[1]
    assert wilson_interval(0, 73)[1] <= 0.05 < wilson_interval(0, 72)[1]


def test_an_observed_value_on_the_failing_side_is_a_failure_not_inconclusive() -> None:
    # 9 of 12: the interval [0.47, 0.91] straddles 0.8, but the rate itself misses it.
    metrics = {"quality.pass_rate": rate("quality.pass_rate", 9, 12)}
    gate = evaluate_gates(["quality.pass_rate.ci_low >= 0.8"], metrics).gates[0]
    assert gate.status == "fail" and gate.samples_needed is None
    assert "fails" in gate.reason


def test_any_failed_gate_makes_no_go_even_beside_an_inconclusive_one() -> None:
    metrics = {**_perfect(12), "quality.pass_rate": rate("quality.pass_rate", 2, 12)}
    verdict = evaluate_gates(INIT_GATES, metrics)
    assert [g.status for g in verdict.gates] == ["fail", "inconclusive", "inconclusive"]
    assert verdict.label == "no-go"


def test_a_gate_settled_by_its_interval_either_way_is_not_inconclusive() -> None:
    metrics = {"failures.silent_rate": rate("failures.silent_rate", 30, 100)}  # CI [0.22, 0.40]
    assert evaluate_gates(["failures.silent_rate.ci_high <= 0.1"], metrics).label == "no-go"
    assert evaluate_gates(["failures.silent_rate.ci_low >= 0.2"], metrics).label == "go"


def test_point_gates_and_equalities_are_decided_on_the_point() -> None:
    metrics = _perfect(3)
    verdict = evaluate_gates(
        ["quality.pass_rate >= 0.8", "quality.pass_rate.n >= 12", "failures.silent_rate == 0"],
        metrics,
    )
    assert [g.status for g in verdict.gates] == ["pass", "fail", "pass"]


@pytest.mark.parametrize(
    ("args", "status", "needed"),
    [
        # A rate exactly on the threshold can never clear it: inconclusive, beyond the cap.
        ((">=", 0.8, 0.8, 0.6, 0.9, 40, "rate"), "inconclusive", None),
        # Strict op: the bound must pass the threshold, not touch it.
        ((">", 0.8, 1.0, 0.7, 1.0, 10, "rate"), "inconclusive", 16),
        # A tiny gap: more than SAMPLES_CAP samples.
        ((">=", 0.8, 0.801, 0.7, 0.9, 100, "rate"), "inconclusive", None),
        # Any other interval: its half-width shrinks as 1/sqrt(n): 100 * (40 / 20)^2 = 400.
        (("<=", 500.0, 480.0, 450.0, 520.0, 100, "estimate"), "inconclusive", 400),
        # An unbounded side (too few samples to bound a high percentile): cannot plan.
        (("<=", 500.0, 480.0, 450.0, None, 20, "estimate"), "inconclusive", None),
        # A lenient gate (ci_high >= t) fails only when the whole interval is below t.
        ((">=", 0.5, 0.2, 0.1, 0.4, 30, "rate"), "fail", None),
    ],
)
def test_decide_is_a_pure_function_of_the_gate_and_the_estimate(
    args: tuple[str, float, float, float, float | None, int, str], status: str, needed: int | None
) -> None:
    op, threshold, value, low, high, n, kind = args
    field = "ci_low" if op in (">=", ">") else "ci_high"
    if status == "fail":
        field = "ci_high"
    decision = decide(op, threshold, value, low, high, n, kind, field=field)  # type: ignore[arg-type]
    assert (decision.status, decision.samples_needed) == (status, needed)


def test_rates_are_told_from_other_intervals() -> None:
    assert metric_kind(rate("quality.pass_rate", 7, 9)) == "rate"
    assert metric_kind(Metric("robustness.typos.delta", -0.1, (-0.3, 0.05), 12)) == "estimate"
    assert metric_kind(Metric("latency.ttft_ms.p95", 300.0, None, 50)) == "estimate"


def test_samples_needed_for_a_wilson_rate_has_a_closed_form() -> None:
    assert wilson_samples_needed(0.0, 0.1) == pytest.approx(34.57, abs=0.01)
    assert wilson_samples_needed(1.0, 0.8) == pytest.approx(15.37, abs=0.01)
    assert wilson_samples_needed(0.8, 0.8) is None
    assert wilson_samples_needed(1.0, 1.0) is None


# -- metric names ------------------------------------------------------------------------------


def test_a_misspelt_metric_is_a_config_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as info:
        parse_gate("quality.pas_rate.ci_low >= 0.8")
    message = str(info.value)
    assert "gates" in message and "Did you mean 'quality.pass_rate'?" in message
    with pytest.raises(ConfigError, match=re.escape("load.ttft_p99_ms@c=50")):
        parse_gate("load.ttft_p59_ms@c=50 <= 500")
    with pytest.raises(ConfigError, match=re.escape("robustness.family.noise.delta")):
        parse_gate("robustness.familly.noise.delta >= -0.1")


@pytest.mark.parametrize(
    "expression",
    [
        "quality.capability.billing.pass_rate >= 0.9",
        "quality.scorer.semantic.pass_rate.ci_low >= 0.7",
        "failures.mode.pii_leak.count == 0",
        "latency.e2e_ms.p99 <= 3000",
        "robustness.family.language.delta >= -0.2",
        "robustness.capability.billing.typos.pass_rate >= 0.5",
        "adversarial.instruction_override.attack_success_rate.ci_high <= 0.05",
        "hardening.after.pii_planted.attack_success_rate <= 0",
        "load.ttft_send_p95_ms@r=2.50 <= 400",
        "load.quality_pass_rate@c=8.ci_low >= 0.6",
        "load.abandonment.at_capacity <= 0.1",
        "comparison.regressions == 0",
    ],
)
def test_every_family_of_metric_names_is_accepted(expression: str) -> None:
    parse_gate(expression)


def test_a_valid_name_that_was_not_measured_still_fails_at_judgement() -> None:
    verdict = evaluate_gates(["robustness.typos.delta >= -0.1"], _perfect(40))
    assert verdict.label == "no-go" and "not measured" in verdict.gates[0].reason
    # Mutator names are open (plugins add their own): a misspelt one is caught here, with
    # the closest metric the run did measure.
    metrics = {"robustness.typos.delta": Metric("robustness.typos.delta", -0.05, None, 12)}
    gate = evaluate_gates(["robustness.typoss.delta >= -0.1"], metrics).gates[0]
    assert gate.status == "fail" and "Did you mean 'robustness.typos.delta'?" in gate.reason
