"""The proxy's exchange log on a real SQLite store: batched commits, flush, close."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from golive.guard._proxy_store import ExchangeLog
from golive.store.engine import open_store
from golive.store.models import ProxyExchangeRecord

TABLE = ProxyExchangeRecord.__table__


def _row(i: int) -> dict[str, Any]:
    return {"path": "/v1/chat/completions", "stream": True, "status": 200,
            "upstream_status": 200, "input_action": "allow", "output_action": "allow",
            "input_text": f"question {i}", "output_text": "answer", "model": "m",
            "decisions_json": [], "upstream_ms": 1.0, "ttft_ms": 2.0, "outcome": "allowed",
            "latency_ms": 3.0, "created_at": datetime.now(UTC)}  # fmt: skip


def _count(url: str) -> int:
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(TABLE)).scalar_one())
    finally:
        store.dispose()


def test_rows_that_arrive_together_are_one_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/log.db"
    log = ExchangeLog(url, linger_s=30.0)  # only flush can end this batch early
    commits: list[int] = []
    event.listen(log.store.engine, "commit", lambda conn: commits.append(1))
    for i in range(40):
        log.put(_row(i))
    log.flush()
    assert len(commits) == 1
    assert _count(url) == 40
    log.close()


def test_rows_are_written_within_the_linger_without_a_flush(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/log.db"
    log = ExchangeLog(url, linger_s=0.05)
    committed = threading.Event()
    event.listen(log.store.engine, "commit", lambda conn: committed.set())
    for i in range(3):
        log.put(_row(i))
    assert committed.wait(10)  # the linger ran out and the writer committed by itself
    assert 1 <= _count(url) <= 3  # all three, unless a slow machine split them over commits
    log.close()
    assert _count(url) == 3


def test_close_writes_what_is_still_queued(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/log.db"
    log = ExchangeLog(url, linger_s=30.0)
    for i in range(5):
        log.put(_row(i))
    log.close()
    assert _count(url) == 5 and log.failed == 0
