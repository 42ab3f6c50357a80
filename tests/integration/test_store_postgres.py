"""The store on a real PostgreSQL server (started by `make test`): types, concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from golive.store import StoreRecorder, get_run, list_runs, load_observations, open_store
from store_fixtures import make_case, observation_recorded, record_run, run_started

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_json_columns_are_jsonb_and_times_keep_their_zone(postgres_url: str) -> None:
    with StoreRecorder(postgres_url, git=False) as recorder:
        done = record_run(recorder, "pg-types", n_cases=1)
    with open_store(postgres_url) as store, store.engine.connect() as connection:
        types = dict(
            connection.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'observations' AND table_schema = current_schema()"
                )
            ).all()
        )
        # JSONB can be queried: the findings of failed samples, straight from SQL.
        modes = (
            connection.execute(
                text("SELECT f->>'mode' FROM observations, jsonb_array_elements(findings_json) f")
            )
            .scalars()
            .all()
        )
    assert types["findings_json"] == "jsonb"
    assert types["created_at"] == "timestamp with time zone"
    assert types["t_send_ns"] == "bigint"
    assert modes == ["wrong_answer"]
    assert get_run(postgres_url, "pg-types").started_at == done.result.started_at


def test_two_recorders_write_side_by_side(postgres_url: str) -> None:
    store = open_store(postgres_url)
    errors: list[BaseException] = []

    def one_run(run_id: str) -> None:
        try:
            with StoreRecorder(store, git=False) as recorder:
                record_run(recorder, run_id, n_cases=20, samples=3)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one_run, args=(f"pg-par-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    runs = {r.id: r for r in list_runs(store)}
    assert {r: (runs[r].observations, runs[r].cases) for r in runs} == {
        "pg-par-0": (60, 20),
        "pg-par-1": (60, 20),
    }
    store.dispose()


def test_nul_bytes_postgres_refuses_are_stored_as_replacement(postgres_url: str) -> None:
    case = make_case(1)
    with StoreRecorder(postgres_url, git=False) as recorder:
        recorder(run_started("pg-nul", (case,)))
        recorder(observation_recorded("pg-nul", case, 0, output="a\x00b"))
    (row,) = load_observations(postgres_url, "pg-nul")
    assert row.output == "a\ufffdb"
