"""``golive proxy --workers``: each spawned worker builds its own exchange log from the
picklable factory it is sent, so every worker's exchanges reach the store."""

from __future__ import annotations

import asyncio
import functools
import os
import queue
import re
import signal
import threading
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from golive.errors import TargetSetupError
from golive.guard._proxy_workers import WorkerSpec, run_workers
from golive.store.engine import open_store
from golive.store.models import ProxyExchangeRecord
from golive.store.proxy_log import StoreExchangeLog
from servers.app import serving

REPLY = {"id": "c1", "object": "chat.completion", "model": "m",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "Sure."},
                      "finish_reason": "stop"}]}  # fmt: skip
REQUESTS = 12


def _guards(tmp_path: Path) -> Path:
    path = tmp_path / "guard.yaml"
    path.write_text("input: [pii]\noutput: []\n")  # quick to build in each worker
    return path


async def _client(upstream: queue.Queue[str], lines: queue.Queue[str]) -> None:
    """Serve the upstream, send REQUESTS chats through the proxy once it listens (each on
    a new connection, so the kernel spreads them over the workers), then stop one worker:
    the supervisor stops the rest, and each closes its log."""
    app = web.Application()

    async def chat(request: web.Request) -> web.Response:
        return web.json_response(REPLY)

    app.router.add_post("/v1/chat/completions", chat)
    async with serving(app) as port:
        upstream.put(f"http://127.0.0.1:{port}/v1")
        line = await asyncio.to_thread(lines.get, True, 120)
        base = line.split()[2].removesuffix("/v1")  # "golive proxy: URL -> ..."
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            try:
                for i in range(REQUESTS):
                    body = {"model": "m", "messages": [{"role": "user", "content": f"Hi {i}"}]}
                    async with session.post(f"{base}/v1/chat/completions", json=body) as r:
                        assert r.status == 200
            finally:
                async with session.get(f"{base}/health") as r:
                    pid = int((await r.json())["pid"])
                os.kill(pid, signal.SIGTERM)  # a worker, never this process


def test_every_worker_writes_its_exchanges_to_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/p.db"
    upstream: queue.Queue[str] = queue.Queue()
    lines: queue.Queue[str] = queue.Queue()
    failure: list[BaseException] = []

    def client() -> None:
        try:
            asyncio.run(_client(upstream, lines))
        except BaseException as exc:  # handed to the test below
            failure.append(exc)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    log = functools.partial(StoreExchangeLog, url)
    spec = WorkerSpec(upstream.get(timeout=60), _guards(tmp_path), "127.0.0.1", 0, log=log)
    with pytest.raises(TargetSetupError, match="exited"):  # the worker the client stopped
        run_workers(2, spec, lines.put)
    thread.join(60)
    assert not failure, failure
    store = open_store(url)
    try:
        with store.engine.connect() as c:
            table = ProxyExchangeRecord.__table__
            count = c.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        store.dispose()
    assert count == REQUESTS


def test_a_store_a_worker_cannot_open_stops_the_proxy_with_its_reason(tmp_path: Path) -> None:
    log = functools.partial(StoreExchangeLog, "mysql://user@127.0.0.1/db")
    spec = WorkerSpec("http://127.0.0.1:9/v1", _guards(tmp_path), "127.0.0.1", 0, log=log)
    with pytest.raises(TargetSetupError, match=re.escape("mysql://user@127.0.0.1/db")):
        run_workers(1, spec, print)
