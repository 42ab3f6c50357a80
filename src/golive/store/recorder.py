"""Write a run to the store as it happens, so a killed process keeps what it finished.

``StoreRecorder`` is an event-bus subscriber. Subscribers run on the engine's event loop, so
``recorder(event)`` only enqueues; one writer thread commits each item as soon as it is taken
(batching only what is already queued), never waiting for more. While a run is live the
writer also refreshes ``runs.heartbeat_at``, which is how readers tell a live run from one
whose process was killed (see ``queries.effective_status``). A run still unfinished when the
recorder closes is marked ``interrupted`` after Ctrl-C or SIGTERM, else ``failed``.
"""

from __future__ import annotations

import atexit
import contextlib
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, update
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

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

__all__ = ["HEARTBEAT_S", "StoreRecorder", "mark_interrupted"]

HEARTBEAT_S = 30.0  # a live recorder touches its run at least this often
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


class StoreRecorder:
    """Subscribe with ``bus.subscribe(recorder)``; call ``close()`` when the run is over.

    Args:
        store: an open ``Store`` (left open at close) or a URL (opened here, disposed at close).
        heartbeat_s: how often an idle live run is touched; readers treat a run silent for
            four times this long as interrupted.
        git: record the working directory's git commit and branch with each run.
    """

    def __init__(
        self,
        store: Store | str | None = None,
        *,
        heartbeat_s: float = HEARTBEAT_S,
        git: bool = True,
        batch_max: int = 500,
    ) -> None:
        self._owns_store = not isinstance(store, Store)
        self.store = store if isinstance(store, Store) else open_store(store)
        self._heartbeat_s = heartbeat_s
        self._git = git
        self._batch_max = batch_max
        self._queue: queue.SimpleQueue[_Write | _Signal] = queue.SimpleQueue()
        self._run_id: str | None = None
        self._live: set[str] = set()  # writer thread only: runs started and not finished
        self._last_beat = 0.0
        self._errors: list[StoreError] = []
        self._closed = False
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
        self._queue.put(_Write(event, datetime.now(UTC)))

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

    def close(self, summary: Mapping[str, Any] | None = None, *, timeout: float = 60.0) -> None:
        """Write what is queued (and ``summary``), stop the writer, release the store.

        A run that started but never finished is marked ``interrupted`` when the process was
        interrupted (Ctrl-C, SIGTERM), else ``failed`` (the caller crashed).

        Raises:
            StoreError: a write failed, or the writer could not finish within ``timeout``.
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
            raise StoreError(
                f"the store {self.store.url} did not accept the run's last results within "
                f"{timeout:.0f} s; check the database's health (some results may be missing)"
            )
        self._thread.join()
        if self._owns_store:
            self.store.dispose()
        if self._errors:
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
            self._live.add(event.run_id)
            return [(_RUNS, run_row(event, now, git=self._git))]
        if isinstance(event, RunFinished):
            self._live.discard(event.result.run_id)
            return [(None, _finish(event, now))]
        return []

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
        if beat:
            ops = [*ops, (None, self._beat)]
        try:
            with self.store.engine.begin() as connection:
                _execute(connection, ops)
        except OperationalError as exc:  # the database itself is unwell: retrying each won't help
            self._record(exc)
            return
        except SQLAlchemyError:
            # One bad row must not cost the others: write them one by one, keep the failures.
            for op in ops:
                try:
                    with self.store.engine.begin() as connection:
                        _execute(connection, [op])
                except SQLAlchemyError as exc:
                    self._record(exc)
        if beat:
            self._last_beat = time.monotonic()

    def _beat(self, connection: Connection) -> None:
        connection.execute(
            update(_RUNS).where(_RUNS.c.id.in_(sorted(self._live)), _RUNS.c.status == "running"),
            {"heartbeat_at": datetime.now(UTC)},
        )

    def _record(self, exc: BaseException) -> None:
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        line = (str(reason).strip().splitlines() or [type(exc).__name__])[0][:300]
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
