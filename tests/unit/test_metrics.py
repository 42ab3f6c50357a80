"""Run metrics: latency percentiles carry distribution-free intervals and one population."""

from __future__ import annotations

import math

from golive.metrics import LATENCY_POPULATION, compute_metrics
from golive.schemas import (
    Case,
    CaseResult,
    FailureMode,
    Finding,
    Observation,
    Request,
    ScoredObservation,
)

T0 = 1_000_000_000_000


def _obs(i: int, ttft_ms: float | None, e2e_ms: float) -> ScoredObservation:
    case = Case(id=f"c{i}", input="hello")
    t_send = T0 + i * 10**10
    chunks = () if ttft_ms is None else (t_send + int(ttft_ms * 1e6), t_send + int(e2e_ms * 1e6))
    obs = Observation(
        case_id=case.id,
        sample=0,
        request=Request(messages=case.messages()),
        output="" if ttft_ms is None else "hi there",
        t_sched_ns=t_send,
        t_send_ns=t_send,
        chunk_times_ns=chunks,
        t_end_ns=t_send + int(e2e_ms * 1e6),
        finish_reason="stop",
    )
    findings = () if chunks else (Finding(FailureMode.EMPTY_OUTPUT, "visible", "empty reply"),)
    return ScoredObservation(obs, (), findings)


def _cases(samples: list[ScoredObservation]) -> list[CaseResult]:
    return [CaseResult(Case(id=s.observation.case_id, input="hello"), (s,)) for s in samples]


def test_ttft_and_e2e_cover_the_same_requests() -> None:
    # A server that answers some requests with an empty stream, fast: those replies have an
    # E2E (time to the end) but no TTFT. Counted in E2E alone, E2E p50 fell below TTFT p50.
    answered = [_obs(i, 300.0 + i, 900.0 + i) for i in range(6)]
    empty = [_obs(100 + i, None, 5.0) for i in range(9)]
    metrics = compute_metrics(_cases(answered + empty))
    for stat in ("p50", "p90", "p95", "p99", "max", "mean"):
        ttft, e2e = metrics[f"latency.ttft_ms.{stat}"], metrics[f"latency.e2e_ms.{stat}"]
        assert ttft.n == e2e.n == 6
        assert e2e.value >= ttft.value
    assert LATENCY_POPULATION == "ok"


def test_latency_percentiles_carry_an_interval_unbounded_where_the_sample_is_small() -> None:
    samples = [_obs(i, 100.0 + i, 500.0 + i) for i in range(7)]
    metrics = compute_metrics(_cases(samples))
    p50 = metrics["latency.ttft_ms.p50"]
    assert p50.ci is not None and p50.ci[0] <= p50.value <= p50.ci[1]
    assert math.isfinite(p50.ci[0]) and math.isfinite(p50.ci[1])
    p99 = metrics["latency.ttft_ms.p99"]
    assert p99.ci is not None
    assert p99.ci[0] == 105.0  # the 6th of 7 values
    assert p99.ci[1] == math.inf  # no rank bounds p99 from above at n = 7
    assert p99.ci_high == math.inf  # a gate on .ci_high cannot pass on it
    assert metrics["latency.ttft_ms.max"].ci is None


def test_a_gate_on_a_latency_bound_the_sample_cannot_settle_is_not_passed() -> None:
    from golive.gates import evaluate_gates

    metrics = compute_metrics(_cases([_obs(i, 100.0 + i, 500.0 + i) for i in range(7)]))
    verdict = evaluate_gates(
        ["latency.ttft_ms.p50.ci_high <= 500", "latency.ttft_ms.p99.ci_high <= 500"], metrics
    )
    assert [g.passed for g in verdict.gates] == [True, False]
    assert verdict.gates[1].inconclusive  # p99 <= 500 by its point, unbounded above at n=7
