"""`golive proxy --workers N`: N real processes on one port, one sum in /metrics, a clean stop."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest
from e2e_helpers import GOLIVE, mock_server_url

__all__ = ["mock_server_url"]  # the fixture, re-exported for pytest

pytestmark = pytest.mark.e2e


@contextmanager
def proxy(upstream: str, workers: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [*GOLIVE, "proxy", "--upstream", upstream, "--port", "0", "--no-store",
         "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until every worker listens (or it failed)
    match = re.search(r"(http://127\.0\.0\.1:\d+)/v1", line)
    if match is None:
        proc.kill()
        raise AssertionError(f"the proxy did not start: {line!r} {proc.stdout.read()}")
    try:
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


async def _pids(base: str, connections: int) -> set[int]:
    """Which worker answered each of ``connections`` new connections."""
    pids = set()
    for _ in range(connections):
        connector = aiohttp.TCPConnector(force_close=True)
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.get(f"{base}/health") as response,
        ):
            pids.add(int((await response.json())["pid"]))
    return pids


async def _chat(base: str, n: int) -> list[int]:
    body = {"model": "nimbus-support-1", "stream": True,
            "messages": [{"role": "user", "content": "How long do refunds take?"}]}  # fmt: skip
    connector = aiohttp.TCPConnector(force_close=True)  # new connections: spread by the kernel
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> int:
            async with session.post(f"{base}/v1/chat/completions", json=body) as response:
                await response.read()
                return response.status

        return await asyncio.gather(*[one() for _ in range(n)])


def _requests_total(text: str) -> float:
    lines = [line for line in text.splitlines() if line.startswith("golive_proxy_requests_total")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


async def _metrics_total(base: str, expected: float, deadline_s: float) -> float:
    """Scrape /metrics until it counts ``expected`` requests: workers share their counters
    every half second, so the sum converges; the deadline bounds the wait."""
    end = time.monotonic() + deadline_s
    total = -1.0
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < end:
            async with session.get(f"{base}/metrics") as response:
                total = _requests_total(await response.text())
            if total >= expected:
                return total
            await asyncio.sleep(0.1)
    return total


async def test_workers_share_the_port_and_the_metrics(mock_server_url: str) -> None:
    with proxy(mock_server_url, workers=2) as (proc, base):
        pids = await _pids(base, 24)
        statuses = await _chat(base, 20)
        total = await _metrics_total(base, 20, deadline_s=10)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    # 24 new connections all landing on one of two workers: odds 2^-23.
    assert len(pids) == 2 and proc.pid not in pids
    assert statuses == [200] * 20
    assert total == 20  # every worker's requests, whichever worker was scraped
    for pid in pids:  # the supervisor stopped its workers
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_bad_config_fails_before_any_worker_starts(tmp_path: Path) -> None:
    config = tmp_path / "guard.yaml"
    config.write_text("input: [no_such_guard]\n")
    result = subprocess.run(
        [*GOLIVE, "proxy", "--upstream", "http://127.0.0.1:9/v1", "--config", str(config),
         "--workers", "2"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 4 and "no_such_guard" in result.stderr
    assert "Traceback" not in result.stderr and "workers" not in result.stdout
