"""A partial run (interrupted, or incomplete: the store lost results) never claims go."""

from __future__ import annotations

from golive.gates import evaluate_gates, partial
from golive.schemas import Metric

METRICS = {"quality.pass_rate": Metric("quality.pass_rate", 0.9, (0.8, 0.95), 100)}


def test_a_finished_run_keeps_its_verdict() -> None:
    verdict = evaluate_gates(["quality.pass_rate >= 0.5"], METRICS)
    assert partial(verdict, "finished") is verdict
    assert verdict.label == "go"


def test_a_partial_run_that_would_go_is_inconclusive_with_the_reason() -> None:
    for status, word in (("interrupted", "interrupted"), ("incomplete", "store")):
        verdict = partial(evaluate_gates(["quality.pass_rate >= 0.5"], METRICS), status)
        assert verdict.label == "inconclusive"
        assert word in verdict.reason
        assert [g.status for g in verdict.gates] == ["pass"]  # the gates stay as judged


def test_a_partial_run_with_no_gates_is_not_go_by_default() -> None:
    assert partial(evaluate_gates([], METRICS), "interrupted").label == "inconclusive"


def test_a_gate_that_failed_on_what_was_observed_stays_no_go() -> None:
    verdict = partial(evaluate_gates(["quality.pass_rate >= 0.99"], METRICS), "interrupted")
    assert verdict.label == "no-go"
