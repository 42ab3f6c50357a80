"""StoreRecorder on SQLite and PostgreSQL: round trip, incremental writes, secrets, errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from golive.errors import StoreError
from golive.schemas import FailureMode, ObservationError
from golive.store import StoreRecorder, get_run, list_runs, load_observations, open_store
from golive.store.models import ObservationRecord, RunRecord
from store_fixtures import (
    case_finished,
    make_case,
    observation_recorded,
    record_run,
    run_finished,
    run_started,
)


def test_round_trip_of_a_finished_run(store_url: str) -> None:
    with StoreRecorder(store_url, git=False) as recorder:
        done = record_run(recorder, "run-aaa", n_cases=3, samples=2)

    run = get_run(store_url, "run-aaa")
    assert (run.status, run.recorded_status, run.verdict) == ("finished", "finished", "go")
    assert (run.cases, run.cases_passed, run.observations) == (3, 2, 6)
    assert run.pass_rate == pytest.approx(2 / 3)
    assert run.total_requests == 6
    assert run.target_label == "openai http://127.0.0.1:9/v1"
    assert run.config == {"samples": 2, "request": {"max_tokens": 64}}
    assert run.finished_at == done.result.finished_at
    assert run.config_hash is not None and len(run.config_hash) == 64
    assert run.summary is not None and run.summary["metrics"]["quality.pass_rate"]["n"] == 3

    rows = load_observations(store_url, "run-aaa")
    assert [(r.case_id, r.sample) for r in rows] == [
        (f"case-{i:03d}", s) for i in range(3) for s in range(2)
    ]
    originals = [s.observation for c in done.result.cases for s in c.samples]
    assert [r.to_observation() for r in rows] == originals
    first = rows[0]
    assert first.chunk_times_us == [120_000, 135_000, 151_000]
    assert first.ttft_ms == pytest.approx(120.0) and first.e2e_ms == pytest.approx(151.0)
    assert first.messages[0] == {"role": "system", "content": "You are a support bot."}
    assert rows[1].passed is False
    assert rows[1].findings == [
        {"mode": "wrong_answer", "kind": "silent", "detail": "missing '30 days'"}
    ]
    assert rows[1].scores[0]["mode"] == "wrong_answer"


def test_observations_are_visible_to_another_connection_before_the_run_ends(
    store_url: str,
) -> None:
    cases = (make_case(1),)
    reader = open_store(store_url)
    recorder = StoreRecorder(store_url, git=False)
    try:
        recorder(run_started("run-live", cases))
        recorder(observation_recorded("run-live", cases[0], 0))
        recorder(observation_recorded("run-live", cases[0], 1))
        assert recorder.flush(timeout=10)
        with reader.engine.connect() as connection:
            count = connection.scalar(select(func.count()).select_from(ObservationRecord))
        assert count == 2
        assert get_run(reader, "run-live").status == "running"
    finally:
        recorder.close()
        reader.dispose()
    # Closed without RunFinished: the caller crashed, so the run is marked failed.
    assert get_run(store_url, "run-live").status == "failed"


def test_secrets_are_never_stored(store_url: str) -> None:
    config: dict[str, Any] = {
        "target": {
            "kind": "openai",
            "api_key": "sk-SECRETsecretSECRET0001",
            "api_key_env": "MY_KEY",
            "headers": {"Authorization": "Bearer SECRET0002", "X-Api-Key": "SECRET0003"},
        },
        "request": {"max_tokens": 64},
        "hooks": [{"password": "SECRET0004"}, {"accessToken": "SECRET0005"}],
        "note": "Bearer SECRET0006",
    }
    target = {"kind": "openai", "url": "http://127.0.0.1:9/v1", "token": "SECRET0007"}
    with StoreRecorder(store_url, git=False) as recorder:
        recorder(run_started("run-sec", (make_case(1),), config=config, target=target))
        recorder.set_summary({"run_id": "run-sec", "config": {"client_secret": "SECRET0008"}})

    run = get_run(store_url, "run-sec")
    assert run.config == {
        "target": {"kind": "openai", "api_key_env": "MY_KEY", "headers": {}},
        "request": {"max_tokens": 64},
        "hooks": [{}, {}],
        "note": "[redacted]",
    }
    assert run.target == {"kind": "openai", "url": "http://127.0.0.1:9/v1"}
    with open_store(store_url) as store, store.engine.connect() as connection:
        every_value = repr(connection.execute(select(RunRecord.__table__)).all())
    assert "SECRET" not in every_value


def test_hostile_output_round_trips(store_url: str) -> None:
    case = make_case(1)
    hostile = "<script>alert(1)</script> [bold]x[/bold] nul:\x00 surrogate:\ud800 é 日本"
    with StoreRecorder(store_url, git=False) as recorder:
        recorder(run_started("run-hostile", (case,)))
        recorder(observation_recorded("run-hostile", case, 0, output=hostile))
        error = ObservationError(FailureMode.PROTOCOL_ERROR, "bad JSON: \x00{", status=200)
        recorder(observation_recorded("run-hostile", case, 1, output="", error=error))

    first, second = load_observations(store_url, "run-hostile")
    assert first.output == hostile.replace("\x00", "\ufffd").replace("\ud800", "\ufffd")
    assert (second.status, second.error_mode) == ("error", "protocol_error")
    assert second.error_status == 200
    assert second.error_message == "bad JSON: \ufffd{"
    assert second.chunk_times_us == [] and second.ttft_ms is None
    assert second.to_observation().error == ObservationError(
        FailureMode.PROTOCOL_ERROR, "bad JSON: \ufffd{", 200
    )


def test_set_summary_replaces_the_fallback(store_url: str) -> None:
    summary = {"run_id": "run-sum", "verdict": "go", "quality": {"pass_rate": {"value": 0.25}}}
    with StoreRecorder(store_url, git=False) as recorder:
        record_run(recorder, "run-sum", n_cases=2)
        recorder.set_summary(summary)
    run = get_run(store_url, "run-sum")
    assert run.summary == summary
    assert run.pass_rate == 0.25  # from the summary, not from the case results (1/2)


def test_interrupted_run_keeps_partial_cases(store_url: str) -> None:
    cases = (make_case(1), make_case(2))
    with StoreRecorder(store_url, git=False) as recorder:
        recorder(run_started("run-int", cases))
        first = observation_recorded("run-int", cases[0], 0)
        recorder(first)
        second = observation_recorded("run-int", cases[0], 1)
        recorder(second)
        finished = case_finished("run-int", cases[0], (first.scored, second.scored))
        recorder(finished)
        recorder(observation_recorded("run-int", cases[1], 0))
        recorder(run_finished("run-int", (finished.result,), status="interrupted", go=False))
    run = get_run(store_url, "run-int")
    assert (run.status, run.verdict, run.cases, run.observations) == ("interrupted", "no-go", 1, 3)


def test_a_failed_write_is_reported_and_does_not_cost_the_others(store_url: str) -> None:
    case = make_case(1)
    recorder = StoreRecorder(store_url, git=False)
    recorder(run_started("run-ok", (case,)))
    recorder(observation_recorded("run-ok", case, 0))
    recorder(observation_recorded("no-such-run", case, 0))  # breaks the foreign key
    recorder(observation_recorded("run-ok", case, 1))
    with pytest.raises(StoreError, match=r"writing to the store .* failed"):
        recorder.close()
    assert [r.sample for r in load_observations(store_url, "run-ok")] == [0, 1]


def test_list_runs_newest_first_and_get_run_by_prefix(store_url: str) -> None:
    with StoreRecorder(store_url, git=False) as recorder:
        for run_id in ("abc-1", "abc-2", "xyz-1"):
            record_run(recorder, run_id, n_cases=1)
    runs = list_runs(store_url, limit=2)
    assert [r.id for r in runs] == ["xyz-1", "abc-2"]
    assert get_run(store_url, "latest").id == "xyz-1"
    assert get_run(store_url, "xyz").id == "xyz-1"
    with pytest.raises(Exception, match="matches several runs"):
        get_run(store_url, "abc")
    with pytest.raises(Exception, match="no run 'nope%'"):
        get_run(store_url, "nope%")


def test_opening_twice_migrates_once(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from golive.store.models import Base

    first = open_store(store_url)
    second = open_store(store_url)
    with second.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("0005",)
        ]
        # The models and the migrated schema agree: nothing left to autogenerate.
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    first.dispose()
    second.dispose()


def test_a_run_seen_only_at_its_end_is_still_recorded(store_url: str) -> None:
    with StoreRecorder(store_url, git=False) as recorder:
        recorder(run_finished("run-late", (), status="finished", go=False))
    run = get_run(store_url, "run-late")
    assert (run.status, run.verdict, run.target_label) == (
        "finished",
        "no-go",
        "openai http://127.0.0.1:9/v1",
    )
    with pytest.raises(RuntimeError):
        recorder(run_finished("run-late", ()))
    assert recorder.flush(timeout=1)
