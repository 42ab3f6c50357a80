"""Per-request raw records of a load test in the store (``load_requests``), written in batches.

Times are stored as µs after the earliest scheduled request of the load test, so rows from
different levels share one time axis and no process-specific ``perf_counter`` value leaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import SQLAlchemyError

from golive.errors import StoreError
from golive.store.engine import Store
from golive.store.models import LoadRequestRecord, RunRecord

if TYPE_CHECKING:
    from golive.load.records import LoadResult

__all__ = ["BATCH_ROWS", "load_request_rows", "read_load_requests", "record_load"]

BATCH_ROWS = 5_000  # rows per INSERT … executemany: one transaction each
_TABLE: Table = LoadRequestRecord.__table__  # type: ignore[assignment]
_RUNS: Table = RunRecord.__table__  # type: ignore[assignment]


def load_request_rows(run_id: str, load: LoadResult) -> Iterator[dict[str, Any]]:
    """The rows of every request of every level of ``load``, in level then schedule order."""
    starts = [r.t_sched_ns for lv in load.levels for r in lv.records]
    t0 = min(starts) if starts else 0
    for level in load.levels:
        for seq, r in enumerate(level.records):
            c = r.chunk_times_ns
            ok = bool(c) and r.error is None
            yield {
                "run_id": run_id,
                "level": level.index,
                "concurrency": level.concurrency,
                "rate": level.rate,
                "seq": seq,
                "t_sched_us": (r.t_sched_ns - t0) // 1000,
                "t_send_us": (r.t_send_ns - t0) // 1000,
                "t_end_us": (r.t_end_ns - t0) // 1000,
                "ttft_ms": (c[0] - r.t_send_ns) / 1e6 if c else None,
                "ttft_from_schedule_ms": (c[0] - r.t_sched_ns) / 1e6 if c else None,
                "e2e_ms": (c[-1] - r.t_send_ns) / 1e6 if ok else None,
                "chunks": len(c),
                "output_tokens": r.output_tokens,
                "token_source": r.token_source,
                "error_mode": r.error.value if r.error is not None else None,
                "warmup": r.warmup,
                "prompt_index": r.prompt_index,
            }


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
    ``kind="load"`` and ``run_values`` (status, verdict, summary_json…).

    Raises:
        StoreError: the database refused the rows (the message names the store).
    """
    written = 0
    try:
        with store.engine.begin() as connection:
            exists = connection.execute(select(_RUNS.c.id).where(_RUNS.c.id == run_id)).first()
            if exists is None:
                now = datetime.now(UTC)
                values = {"status": "finished", "started_at": now, "heartbeat_at": now}
                values.update(run_values or {})
                connection.execute(insert(_RUNS), {"id": run_id, "kind": "load", **values})
        batch: list[dict[str, Any]] = []
        for row in load_request_rows(run_id, load):
            batch.append(row)
            if len(batch) >= batch_rows:
                written += _insert(store, batch)
                batch = []
        if batch:
            written += _insert(store, batch)
    except SQLAlchemyError as exc:
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise StoreError(
            f"writing the load records to the store {store.url} failed ({line}); "
            f"{written} of them were written"
        ) from None
    return written


def _insert(store: Store, rows: list[dict[str, Any]]) -> int:
    with store.engine.begin() as connection:
        connection.execute(insert(_TABLE), rows)
    return len(rows)


def read_load_requests(store: Store, run_id: str) -> list[dict[str, Any]]:
    """Every stored request of ``run_id``, by level then ``seq``."""
    stmt = select(_TABLE).where(_TABLE.c.run_id == run_id).order_by(_TABLE.c.level, _TABLE.c.seq)
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(stmt)]
