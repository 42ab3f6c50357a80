"""Rows in the shape golive wrote before the store's codec (December 2026) read back exactly as
they did, and the codec writes them unchanged.

``data/rows_2026_12.json`` was made by the writers and readers of that time
(``_rows.observation_row``, ``load_records.level_request_rows``, ``ObservationRow
.to_observation``, ``rebuild_load.load_from_rows``) from the objects built below: each row it
holds, and the ``repr`` of what it read back as. A row another golive wrote with a failure mode
this golive does not know is among them (it reads as protocol_error, its name kept).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from golive.events import ObservationRecorded
from golive.schemas import (
    Case,
    ClientHealth,
    FailureMode,
    Finding,
    LevelQuality,
    LevelResult,
    LoadResult,
    Message,
    Observation,
    ObservationError,
    Request,
    RequestRecord,
    Score,
    ScoredObservation,
    Usage,
)
from golive.store import load_observations, open_store
from golive.store._rows import observation_row
from golive.store.codec import REQUEST_RECORD
from golive.store.load_records import load_request_rows, read_load_requests
from golive.store.models import LoadRequestRecord, ObservationRecord, RunRecord
from golive.store.rebuild_load import load_from_rows

GOLDEN = json.loads((Path(__file__).parent / "data" / "rows_2026_12.json").read_text())
MS = 1_000_000
T = 1_000_000_000_000
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CASE = Case(id="c-1", input="hi", capability="qa")


def _observations() -> list[Observation]:
    system = Message(role="system", content="be nice")
    user = Message(role="user", content="hi")
    return [
        Observation(
            "c-1",
            0,
            Request((system, Message(role="user", content="hi\x00there"))),
            "out\x00",
            T - 2 * MS,
            T,
            (T + 120 * MS + 7, T + 130_500_123),
            T + 131 * MS,
            "stop",
            Usage(21, 9),
        ),
        Observation(
            "c-1",
            1,
            Request((user,), max_tokens=5),
            "",
            T,
            T + MS,
            (),
            T + 50 * MS,
            None,
            None,
            ObservationError(FailureMode.HTTP_ERROR, "503 busy", 503),
        ),
        Observation(
            "c-1",
            2,
            Request((user,)),
            "cached reply",
            T,
            T + 3,
            (T + 1003,),
            None,
            "x" * 80,
            Usage(None, 4),
            None,
            True,
        ),
        Observation(
            "c-1",
            3,
            Request((Message(role="assistant", content="a"), Message(role="user", content="b"))),
            "",
            T,
            T,
            (),
            None,
            None,
            Usage(3, None),
            ObservationError(FailureMode.TIMEOUT, "", None),
        ),
    ]


def _scored(o: Observation) -> ScoredObservation:
    findings = (Finding(FailureMode.WRONG_ANSWER, "silent", "d"),) if o.sample == 0 else ()
    return ScoredObservation(o, (Score("contains", 1.0, True, "ok", None),), findings)


def _load() -> LoadResult:
    health = ClientHealth(0.5, 1.0, 30.0, True, read_delay_ms_p99=0.25)
    records = []
    for i in range(6):
        t = T + i * 10 * MS
        error = FailureMode.HTTP_ERROR if i == 4 else (FailureMode.TIMEOUT if i == 5 else None)
        if i == 4:
            chunks: tuple[int, ...] = ()
        elif i == 2:
            chunks = (t + 42 * MS + 123,)
        else:
            chunks = (t + 42 * MS + 777, t + 43 * MS, t + 57 * MS + 3)
        records.append(
            RequestRecord(
                level=0,
                t_sched_ns=t + 11,
                t_send_ns=t + 2 * MS + 999,
                chunk_times_ns=chunks,
                t_end_ns=t + 60 * MS + 5,
                output_tokens=None if error else 7,
                token_source="none" if error else ("usage" if i % 2 else "tokenizer"),
                error=error,
                warmup=i == 0,
                prompt_index=i % 3,
            )
        )
    shifted = tuple(
        replace(
            r,
            level=1,
            t_sched_ns=r.t_sched_ns + 100 * MS,
            t_send_ns=r.t_send_ns + 100 * MS,
            chunk_times_ns=tuple(c + 100 * MS for c in r.chunk_times_ns),
            t_end_ns=r.t_end_ns + 100 * MS,
        )
        for r in records
    )
    quality = LevelQuality(5, 3, 1, {"wrong_answer": 2}, 0.75)
    first = LevelResult(0, 4, None, "closed", 1.0, tuple(records), health, quality=quality)
    second = LevelResult(
        1, None, 2.5, "poisson", 2.0, shifted, ClientHealth(9.0, 20.0, 99.0, False, "client lag")
    )
    return LoadResult((first, second), {"ttft_ms.p95": 500.0})


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    # JSON turned the writer's tuples into lists; nothing else differs.
    return json.loads(json.dumps(row))


def test_the_writers_write_todays_rows() -> None:
    for observation, golden in zip(_observations(), GOLDEN["observations"], strict=False):
        row = observation_row(ObservationRecorded("run-g", CASE, _scored(observation)), NOW)
        del row["created_at"]
        assert _comparable(row) == golden["row"]
    assert [_comparable(r) for r in load_request_rows("run-g", _load())] == GOLDEN["load_rows"]


def _insert(store_url: str, table: Any, rows: list[dict[str, Any]]) -> None:
    with open_store(store_url) as store, store.engine.begin() as connection:
        connection.execute(
            insert(RunRecord.__table__),
            {
                "id": "run-g",
                "kind": "eval",
                "status": "finished",
                "started_at": NOW,
                "heartbeat_at": NOW,
            },
        )
        connection.execute(insert(table.__table__), rows)


def test_todays_observation_rows_read_back_as_they_did(store_url: str) -> None:
    rows = [{**case["row"], "created_at": NOW} for case in GOLDEN["observations"]]
    _insert(store_url, ObservationRecord, rows)
    read = load_observations(store_url, "run-g")
    assert [repr(r.to_observation()) for r in read] == [c["read"] for c in GOLDEN["observations"]]
    unknown = read[-1].to_observation().error
    assert unknown is not None and unknown.mode is FailureMode.PROTOCOL_ERROR
    assert "future_mode" in unknown.message


def test_todays_load_rows_read_back_as_they_did(store_url: str) -> None:
    _insert(store_url, LoadRequestRecord, [*GOLDEN["load_rows"], GOLDEN["unknown_record_row"]])
    with open_store(store_url) as store:
        rows = read_load_requests(store, "run-g")
    (unknown,) = [r for r in rows if r["seq"] == GOLDEN["unknown_record_row"]["seq"]]
    rows = [r for r in rows if r is not unknown]
    assert repr(load_from_rows(rows, GOLDEN["load_section"])) == GOLDEN["load_read"]
    assert repr(REQUEST_RECORD.read(unknown)) == GOLDEN["unknown_record_read"]
    assert REQUEST_RECORD.read(unknown).error is FailureMode.PROTOCOL_ERROR


@pytest.mark.parametrize("index", range(len(GOLDEN["observations"])))
def test_each_golden_observation_is_one_row(index: int) -> None:
    # The golden file holds whole rows: every column of the table but id and created_at.
    columns = {c.name for c in ObservationRecord.__table__.columns} - {"id", "created_at"}
    assert set(GOLDEN["observations"][index]["row"]) == columns
