"""A stored failure mode this golive does not know (a newer version's, a plugin's) reads the
same way in every rebuild path: as ``protocol_error``, still counted, with the stored name kept
next to it. Today's code dropped such a finding (rebuild), failed on such an error (the
observation) and mapped it silently (rebuild_load). Real SQLite and PostgreSQL stores."""

from __future__ import annotations

from sqlalchemy import update

from golive.schemas import ClientHealth, FailureMode, LevelResult, LoadResult, RequestRecord
from golive.store import StoreRecorder, open_store
from golive.store.codec import findings_from_json, read_mode, scores_from_json
from golive.store.load_records import record_load
from golive.store.models import (
    CaseResultRecord,
    LoadRequestRecord,
    ObservationRecord,
    RunRecord,
)
from golive.store.rebuild import rebuild_result
from store_fixtures import record_run

NEW = "from_the_future"
MS = 1_000_000


def _load() -> LoadResult:
    """Two levels of three requests, the last of each an http_error (rewritten below)."""
    levels = []
    for index, concurrency in enumerate((1, 4)):
        records = []
        for i in range(3):
            t = (index * 3 + i + 1) * 10 * MS
            error = FailureMode.HTTP_ERROR if i == 2 else None
            records.append(
                RequestRecord(
                    level=index,
                    t_sched_ns=t,
                    t_send_ns=t + 2 * MS,
                    chunk_times_ns=() if error else (t + 42 * MS, t + 57 * MS),
                    t_end_ns=t + 60 * MS,
                    output_tokens=None if error else 7,
                    token_source="none" if error else "tokenizer",
                    error=error,
                    warmup=False,
                    prompt_index=i,
                )
            )
        health = ClientHealth(0.5, 1.0, 30.0, True)
        levels.append(LevelResult(index, concurrency, None, "closed", 1.0, tuple(records), health))
    return LoadResult(levels=tuple(levels), slo={})


UNKNOWN = {"mode": NEW, "kind": "silent", "detail": "a newer golive's check"}


def _store_run_with_unknown_modes(store_url: str) -> str:
    run_id = "unknown-modes"
    with StoreRecorder(store_url, git=False) as recorder:
        record_run(recorder, run_id, n_cases=2, samples=2)
    levels = [{"key": f"c={c}", "requests": 3, "errors": {NEW: 1}} for c in (1, 4)]
    load_section = {"levels": levels}
    with open_store(store_url) as store:
        record_load(store, run_id, _load())
        obs = ObservationRecord.__table__
        results = CaseResultRecord.__table__
        requests = LoadRequestRecord.__table__
        runs = RunRecord.__table__
        with store.engine.begin() as db:
            first = (obs.c.run_id == run_id) & (obs.c.case_id == "case-000")
            db.execute(
                update(obs)
                .where(first & (obs.c.sample == 0))
                .values(error_mode=NEW, error_message="boom", status="error", findings_json=[])
            )
            db.execute(
                update(obs).where(first & (obs.c.sample == 1)).values(findings_json=[UNKNOWN])
            )
            db.execute(
                update(results)
                .where((results.c.run_id == run_id) & (results.c.case_id == "case-001"))
                .values(case_findings_json=[UNKNOWN], case_scores_json=[{**UNKNOWN, "name": "x"}])
            )
            db.execute(
                update(requests)
                .where((requests.c.run_id == run_id) & (requests.c.error_mode == "http_error"))
                .values(error_mode=NEW)
            )
            db.execute(
                update(runs).where(runs.c.id == run_id).values(summary_json={"load": load_section})
            )
    return run_id


def test_an_unknown_mode_is_kept_and_counted_in_both_rebuild_paths(store_url: str) -> None:
    result = rebuild_result(store_url, _store_run_with_unknown_modes(store_url))
    by_id = {c.case.id: c for c in result.cases}

    errored = by_id["case-000"].samples[0].observation.error
    assert errored is not None and errored.mode is FailureMode.PROTOCOL_ERROR
    assert "boom" in errored.message and NEW in errored.message

    (finding,) = by_id["case-000"].samples[1].findings  # kept, not dropped
    assert finding.mode is FailureMode.PROTOCOL_ERROR and NEW in finding.detail
    assert finding.kind == "silent"  # the writer's classification: silent counts unchanged
    assert not by_id["case-000"].samples[1].passed

    (case_finding,) = by_id["case-001"].case_findings
    assert case_finding.mode is FailureMode.PROTOCOL_ERROR and NEW in case_finding.detail
    (case_score,) = by_id["case-001"].case_scores
    assert case_score.mode is FailureMode.PROTOCOL_ERROR

    # The load path reads the same mode the same way, and its summary keeps the stored name.
    assert result.load is not None
    failed = [r for level in result.load.levels for r in level.records if r.error is not None]
    assert len(failed) == 2
    assert {r.error for r in failed} == {FailureMode.PROTOCOL_ERROR}
    assert [level.metrics[f"errors.{NEW}"].value for level in result.load.levels] == [1.0, 1.0]


def test_one_reading_of_a_stored_mode() -> None:
    assert read_mode(None) == (None, None) and read_mode("") == (None, None)
    assert read_mode("timeout") == (FailureMode.TIMEOUT, None)
    assert read_mode(NEW) == (FailureMode.PROTOCOL_ERROR, NEW)
    (score,) = scores_from_json([{"name": "s", "value": 0.0, "passed": False, "mode": NEW}])
    assert score.mode is FailureMode.PROTOCOL_ERROR and NEW in score.reason
    assert (
        findings_from_json([{"mode": "pii_leak", "kind": "silent", "detail": "d"}])[0].detail == "d"
    )
