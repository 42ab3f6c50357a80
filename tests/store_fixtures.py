"""Store fixtures and event builders shared by the store tests.

``store_url`` runs a test twice: on a fresh SQLite file, and on a fresh schema of the
PostgreSQL server named by GOLIVE_TEST_POSTGRES_URL (``make test`` starts one with
scripts/postgres-test-server.sh). Without that variable the PostgreSQL case is skipped with
the reason, except under CI, where a missing server is a failure, not a silent pass.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from golive.events import CaseFinished, ObservationRecorded, RunFinished, RunStarted
from golive.schemas import (
    Case,
    CaseResult,
    FailureMode,
    Finding,
    GateResult,
    Message,
    Metric,
    Observation,
    ObservationError,
    Request,
    RunResult,
    Score,
    ScoredObservation,
    Usage,
    Verdict,
)

POSTGRES_ENV = "GOLIVE_TEST_POSTGRES_URL"
T0 = 1_000_000_000_000  # a perf_counter_ns reading


def postgres_base_url() -> str:
    """The test server's URL, or skip (fail under CI) with how to start one."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    how = (
        f"{POSTGRES_ENV} is not set: run `make test`, or start a server with "
        "`bash scripts/postgres-test-server.sh start .golive-test/postgres.url` and "
        f"`export {POSTGRES_ENV}=$(cat .golive-test/postgres.url)`"
    )
    if os.environ.get("CI"):
        pytest.fail(how)
    pytest.skip(how)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema, dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    base = postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A fresh store URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'golive.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


# -- events built from real golive.schemas objects -------------------------------------------


def make_case(i: int, *, capability: str = "qa") -> Case:
    return Case(
        id=f"case-{i:03d}",
        input=f"What is the refund window for order {i}?",
        reference="30 days",
        capability=capability,
        tags=["refunds"],
    )


def make_scored(
    case: Case,
    sample: int,
    *,
    output: str = "Refunds are accepted within 30 days.",
    error: ObservationError | None = None,
    passed: bool = True,
) -> ScoredObservation:
    messages = (Message(role="system", content="You are a support bot."), *case.messages())
    send = T0 + sample * 10_000_000
    chunks = () if error else (send + 120_000_000, send + 135_000_000, send + 151_000_000)
    observation = Observation(
        case_id=case.id,
        sample=sample,
        request=Request(messages=messages),
        output=output,
        t_sched_ns=send - 2_000_000,
        t_send_ns=send,
        chunk_times_ns=chunks,
        t_end_ns=send + 152_000_000,
        finish_reason=None if error else "stop",
        usage=None if error else Usage(prompt_tokens=21, completion_tokens=9),
        error=error,
    )
    scores: tuple[Score, ...] = ()
    findings: tuple[Finding, ...] = ()
    if error is not None:
        findings = (Finding(error.mode, "visible", error.message),)
    else:
        scores = (
            Score(
                "contains",
                1.0 if passed else 0.0,
                passed,
                "looked for '30 days'",
                None if passed else FailureMode.WRONG_ANSWER,
            ),
        )
        if not passed:
            findings = (Finding(FailureMode.WRONG_ANSWER, "silent", "missing '30 days'"),)
    return ScoredObservation(observation, scores, findings)


def run_started(
    run_id: str,
    cases: tuple[Case, ...],
    *,
    samples: int = 2,
    config: dict[str, Any] | None = None,
    target: dict[str, str] | None = None,
) -> RunStarted:
    if config is None:
        config = {"samples": samples, "request": {"max_tokens": 64}}
    if target is None:
        target = {"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": "demo"}
    return RunStarted(
        run_id=run_id,
        total_requests=len(cases) * samples,
        cases=cases,
        config=config,
        target=target,
    )


def observation_recorded(
    run_id: str, case: Case, sample: int, **kwargs: Any
) -> ObservationRecorded:
    return ObservationRecorded(run_id, case, make_scored(case, sample, **kwargs))


def case_finished(run_id: str, case: Case, samples: tuple[ScoredObservation, ...]) -> CaseFinished:
    return CaseFinished(run_id=run_id, result=CaseResult(case=case, samples=samples))


def run_finished(
    run_id: str, results: tuple[CaseResult, ...], *, status: str = "finished", go: bool = True
) -> RunFinished:
    passed = sum(r.passed for r in results)
    rate = passed / len(results) if results else 0.0
    gate = GateResult("quality", "quality.pass_rate", ">=", 0.5, rate, (0.0, 1.0), go)
    now = datetime.now(UTC)
    return RunFinished(
        RunResult(
            run_id=run_id,
            status=status,
            started_at=now - timedelta(seconds=3),
            finished_at=now,
            target={"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": "demo"},
            config={"samples": 2},
            cases=results,
            metrics={
                "quality.pass_rate": Metric("quality.pass_rate", rate, (0.1, 0.9), len(results))
            },
            verdict=Verdict(go=go, gates=(gate,)),
        )
    )


def record_run(recorder: Any, run_id: str, n_cases: int = 3, samples: int = 2) -> RunFinished:
    """Emit a whole run (case 0 fails its second sample) into ``recorder``."""
    cases = tuple(make_case(i) for i in range(n_cases))
    recorder(run_started(run_id, cases, samples=samples))
    results = []
    for case in cases:
        scored = []
        for sample in range(samples):
            event = observation_recorded(
                run_id, case, sample, passed=not (case.id == "case-000" and sample == 1)
            )
            recorder(event)
            scored.append(event.scored)
        finished = case_finished(run_id, case, tuple(scored))
        recorder(finished)
        results.append(finished.result)
    done = run_finished(run_id, tuple(results))
    recorder(done)
    return done
