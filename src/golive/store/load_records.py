"""Per-request raw records of a load test in the store (``load_requests``), written in batches.

Times are stored as µs after the earliest scheduled request of the load test, so rows from
different levels share one time axis and no process-specific ``perf_counter`` value leaks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from golive.errors import StoreError
from golive.events import Event, LevelFinished, Subscriber
from golive.store.codec import REQUEST_RECORD
from golive.store.engine import Store
from golive.store.models import LoadRequestRecord, RunRecord

if TYPE_CHECKING:
    from rich.console import Console

    from golive.schemas import LevelResult, LoadResult

__all__ = [
    "BATCH_ROWS",
    "LoadRecordWriter",
    "level_request_rows",
    "load_origin_ns",
    "load_request_rows",
    "read_load_requests",
    "record_load",
    "storing_levels",
]

BATCH_ROWS = 5_000  # rows per INSERT … executemany: one transaction each
_TABLE: Table = LoadRequestRecord.__table__  # type: ignore[assignment]
_RUNS: Table = RunRecord.__table__  # type: ignore[assignment]


def load_request_rows(run_id: str, load: LoadResult) -> Iterator[dict[str, Any]]:
    """The rows of every request of every level of ``load``, in level then schedule order."""
    t0 = load_origin_ns(load.levels)
    for level in load.levels:
        yield from level_request_rows(run_id, level, t0)


def load_origin_ns(levels: Sequence[LevelResult]) -> int:
    """The load test's time origin: its earliest scheduled request (levels run one after
    another, so the first level holds it and a level stored alone gets the same axis)."""
    return min((r.t_sched_ns for lv in levels for r in lv.records), default=0)


def level_request_rows(run_id: str, level: LevelResult, t0: int) -> Iterator[dict[str, Any]]:
    """The rows of one level, in schedule order, times in µs after ``t0``."""
    own = {"run_id": run_id, "concurrency": level.concurrency, "rate": level.rate}
    for seq, r in enumerate(level.records):
        row = REQUEST_RECORD.values(r, t0)
        # The level's own columns; ``level`` is its index (what each record's says).
        row.update(own, level=level.index, seq=seq)
        yield row


class LoadRecordWriter:
    """Stores a load test's records level by level, as each level ends, so a killed golive
    keeps every finished level's requests (and the run row says ``running`` until ``finish``).

    Raises (every method):
        StoreError: the database refused the rows (the message names the store).
    """

    def __init__(
        self,
        store: Store,
        run_id: str,
        *,
        run_values: dict[str, Any] | None = None,
        reopen: bool = False,
    ) -> None:
        """``reopen``: a run already stored as finished (``golive run``'s quality phase) is
        ``running`` again until its load test ends: a killed golive never leaves it claiming
        a finished run without its load test."""
        self.store = store
        self.run_id = run_id
        self.written: set[int] = set()  # level indices stored
        self.rows = 0
        self._t0: int | None = None
        with (
            _failing(store, "creating the load run", self),
            store.engine.begin() as connection,
        ):
            exists = connection.execute(select(_RUNS.c.id).where(_RUNS.c.id == run_id)).first()
            if exists is None:
                now = datetime.now(UTC)
                values = {"status": "running", "started_at": now, "heartbeat_at": now}
                values.update(run_values or {})
                connection.execute(insert(_RUNS), {"id": run_id, "kind": "load", **values})
            elif reopen:
                reopened = {"status": "running", "heartbeat_at": datetime.now(UTC)}
                connection.execute(update(_RUNS).where(_RUNS.c.id == run_id), reopened)

    def level(self, level: LevelResult, *, batch_rows: int = BATCH_ROWS) -> int:
        """Store ``level``'s requests (once; a level already stored is skipped)."""
        if level.index in self.written:
            return 0
        if self._t0 is None:
            self._t0 = load_origin_ns([level])
        written = 0
        with _failing(store := self.store, "writing the load records", self):
            batch: list[dict[str, Any]] = []
            for row in level_request_rows(self.run_id, level, self._t0):
                batch.append(row)
                if len(batch) >= batch_rows:
                    written += _insert(store, batch)
                    self.rows += len(batch)
                    batch = []
            # The level's last rows and the heartbeat in one transaction: a level is stored
            # whole before the run says so.
            with store.engine.begin() as connection:
                if batch:
                    connection.execute(insert(_TABLE), batch)
                connection.execute(
                    update(_RUNS).where(_RUNS.c.id == self.run_id),
                    {"heartbeat_at": datetime.now(UTC)},
                )
            written += len(batch)
            self.rows += len(batch)
        self.written.add(level.index)
        return written

    def finish(
        self,
        load: LoadResult,
        *,
        run_values: dict[str, Any] | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> int:
        """Store the levels not stored yet, then the run's final values (status, verdict…)."""
        if self._t0 is None:
            self._t0 = load_origin_ns(load.levels)
        written = sum(self.level(level, batch_rows=batch_rows) for level in load.levels)
        if run_values:
            with (
                _failing(self.store, "finishing the load run", self),
                self.store.engine.begin() as connection,
            ):
                connection.execute(update(_RUNS).where(_RUNS.c.id == self.run_id), run_values)
        return written


@contextlib.contextmanager
def _failing(store: Store, what: str, writer: LoadRecordWriter) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise StoreError(
            f"{what} in the store {store.url} failed ({line}); "
            f"{writer.rows} request rows were written"
        ) from None


def record_load(
    store: Store,
    run_id: str,
    load: LoadResult,
    *,
    batch_rows: int = BATCH_ROWS,
    run_values: dict[str, Any] | None = None,
) -> int:
    """Write every request of ``load`` under ``run_id``; returns the rows written.

    When ``runs`` has no row ``run_id`` yet (``golive load`` alone) one is created with
    ``kind="load"``, status ``finished`` and ``run_values`` (status, verdict, summary_json…).

    Raises:
        StoreError: the database refused the rows (the message names the store).
    """
    writer = LoadRecordWriter(
        store, run_id, run_values={"status": "finished", **(run_values or {})}
    )
    return writer.finish(load, batch_rows=batch_rows)


def _insert(store: Store, rows: list[dict[str, Any]]) -> int:
    with store.engine.begin() as connection:
        connection.execute(insert(_TABLE), rows)
    return len(rows)


def read_load_requests(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Every stored request of ``run_id``, by level then ``seq``."""
    stmt = select(_TABLE).where(_TABLE.c.run_id == run_id).order_by(_TABLE.c.level, _TABLE.c.seq)
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(stmt)]


def storing_levels(writer: LoadRecordWriter, console: Console | None) -> Subscriber:
    """A subscriber that stores each finished level's records (``LevelFinished``). A refused
    write is said and retried once the load test ends (``LoadRecordWriter.finish``)."""

    def finished(event: Event) -> None:
        if not isinstance(event, LevelFinished):
            return
        try:
            writer.level(event.level)
        except StoreError as exc:
            if console is not None:
                console.print(f"[yellow]{exc}; retried at the end[/]", highlight=False)

    return finished
