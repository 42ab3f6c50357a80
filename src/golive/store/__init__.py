"""The results store: runs and their observations in SQLite (default) or PostgreSQL,
written incrementally by ``StoreRecorder`` and read back by the query functions; the guard
proxy's exchanges, written by ``StoreExchangeLog``."""

from golive.store.engine import DEFAULT_STORE, Store, mask_url, open_store
from golive.store.proxy_log import StoreExchangeLog
from golive.store.queries import (
    STALE_AFTER_S,
    ObservationRow,
    RunRow,
    effective_status,
    get_run,
    list_runs,
    load_observations,
)
from golive.store.recorder import HEARTBEAT_S, StoreRecorder

__all__ = [
    "DEFAULT_STORE",
    "HEARTBEAT_S",
    "STALE_AFTER_S",
    "ObservationRow",
    "RunRow",
    "Store",
    "StoreExchangeLog",
    "StoreRecorder",
    "effective_status",
    "get_run",
    "list_runs",
    "load_observations",
    "mask_url",
    "open_store",
]
