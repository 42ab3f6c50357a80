"""The proxy's exchange log in the store: ``golive proxy`` hands a ``StoreExchangeLog`` to
``GuardProxy`` as its ``ExchangeLog``; each exchange becomes a ``proxy_exchanges`` row, queued
on the event loop and written in batches by one thread.

The proxy never waits on disk: ``put`` only enqueues. The writer collects rows for up to
``linger_s`` after the first (or ``batch_max`` rows) and commits them in one transaction: one
row per commit cost ~300 us of CPU under the GIL the event loop needs, 32 per commit ~75 us
each. ``flush`` and ``close`` write at once. A failing database costs the log, never a
request: errors are counted and the first is kept for ``close``'s report.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import SQLAlchemyError

from golive.store._sanitize import clean_text, drop_secrets
from golive.store.engine import Store, open_store
from golive.store.models import ProxyExchangeRecord

if TYPE_CHECKING:
    from golive.guard.proxy import Exchange

__all__ = ["StoreExchangeLog"]

_TABLE: Table = ProxyExchangeRecord.__table__  # type: ignore[assignment]
_STOP = object()


class StoreExchangeLog:
    """``put(exchange)`` from the event loop; ``close()`` flushes and stops the writer.

    Args:
        store: a Store (left open by ``close``), a store URL, or None for the default store.

    Raises:
        StoreOpenError: the store cannot be opened (a bad URL, a database that is down).
    """

    def __init__(self, store: Store | str | None, *, batch_max: int = 500,
                 linger_s: float = 0.25) -> None:  # fmt: skip
        self._owns_store = not isinstance(store, Store)
        self.store = store if isinstance(store, Store) else open_store(store)
        self._batch_max = batch_max
        self._linger_s = linger_s
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.written = 0
        self.failed = 0
        self.first_error: str | None = None
        self._thread = threading.Thread(target=self._work, name="golive-proxy-log", daemon=True)
        self._thread.start()

    def put(self, exchange: Exchange) -> None:
        self._queue.put(exchange.row())  # its values now: the proxy is done with it

    def flush(self) -> None:
        """Block until every row queued so far is written (for tests and shutdown)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self._owns_store:
            self.store.dispose()

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            batch: list[dict[str, Any]] = []
            signals: list[Any] = []
            deadline = time.monotonic() + self._linger_s
            while True:
                if isinstance(item, dict):
                    batch.append(_clean(item))
                else:
                    signals.append(item)  # flush or close: write what there is now
                if len(batch) >= self._batch_max or signals:
                    break
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            if batch:
                self._write(batch)
            for sig in signals:
                if isinstance(sig, threading.Event):
                    sig.set()
            if any(s is _STOP for s in signals):
                return

    def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            with self.store.engine.begin() as connection:
                connection.execute(insert(_TABLE), batch)
            self.written += len(batch)
        except SQLAlchemyError as exc:
            self.failed += len(batch)
            if self.first_error is None:
                self.first_error = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    # The store's own last line of defence: hostile text repaired, secret-shaped values dropped.
    out = dict(row)
    for key in ("input_text", "output_text", "model"):
        if isinstance(out.get(key), str):
            out[key] = clean_text(out[key])
    out["decisions_json"] = drop_secrets(out.get("decisions_json"))
    return out
