"""Migration 0004: ``observations.cached`` and ``case_results.case_json``, written by the
recorder, read back, and filled for rows a 0003 store already held."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from golive.events import ObservationRecorded
from golive.schemas import Case, CaseResult
from golive.store import StoreRecorder, load_observations, open_store
from golive.store.engine import HEAD_REVISION, MIGRATIONS_DIR
from golive.store.models import CaseResultRecord
from golive.store.rebuild import rebuild_run
from store_fixtures import case_finished, make_case, make_scored, run_finished, run_started

VARIANT = Case(
    id="case-001~typos~2",
    input=[
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "waht is teh refund windwo?"},
    ],
    reference="30 days",
    assertions=[{"kind": "contains", "value": "30"}],
    tags=["refunds", "variant", "mutator:typos"],
    capability="billing",
    metadata={
        "variant": {
            "of": "case-001",
            "mutator": "typos",
            "family": "noise",
            "expectation": "invariant",
            "index": 2,
            "seed": 918273,
            "params": {"rate": 0.08, "swaps": [1, 4]},
        },
        "owner": "support",
        "api_key": "sk-SECRETsecretSECRET0001",
        "note": "Bearer SECRET0002",
    },
)


def test_cached_flag_and_the_case_as_run_round_trip(store_url: str) -> None:
    case = make_case(1)
    with StoreRecorder(store_url, git=False) as recorder:
        recorder(run_started("run-c", (case, VARIANT), samples=2))
        results = []
        for c in (case, VARIANT):
            scored = []
            for sample in range(2):
                s = make_scored(c, sample)
                if sample == 1:  # replayed from the response cache
                    s = replace(s, observation=replace(s.observation, cached=True))
                recorder(ObservationRecorded("run-c", c, s))
                scored.append(s)
            finished = case_finished("run-c", c, tuple(scored))
            recorder(finished)
            results.append(finished.result)
        recorder(run_finished("run-c", tuple(results)))

    rows = load_observations(store_url, "run-c")
    assert [r.cached for r in rows] == [False, True, False, True]
    assert [r.to_observation().cached for r in rows] == [False, True, False, True]

    with open_store(store_url) as store, store.engine.connect() as connection:
        stored: dict[str, Any] = dict(
            connection.execute(select(CaseResultRecord.case_id, CaseResultRecord.case_json)).all()
        )
    lineage = stored[VARIANT.id]["metadata"]["variant"]
    assert lineage["seed"] == 918273 and lineage["params"] == {"rate": 0.08, "swaps": [1, 4]}
    assert stored[VARIANT.id]["reference"] == "30 days"
    assert stored[VARIANT.id]["tags"] == ["refunds", "variant", "mutator:typos"]
    # Secret-named keys and credential-shaped values never reach the store.
    assert "api_key" not in stored[VARIANT.id]["metadata"]
    assert stored[VARIANT.id]["metadata"]["note"] == "[redacted]"
    assert "SECRET" not in repr(stored)

    rebuilt = rebuild_run(store_url, "run-c")
    assert rebuilt.approximated == ()
    by_id = {c.case.id: c for c in rebuilt.result.cases}
    assert by_id[case.id].case == case
    metadata = {k: v for k, v in VARIANT.metadata.items() if k != "api_key"}
    expected_variant = VARIANT.model_copy(update={"metadata": metadata | {"note": "[redacted]"}})
    assert by_id[VARIANT.id].case == expected_variant
    assert [s.observation.cached for s in by_id[case.id].samples] == [False, True]


def _insert_0003_rows(url: str) -> None:
    """A run as golive wrote it before migration 0004 (no cached, no case_json)."""
    now = datetime(2025, 3, 1, tzinfo=UTC).replace(tzinfo=None)
    with open_store(url, migrate=False) as store, store.engine.begin() as connection:
        params = {"now": now}
        connection.execute(
            text(
                "INSERT INTO runs (id, kind, status, started_at, heartbeat_at, finished_at, "
                "verdict) VALUES ('old-run', 'eval', 'finished', :now, :now, :now, 'go')"
            ),
            params,
        )
        for sample in range(2):
            connection.execute(
                text(
                    "INSERT INTO observations (run_id, case_id, sample, capability, input_json,"
                    " output, status, t_sched_ns, t_send_ns, t_end_ns, ttft_ms, e2e_ms,"
                    " chunk_times_json, passed, created_at) VALUES ('old-run', 'refund~typos~0',"
                    " :sample, 'billing', :messages, '30 days', 'ok', 0, 1000, 2000000, 1.0,"
                    " 2.0, '[1000, 2000]', :passed, :now)"
                ),
                {
                    **params,
                    "sample": sample,
                    "passed": True,
                    "messages": '[{"role": "user", "content": "refnud?"}]',
                },
            )
        connection.execute(
            text(
                "INSERT INTO case_results (run_id, case_id, capability, samples, passed,"
                " created_at) VALUES ('old-run', 'refund~typos~0', 'billing', 2, :passed, :now)"
            ),
            {**params, "passed": True},
        )


def test_a_0003_store_migrates_and_its_runs_still_rebuild(store_url: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with open_store(store_url, migrate=False) as old, old.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    _insert_0003_rows(store_url)

    with open_store(store_url) as store:  # migrates to the head (0004 and after)
        with store.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert version == [(HEAD_REVISION,)]
        rows = load_observations(store, "old-run")
        assert [r.cached for r in rows] == [False, False]
        rebuilt = rebuild_run(store, "old-run")
    # No stored case: approximated from the observations and the id, as before 0004.
    assert rebuilt.approximated == ("refund~typos~0",)
    (result,) = rebuilt.result.cases
    assert result.case.input == "refnud?" and result.case.reference is None
    assert result.case.metadata["variant"]["of"] == "refund"
    assert isinstance(result, CaseResult) and result.passed
