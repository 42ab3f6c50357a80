"""Write a run to the store as it happens, so a killed process keeps what it finished.

``StoreRecorder`` is an event-bus subscriber. Subscribers run on the engine's event loop, so
``recorder(event)`` only enqueues; one writer thread commits each item as soon as it is taken
(batching only what is already queued), never waiting for more. While a run is live the
writer also refreshes ``runs.heartbeat_at``, which is how readers tell a live run from one
whose process was killed (see ``queries.effective_status``). A run still unfinished when the
recorder closes is marked ``interrupted`` after Ctrl-C or SIGTERM, else ``failed``.

A write the database refuses for a reason that may pass (a connection lost, a server
restarting, a full disk) is retried with backoff for up to ``retry_s`` (30 s by default,
``GOLIVE_STORE_RETRY_S``) per batch. Past that the recorder gives up on the batch: its rows go
to the ``spill`` file (JSON lines, ``{"table": ..., "row": {...}}``), later batches get one try
each, and ``account(run_id)`` tells the caller how many observations the store holds of those
it was given, so the run can be reported whole and marked ``incomplete``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import queue
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, insert, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from golive import _interrupt
from golive.errors import StoreError
from golive.events import CaseFinished, Event, ObservationRecorded, RunFinished, RunStarted
from golive.store._rows import (
    case_result_row,
    finished_values,
    observation_row,
    run_row,
)
from golive.store._sanitize import drop_secrets
from golive.store.engine import Store, open_store
from golive.store.models import CaseResultRecord, ObservationRecord, RunRecord

__all__ = [
    "HEARTBEAT_S",
    "RETRY_ENV",
    "RETRY_S",
    "StoreAccount",
    "StoreRecorder",
    "mark_interrupted",
]

HEARTBEAT_S = 30.0  # a live recorder touches its run at least this often
RETRY_S = 30.0  # how long one batch is retried while the database refuses it
RETRY_ENV = "GOLIVE_STORE_RETRY_S"
_FIRST_PAUSE_S, _MAX_PAUSE_S = 0.1, 2.0  # backoff between retries: doubling, capped
_BEAT_WHILE_BUSY_S = 5.0  # and at most this often while observations flow
_RUNS: Table = RunRecord.__table__  # type: ignore[assignment]
_OBSERVATIONS: Table = ObservationRecord.__table__  # type: ignore[assignment]
_CASE_RESULTS: Table = CaseResultRecord.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class _Write:
    event: Event | None
    at: datetime
    summary: tuple[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class _Signal:
    done: threading.Event
    stop: bool = False


_Op = tuple[Table | None, Any]  # (table, row) for an insert; (None, callable) for anything else


@dataclass(frozen=True, slots=True)
class StoreAccount:
    """What the store holds of one run's observations, after a ``flush``.

    ``observed``: observations the recorder was given; ``stored``: those committed;
    ``unstored_file``: where the rows the store refused went (None when nothing was spilled
    or the file could not be written); ``error``: the first failed write, one line, or None.
    """

    observed: int
    stored: int
    unstored_file: Path | None
    error: str | None

    @property
    def complete(self) -> bool:
        """Every write for the run succeeded."""
        return self.error is None and self.stored >= self.observed


def retry_seconds(value: str | None = None) -> float:
    """The retry budget per batch: ``value`` (else ``$GOLIVE_STORE_RETRY_S``) in seconds, or
    ``RETRY_S`` when unset or not a non-negative finite number."""
    raw = value if value is not None else os.environ.get(RETRY_ENV)
    try:
        seconds = float(raw) if raw is not None else RETRY_S
    except ValueError:
        return RETRY_S
    return seconds if math.isfinite(seconds) and seconds >= 0 else RETRY_S


class StoreRecorder:
    """Subscribe with ``bus.subscribe(recorder)``; call ``close()`` when the run is over.

    Args:
        store: an open ``Store`` (left open at close) or a URL (opened here, disposed at close).
        heartbeat_s: how often an idle live run is touched; readers treat a run silent for
            four times this long as interrupted.
        git: record the working directory's git commit and branch with each run.
        retry_s: how long a batch the database refuses is retried (see the module docstring);
            default ``$GOLIVE_STORE_RETRY_S``, else 30 s.
        spill: the JSON-lines file where rows the store refused go (created on first use).
        warn: called (from the writer thread) with one line when writes start failing, when
            the recorder gives up on a batch, and when the store recovers.
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        heartbeat_s: float = HEARTBEAT_S,
        git: bool = True,
        batch_max: int = 500,
        retry_s: float | None = None,
        spill: Path | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self._owns_store = not isinstance(store, Store)
        self.store = store if isinstance(store, Store) else open_store(store)
        self._heartbeat_s = heartbeat_s
        self._git = git
        self._batch_max = batch_max
        self._queue: queue.SimpleQueue[_Write | _Signal] = queue.SimpleQueue()
        self._run_id: str | None = None
        self._live: set[str] = set()  # writer thread only: runs started and not finished
        self._seen: set[str] = set()  # writer thread only: every run written here
        self._last_beat = 0.0
        self._errors: list[StoreError] = []
        self._closed = False
        self._retry_s = retry_seconds() if retry_s is None else retry_s
        self._spill = spill
        self._spilled_to: Path | None = None  # set once a row went there
        self._warn = warn or (lambda line: None)
        self._gave_up = False  # on a batch once: later ones get one try each, never a wait
        self._failing = False  # the last write failed (to say once when the store recovers)
        self._reasons: list[str] = []  # the database's own line for each failed write
        self._observed: Counter[str] = Counter()  # caller's thread
        self._stored: Counter[str] = Counter()  # writer thread
        self._thread = threading.Thread(target=self._work, name="golive-store-writer", daemon=True)
        self._thread.start()
        atexit.register(self._close_at_exit)

    @property
    def run_id(self) -> str | None:
        """The run last started through this recorder."""
        return self._run_id

    @property
    def errors(self) -> tuple[StoreError, ...]:
        """Writes that failed so far (``close`` raises the first)."""
        return tuple(self._errors)

    def __call__(self, event: Event) -> None:
        """The subscriber: enqueue ``event`` for the writer thread and return at once."""
        if self._closed:
            raise RuntimeError("StoreRecorder is closed")
        if isinstance(event, RunStarted):
            self._run_id = event.run_id
        elif isinstance(event, ObservationRecorded):
            self._observed[event.run_id] += 1
        self._queue.put(_Write(event, datetime.now(UTC)))

    def account(self, run_id: str) -> StoreAccount:
        """How many of ``run_id``'s observations the store holds; ``flush()`` first for the
        count of everything given so far."""
        # A recorder serves one run at a time in practice: any failed write counts against it.
        return StoreAccount(
            observed=self._observed[run_id],
            stored=self._stored[run_id],
            unstored_file=self._spilled_to,
            error=f"{self.store.url}: {self._reasons[0]}" if self._reasons else None,
        )

    def record_error(self, error: StoreError) -> None:
        """Count a failed write made beside the recorder (load records) as one of its own."""
        self._errors.append(error)
        self._reasons.append(str(error))

    def set_summary(self, summary: Mapping[str, Any], run_id: str | None = None) -> None:
        """Store the run's JSON summary (``summary.json``); call it after ``RunFinished``.

        ``run_id`` defaults to ``summary["run_id"]``, else the run last started here.
        """
        if self._closed:
            raise RuntimeError("StoreRecorder is closed")
        target = run_id or summary.get("run_id") or self._run_id
        if not isinstance(target, str):
            raise ValueError("set_summary: no run to attach the summary to")
        self._queue.put(_Write(None, datetime.now(UTC), (target, summary)))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything enqueued so far is committed; False on timeout."""
        if not self._thread.is_alive():
            return self._queue.empty()
        done = threading.Event()
        self._queue.put(_Signal(done))
        return done.wait(timeout)

    def close(
        self,
        summary: Mapping[str, Any] | None = None,
        *,
        timeout: float = 60.0,
        raise_errors: bool = True,
    ) -> None:
        """Write what is queued (and ``summary``), stop the writer, release the store.

        A run that started but never finished is marked ``interrupted`` when the process was
        interrupted (Ctrl-C, SIGTERM), else ``failed`` (the caller crashed).

        Raises:
            StoreError: a write failed, or the writer could not finish within ``timeout``
                (unless ``raise_errors`` is False: the caller has read ``account`` and
                reported what the store lacks).
        """
        if self._closed:
            return
        if summary is not None:
            self.set_summary(summary)
        self._closed = True
        atexit.unregister(self._close_at_exit)
        done = threading.Event()
        self._queue.put(_Signal(done, stop=True))
        if not done.wait(timeout):
            if not raise_errors:
                return
            raise StoreError(
                f"the store {self.store.url} did not accept the run's last results within "
                f"{timeout:.0f} s; check the database's health (some results may be missing)"
            )
        self._thread.join()
        if self._owns_store:
            self.store.dispose()
        if self._errors and raise_errors:
            raise self._errors[0]

    def __enter__(self) -> StoreRecorder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writer thread -------------------------------------------------------------------

    def _work(self) -> None:
        # Signals go to the main thread, whose handler decides what an interrupt stops.
        with contextlib.suppress(AttributeError, ValueError, OSError):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        while True:
            try:
                first = self._queue.get(timeout=self._heartbeat_s)
            except queue.Empty:
                self._commit([], force_beat=True)
                continue
            batch = [first]
            while len(batch) < self._batch_max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            writes = [item for item in batch if isinstance(item, _Write)]
            signals = [item for item in batch if isinstance(item, _Signal)]
            stop = any(s.stop for s in signals)
            if any(item.summary is not None for item in writes):
                _interrupt.pause_at("store")  # test seam: the run's final state is written now
            try:
                ops = [op for item in writes for op in self._ops(item)]
                if stop:
                    ops.extend(self._fail_unfinished())
                self._commit(ops)
            except Exception as exc:  # a bug here must not kill the thread and hang close()
                self._record(exc)
            if stop and self._errors:
                self._mark_incomplete()
            for waiting in signals:
                waiting.done.set()
            if stop:
                return

    def _ops(self, item: _Write) -> list[_Op]:
        event, now = item.event, item.at
        if item.summary is not None:
            run_id, summary = item.summary
            values = {"summary_json": drop_secrets(summary)}
            return [(None, lambda c: c.execute(update(_RUNS).where(_RUNS.c.id == run_id), values))]
        if isinstance(event, ObservationRecorded):
            return [(_OBSERVATIONS, observation_row(event, now))]
        if isinstance(event, CaseFinished):
            return [(_CASE_RESULTS, case_result_row(event, now))]
        if isinstance(event, RunStarted):
            self._seen.add(event.run_id)
            self._live.add(event.run_id)
            return [(_RUNS, run_row(event, now, git=self._git))]
        if isinstance(event, RunFinished):
            self._seen.add(event.result.run_id)
            self._live.discard(event.result.run_id)
            return [(None, _finish(event, now))]
        return []

    def _mark_incomplete(self) -> None:
        """At close, after a failed write: a small update, in case the run's final state (a
        larger write) was refused too, so the store does not call finished a run it lacks
        results of. One try; the caller reports the shortfall either way."""
        stmt = update(_RUNS).where(
            _RUNS.c.id.in_(sorted(self._seen)), _RUNS.c.status.in_(("running", "finished"))
        )
        with contextlib.suppress(SQLAlchemyError):
            self._transact([(None, lambda c: c.execute(stmt, {"status": "incomplete"}))])

    def _fail_unfinished(self) -> list[_Op]:
        ops: list[_Op] = []
        now = datetime.now(UTC)
        status = "interrupted" if _interrupt.requested() else "failed"
        for run_id in sorted(self._live):
            values = {"status": status, "finished_at": now, "heartbeat_at": now}
            stmt = update(_RUNS).where(_RUNS.c.id == run_id, _RUNS.c.status == "running")
            ops.append((None, lambda c, s=stmt, v=values: c.execute(s, v)))
        self._live.clear()
        return ops

    def _commit(self, ops: list[_Op], *, force_beat: bool = False) -> None:
        due = force_beat or time.monotonic() - self._last_beat >= _BEAT_WHILE_BUSY_S
        beat = bool(self._live) and due
        if not ops and not beat:
            return
        if not ops:  # only a heartbeat: a failed one loses nothing, the next one tries again
            with contextlib.suppress(SQLAlchemyError):
                self._transact([(None, self._beat)])
                self._last_beat = time.monotonic()
            return
        if beat:
            ops = [*ops, (None, self._beat)]
        try:
            self._transact_retrying(ops)
        except SQLAlchemyError as exc:
            if _transient(exc):  # the database itself is unwell: each row alone won't help
                self._give_up(ops, exc)
                return
            # One bad row must not cost the others: write them one by one, keep the failures.
            for op in ops:
                try:
                    self._transact([op])
                except SQLAlchemyError as one:
                    self._give_up([op], one)
                else:
                    self._count_stored([op])
        else:
            self._count_stored(ops)
        if beat:
            self._last_beat = time.monotonic()

    def _transact(self, ops: list[_Op]) -> None:
        with self.store.engine.begin() as connection:
            _execute(connection, ops)

    def _transact_retrying(self, ops: list[_Op]) -> None:
        """Commit ``ops`` in one transaction, retried with backoff for ``retry_s`` while the
        database refuses them for a reason that may pass. The transaction commits whole or
        not at all, so a retry never writes a row twice."""
        deadline: float | None = None
        pause = _FIRST_PAUSE_S
        while True:
            try:
                self._transact(ops)
            except SQLAlchemyError as exc:
                self._failing = True
                if not _transient(exc) or self._gave_up:
                    raise  # after giving up once: one try per batch, never a wait
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self._retry_s
                    self._warn(
                        f"writing to the store {self.store.url} failed ({_reason(exc)}); "
                        f"retrying for up to {self._retry_s:g} s"
                    )
                if now + pause > deadline:
                    raise
                time.sleep(pause)  # backoff: the writer thread waits, the run goes on
                pause = min(pause * 2, _MAX_PAUSE_S)
            else:
                if self._failing and not self._gave_up:  # after giving up: the caller says it
                    self._warn(f"the store {self.store.url} accepts writes again")
                self._failing = False
                return

    def _count_stored(self, ops: list[_Op]) -> None:
        for table, row in ops:
            if table is _OBSERVATIONS:
                self._stored[row["run_id"]] += 1

    def _give_up(self, ops: list[_Op], exc: BaseException) -> None:
        """The store refused ``ops`` for good: record why, keep their rows in the spill file."""
        first = not self._gave_up and _transient(exc)
        self._gave_up = self._gave_up or _transient(exc)
        self._record(exc)
        rows = [(table, row) for table, row in ops if table is not None]
        spilled = self._write_spill(rows)
        if first:
            where = f"they go to {spilled}" if spilled else "the reports will hold them"
            self._warn(
                f"the store {self.store.url} still refuses writes after {self._retry_s:g} s "
                f"({_reason(exc)}); giving up on it for this run's unstored results: {where}"
            )

    def _write_spill(self, rows: list[tuple[Table, dict[str, Any]]]) -> Path | None:
        if not rows or self._spill is None:
            return self._spilled_to
        try:
            self._spill.parent.mkdir(parents=True, exist_ok=True)
            with self._spill.open("a", encoding="utf-8") as out:
                for table, row in rows:
                    line = {"table": table.name, "row": row}
                    out.write(json.dumps(line, default=_jsonable, ensure_ascii=False) + "\n")
        except OSError as exc:
            self._warn(f"cannot write the unstored results to {self._spill} ({exc.strerror})")
            return self._spilled_to
        self._spilled_to = self._spill
        return self._spilled_to

    def _beat(self, connection: Connection) -> None:
        connection.execute(
            update(_RUNS).where(_RUNS.c.id.in_(sorted(self._live)), _RUNS.c.status == "running"),
            {"heartbeat_at": datetime.now(UTC)},
        )

    def _record(self, exc: BaseException) -> None:
        line = _reason(exc)
        self._reasons.append(line)
        self._errors.append(
            StoreError(
                f"writing to the store {self.store.url} failed ({line}); the run's "
                "results there are incomplete: check the database and rerun"
            )
        )

    def _close_at_exit(self) -> None:
        try:
            self.close(timeout=10.0)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)


def mark_interrupted(store: Store, run_id: str, summary: Mapping[str, Any]) -> None:
    """Mark a stored run ``interrupted`` with its (interrupted) summary: for an interrupt that
    arrived after the run's last results were written.

    Raises:
        StoreError: the database refused the update.
    """
    values = {"status": "interrupted", "summary_json": drop_secrets(summary)}
    try:
        with store.engine.begin() as connection:
            connection.execute(update(_RUNS).where(_RUNS.c.id == run_id), values)
    except SQLAlchemyError as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise StoreError(
            f"marking the run {run_id} interrupted in the store {store.url} failed ({line})"
        ) from None


def _reason(exc: BaseException) -> str:
    """The database's own first line about ``exc``."""
    reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return (str(reason).strip().splitlines() or [type(exc).__name__])[0][:300]


def _transient(exc: BaseException) -> bool:
    """Whether the database refused for a reason that may pass: the server gone or restarting,
    a connection lost, a lock held, a full disk (not a row it will never accept)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _execute(connection: Connection, ops: list[_Op]) -> None:
    """Run ``ops`` in order, sending consecutive inserts into one table as one executemany."""
    pending: list[dict[str, Any]] = []
    pending_table: Table | None = None
    for table, payload in [*ops, (None, None)]:
        if pending and (table is not pending_table):
            connection.execute(insert(pending_table), pending)  # type: ignore[arg-type]
            pending = []
        if table is not None:
            pending_table = table
            pending.append(payload)
        elif payload is not None:
            payload(connection)


def _finish(event: RunFinished, now: datetime) -> Callable[[Connection], None]:
    result = event.result
    values = finished_values(result)
    fallback = values.pop("fallback_summary")

    def run(connection: Connection) -> None:
        where = _RUNS.c.id == result.run_id
        updated = connection.execute(update(_RUNS).where(where), values)
        if updated.rowcount == 0:  # subscribed after RunStarted: still record the run
            connection.execute(
                insert(_RUNS),
                {
                    "id": result.run_id,
                    "kind": "eval",
                    "target_json": drop_secrets(result.target),
                    "config_json": drop_secrets(result.config),
                    **values,
                },
            )
        connection.execute(
            update(_RUNS).where(where, _RUNS.c.summary_json.is_(None)), {"summary_json": fallback}
        )

    return run
