"""The compare page and `golive compare` show a run's latency percentiles as its report does:
the same population (the suite's cases, not the variants) and the same stored figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive.compare import compare_stored
from golive.diversity.base import Mutation
from golive.diversity.expand import make_variant
from golive.events import CaseFinished, ObservationRecorded, RunFinished
from golive.metrics import compute_metrics
from golive.reports.summary import build_summary
from golive.schemas import (
    Case,
    CaseResult,
    Message,
    Observation,
    Request,
    RunResult,
    ScoredObservation,
    Verdict,
)
from golive.store import StoreRecorder, open_store
from store_fixtures import run_started

T0 = 1_000_000_000


@dataclass
class _Typos:
    name: str = "typos"
    family: str = "noise"
    expectation: str = "invariant"


def _sample(case: Case, sample: int, ttft_ms: float) -> ScoredObservation:
    send = T0 + sample * 1_000_000_000
    first = send + int(ttft_ms * 1e6)
    obs = Observation(
        case_id=case.id,
        sample=sample,
        request=Request(messages=(Message(role="user", content=case.user_text()),)),
        output="30 days.",
        t_sched_ns=send,
        t_send_ns=send,
        chunk_times_ns=(first, first + 5_000_000),
        t_end_ns=first + 6_000_000,
        finish_reason="stop",
    )
    return ScoredObservation(obs, (), ())


def _result(run_id: str) -> RunResult:
    """Slow suite cases (200-290 ms), fast variants (20-29 ms), three variants per case."""
    results: list[CaseResult] = []
    for i in range(10):
        case = Case(id=f"case-{i}", input=f"refund window {i}?", reference="30 days.")
        results.append(CaseResult(case, tuple(_sample(case, s, 200 + i * 10) for s in range(2))))
        for k in range(3):
            mutation = Mutation(f"refnd windw {i} {k}?")
            variant = make_variant(case, _Typos(), mutation, k, 0)  # type: ignore[arg-type]
            samples = tuple(_sample(variant, s, 20 + i) for s in range(2))
            results.append(CaseResult(variant, samples))
    canonical = [r for r in results if "~" not in r.case.id]
    return RunResult(
        run_id=run_id,
        status="finished",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        finished_at=datetime(2026, 1, 1, 0, 1, tzinfo=UTC),
        target={"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": "m"},
        config={"samples": 2},
        cases=tuple(results),
        metrics=compute_metrics(canonical),
        verdict=Verdict(go=True, gates=()),
    )


def _record(url: str, result: RunResult, *, summary: bool) -> None:
    store = open_store(url)
    try:
        recorder = StoreRecorder(store, git=False)
        recorder(run_started(result.run_id, tuple(r.case for r in result.cases), samples=2))
        for r in result.cases:
            for s in r.samples:
                recorder(ObservationRecorded(result.run_id, r.case, s))
            recorder(CaseFinished(result.run_id, r))
        recorder(RunFinished(result))
        if summary:
            recorder.set_summary(build_summary(result))
        recorder.close()
    finally:
        store.dispose()


@pytest.mark.parametrize("with_summary", [True, False])
def test_compare_shows_the_reports_latency_figures(tmp_path: Path, with_summary: bool) -> None:
    url = f"sqlite:///{tmp_path / 'golive.db'}"
    base, head = _result("run-a"), _result("run-b")
    _record(url, base, summary=with_summary)
    _record(url, head, summary=with_summary)
    comparison = compare_stored(url, "run-a", "run-b")
    report = build_summary(base)["latency"]
    for field in ("ttft_ms", "e2e_ms"):
        for q in (50, 95):
            change = comparison.metric(f"latency.{field}.p{q}")
            assert change is not None
            stored = base.metrics[f"latency.{field}.p{q}"].value
            assert change.base == pytest.approx(stored, abs=1e-3), (field, q)
            assert report[field][f"p{q}"] == pytest.approx(stored)
    # The suite's cases answered in 200-290 ms; the variants' 20-29 ms are not in the figure.
    p95 = comparison.metric("latency.ttft_ms.p95")
    assert p95 is not None and p95.base > 200
