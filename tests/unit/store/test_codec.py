"""The store's codec: every field of each stored type is in its table, and each type goes
through a real store (SQLite, and PostgreSQL where GOLIVE_TEST_POSTGRES_URL names one) and
back unchanged, as far as the table says it is stored."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

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
from golive.store.codec import REQUEST_RECORD, ROW_CODECS, RowCodec
from golive.store.engine import Store
from golive.store.load_records import read_load_requests, record_load
from golive.store.models import ObservationRecord, RunRecord
from golive.store.queries import get_run
from golive.store.rebuild_load import read_load

NOW = datetime(2026, 12, 8, tzinfo=UTC)
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- every field is in its table -------------------------------------------------------------


@pytest.mark.parametrize("codec", ROW_CODECS, ids=lambda c: c.cls.__name__)
def test_every_field_of_the_type_is_in_its_table(codec: RowCodec[Any]) -> None:
    # A field added to the type and not to the table (or a table entry for a field that is
    # gone) fails here: it must say how it is stored, or why it is not.
    assert codec.uncovered() == set()
    for name, stored in codec.fields.items():
        assert stored.read is not None or stored.why, f"{name}: neither read nor why"


def test_a_field_missing_from_a_table_is_caught() -> None:
    @dataclasses.dataclass(frozen=True)
    class Grown:
        a: int
        b: int = 0

    from golive.store.codec import Stored

    codec = RowCodec(Grown, {"a": Stored(("a",), lambda o, c: {"a": o.a}, lambda r, c: r["a"])})
    assert codec.uncovered() == {"b"}


# -- strategies ------------------------------------------------------------------------------

# Text any backend stores as is (the store turns NUL and lone surrogates into U+FFFD).
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)
MODES = st.sampled_from(list(FailureMode))
NS = st.integers(0, 10**15)
SMALL = st.integers(0, 10**6)


@st.composite
def observations(draw: st.DrawFn) -> Observation:
    send = draw(NS)
    # Chunk times are stored in µs after t_send: on that grid they come back exactly.
    chunks = tuple(send + 1000 * us for us in sorted(draw(st.lists(SMALL, max_size=5))))
    messages = draw(
        st.lists(
            st.builds(Message, role=st.sampled_from(["system", "user", "assistant"]), content=TEXT),
            min_size=1,
            max_size=3,
        )
    )
    usage = draw(
        st.none()
        | st.builds(Usage, st.none() | SMALL, st.none() | SMALL).filter(
            lambda u: u.prompt_tokens is not None or u.completion_tokens is not None
        )
    )
    error = draw(
        st.none() | st.builds(ObservationError, MODES, TEXT, st.none() | st.integers(100, 599))
    )
    return Observation(
        case_id=draw(TEXT.filter(bool)),
        sample=draw(st.integers(0, 50)),
        request=Request(tuple(messages)),  # the settings are the run's config, not stored
        output=draw(TEXT),
        t_sched_ns=draw(NS),
        t_send_ns=send,
        chunk_times_ns=chunks,
        t_end_ns=draw(st.none() | NS),
        finish_reason=draw(
            st.none()
            | st.text(
                st.characters(codec="ascii", exclude_characters="\x00"), min_size=1, max_size=64
            )
        ),
        usage=usage,
        error=error,
        cached=draw(st.booleans()),
    )


FINITE = st.floats(allow_nan=False, allow_infinity=False)
scores = st.builds(
    Score, TEXT, st.none() | FINITE, st.none() | st.booleans(), TEXT, st.none() | MODES
)
findings = st.builds(Finding, MODES, st.sampled_from(["visible", "silent"]), TEXT)
scored_observations = st.builds(
    ScoredObservation,
    observations(),
    st.lists(scores, max_size=3).map(tuple),
    st.lists(findings, max_size=3).map(tuple),
)


def _new_run(store: Store) -> str:
    run_id = f"run-{uuid.uuid4().hex[:12]}"
    with store.engine.begin() as connection:
        connection.execute(
            insert(RunRecord.__table__),
            {
                "id": run_id,
                "kind": "eval",
                "status": "finished",
                "started_at": NOW,
                "heartbeat_at": NOW,
            },
        )
    return run_id


# -- observations ----------------------------------------------------------------------------


def test_observations_round_trip_through_the_store(store_url: str) -> None:
    from golive.events import ObservationRecorded

    with open_store(store_url) as store:

        @EXAMPLES
        @given(scored_observations)
        def check(scored: ScoredObservation) -> None:
            run_id = _new_run(store)
            case = Case(id=scored.observation.case_id, input="x")
            row = observation_row(ObservationRecorded(run_id, case, scored), NOW)
            with store.engine.begin() as connection:
                connection.execute(insert(ObservationRecord.__table__), row)
            (read,) = load_observations(store, run_id)
            assert read.to_scored() == scored
            assert read.to_observation() == scored.observation
            assert read.passed == scored.passed

        check()


# -- load requests ---------------------------------------------------------------------------


@st.composite
def request_records(draw: st.DrawFn) -> RequestRecord:
    # Times on the µs grid (the store's unit), chunks after the send, the end after both.
    us = st.integers(0, 10**9).map(lambda t: t * 1000)
    sched = draw(us)
    send = sched + draw(us)
    chunks = tuple(send + c for c in sorted(draw(st.lists(us, max_size=4))))
    end = max((send, *chunks)) + draw(us)
    return RequestRecord(
        level=0,
        t_sched_ns=sched,
        t_send_ns=send,
        chunk_times_ns=chunks,
        t_end_ns=end,
        output_tokens=draw(st.none() | SMALL),
        token_source=draw(st.sampled_from(["usage", "tokenizer", "none"])),
        error=draw(st.none() | MODES),
        warmup=draw(st.booleans()),
        prompt_index=draw(st.integers(0, 1000)),
    )


def _as_stored(r: RequestRecord, t0: int) -> RequestRecord:
    """What the store keeps of ``r``: times after ``t0``, the first chunk and (a success's)
    last one; the chunks between are left out (see ``rebuild_load``)."""
    c = list(r.chunk_times_ns)
    kept = c[:1] + (c[-1:] if len(c) > 1 and r.error is None else [])
    return dataclasses.replace(
        r,
        t_sched_ns=r.t_sched_ns - t0,
        t_send_ns=r.t_send_ns - t0,
        chunk_times_ns=[t - t0 for t in kept],
        t_end_ns=r.t_end_ns - t0,
    )


HEALTH = ClientHealth(0.5, 1.0, 30.0, True)


def test_request_records_round_trip_through_the_store(store_url: str) -> None:
    with open_store(store_url) as store:

        @EXAMPLES
        @given(st.lists(request_records(), min_size=1, max_size=6))
        def check(records: list[RequestRecord]) -> None:
            run_id = f"load-{uuid.uuid4().hex[:12]}"
            level = LevelResult(0, 2, None, "closed", 1.0, tuple(records), HEALTH)
            record_load(store, run_id, LoadResult((level,), {}))
            t0 = min(r.t_sched_ns for r in records)
            read = [REQUEST_RECORD.read(row) for row in read_load_requests(store, run_id)]
            assert read == [_as_stored(r, t0) for r in records]

        check()


# -- levels and their quality (the stored summary's load section) ----------------------------

POSITIVE = st.floats(0, 1e6, allow_nan=False)


@st.composite
def levels(draw: st.DrawFn) -> LevelResult:
    valid = draw(st.booleans())
    health = ClientHealth(
        lag_ms_p99=draw(POSITIVE),
        lag_ms_max=draw(POSITIVE),
        cpu_pct=draw(POSITIVE),
        valid=valid,
        reason="" if valid else draw(TEXT.filter(bool)),
        read_delay_ms_p99=draw(st.none() | POSITIVE),
        read_delay_ms_max=draw(st.none() | POSITIVE),
        send_delay_ms_p99=draw(st.none() | POSITIVE),
    )
    n = draw(st.integers(1, 500))
    quality = draw(
        st.none()
        | st.builds(
            LevelQuality,
            st.just(n),
            st.integers(0, n),
            st.integers(0, n),
            st.dictionaries(st.sampled_from([m.value for m in FailureMode]), st.integers(1, n)),
            st.none() | st.floats(0, 1),
        )
    )
    closed = draw(st.booleans())
    return LevelResult(
        index=0,
        concurrency=draw(st.integers(1, 512)) if closed else None,
        rate=None if closed else draw(st.floats(0.01, 1e4)),
        profile=draw(st.sampled_from(["closed", "poisson", "constant"])),
        duration_s=draw(POSITIVE),
        records=(),
        health=health,
        warmup_s=draw(POSITIVE),
        tokenizer=draw(st.sampled_from(["", "cl100k_base"])),
        quality=quality,
    )


def test_levels_round_trip_through_the_stored_summary(store_url: str) -> None:
    from golive.reports.load_summary import load_section

    with open_store(store_url) as store:

        @EXAMPLES
        @given(levels())
        def check(level: LevelResult) -> None:
            run_id = f"load-{uuid.uuid4().hex[:12]}"
            source = "tokenizer" if level.tokenizer else "none"
            load = LoadResult((level,), {}, token_source=source)
            section = json.loads(json.dumps(load_section(load)))
            record_load(store, run_id, load, run_values={"summary_json": {"load": section}})
            summary = get_run(store, run_id).summary or {}
            rebuilt = read_load(store, run_id, summary.get("load"))
            assert rebuilt is not None
            (read,) = rebuilt.levels
            # What is not stored (LEVEL's table says why) reads as its default; the metrics
            # are recomputed from the summary's figures (rebuild_load).
            assert dataclasses.replace(read, metrics={}) == level

        check()
