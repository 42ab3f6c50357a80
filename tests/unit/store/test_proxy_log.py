"""The proxy's exchange log in a real store (SQLite, and PostgreSQL when one is given):
batched commits, flush, close, cleaning, a failing store."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import event, func, select

from golive.guard.proxy import Exchange
from golive.store.engine import open_store
from golive.store.models import ProxyExchangeRecord
from golive.store.proxy_log import StoreExchangeLog

TABLE = ProxyExchangeRecord.__table__


def _row(i: int) -> Exchange:
    return Exchange(stream=True, status=200, upstream_status=200, outcome="allowed",
                    input_text=f"question {i}", output_text="answer", model="m",
                    upstream_ms=1.0, ttft_ms=2.0, latency_ms=3.0,
                    created_at=datetime.now(UTC))  # fmt: skip


def _count(url: str) -> int:
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(TABLE)).scalar_one())
    finally:
        store.dispose()


def test_rows_that_arrive_together_are_one_commit(store_url: str) -> None:
    url = store_url
    log = StoreExchangeLog(url, linger_s=30.0)  # only flush can end this batch early
    commits: list[int] = []
    event.listen(log.store.engine, "commit", lambda conn: commits.append(1))
    for i in range(40):
        log.put(_row(i))
    log.flush()
    assert len(commits) == 1
    assert _count(url) == 40
    log.close()


def test_rows_are_written_within_the_linger_without_a_flush(store_url: str) -> None:
    url = store_url
    log = StoreExchangeLog(url, linger_s=0.05)
    committed = threading.Event()
    event.listen(log.store.engine, "commit", lambda conn: committed.set())
    for i in range(3):
        log.put(_row(i))
    assert committed.wait(10)  # the linger ran out and the writer committed by itself
    assert 1 <= _count(url) <= 3  # all three, unless a slow machine split them over commits
    log.close()
    assert _count(url) == 3


def test_close_writes_what_is_still_queued(store_url: str) -> None:
    url = store_url
    log = StoreExchangeLog(url, linger_s=30.0)
    for i in range(5):
        log.put(_row(i))
    log.close()
    assert _count(url) == 5 and log.failed == 0


def test_the_row_is_the_exchange_as_it_was_when_put(store_url: str) -> None:
    url = store_url
    log = StoreExchangeLog(url, linger_s=30.0)
    exchange = _row(0)
    log.put(exchange)
    exchange.outcome, exchange.input_text = "changed", "changed later"
    log.close()
    store = open_store(url)
    with store.engine.connect() as c:
        (row,) = c.execute(select(TABLE)).all()
    store.dispose()
    assert (row.outcome, row.input_text) == ("allowed", "question 0")


def test_hostile_text_is_repaired_and_secrets_dropped(store_url: str) -> None:
    url = store_url
    log = StoreExchangeLog(url)
    exchange = _row(0)
    exchange.input_text = "a\x00b\ud800c"
    exchange.decisions_json = [{"guard": "pii", "reasons": ["sk-" + "a1B2" * 8]}]
    log.put(exchange)
    log.close()
    store = open_store(url)
    with store.engine.connect() as c:
        (row,) = c.execute(select(TABLE)).all()
    store.dispose()
    assert "\x00" not in row.input_text and "\ud800" not in row.input_text
    assert "a1B2a1B2" not in str(row.decisions_json)


def test_a_failing_store_costs_the_rows_never_the_caller(store_url: str) -> None:
    url = store_url
    log = StoreExchangeLog(url, linger_s=30.0)
    with log.store.engine.begin() as c:
        c.exec_driver_sql("DROP TABLE proxy_exchanges")  # every write from now on fails
    for i in range(3):
        log.put(_row(i))  # never raises: the proxy's request goes on
    log.flush()
    assert (log.written, log.failed) == (0, 3)
    assert log.first_error is not None and "proxy_exchanges" in log.first_error
    log.close()
