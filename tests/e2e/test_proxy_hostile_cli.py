"""`golive proxy` as a user runs it: SIGTERM while hostile requests are in flight, a port out
of range, and credentials in the upstream's URL (issue 12)."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE, golive

pytestmark = pytest.mark.e2e

UNIT = "1234 5678 9012 3456 a@b.co "
SECRET_UPSTREAM = "http://admin:hunter2-SECRET@127.0.0.1:9/v1?api-key=KEY-SECRET"


def _start(upstream: str, *flags: str) -> tuple[subprocess.Popen[str], str, str]:
    """``golive proxy`` on a free port: the process, its base URL and its banner line."""
    proc = subprocess.Popen(
        [*GOLIVE, "proxy", "--upstream", upstream, "--port", "0", "--no-store", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/v1", line)
    if match is None:
        proc.kill()
        raise AssertionError(line + proc.stdout.read())
    return proc, match.group(1), line


def test_the_upstream_url_is_printed_and_served_without_credentials() -> None:
    proc, base, banner = _start(SECRET_UPSTREAM)
    try:
        assert "SECRET" not in banner and "admin" not in banner
        assert "http://***@127.0.0.1:9/v1?api-key=***" in banner
        with urllib.request.urlopen(f"{base}/health", timeout=10) as r:
            health = r.read().decode()
        assert "SECRET" not in health and "upstream" not in health
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _post(base: str, text: str) -> None:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(f"{base}/v1/chat/completions", body,
                                     {"Content-Type": "application/json"})  # fmt: skip
    # A 400, or the proxy stopping under it: only how the proxy exits is checked here.
    with contextlib.suppress(Exception):
        urllib.request.urlopen(request, timeout=60).read()


@pytest.mark.parametrize(
    "config",
    [
        "input: [pii, injection]\n",  # refused unscanned (over max_scan_chars)
        "input: [pii, injection]\nmax_scan_chars: 4000000\n",  # scanned whole, off the loop
    ],
)
def test_sigterm_stops_the_proxy_with_hostile_requests_in_flight(
    tmp_path: Path, config: str
) -> None:
    """Before: one such request froze the loop for minutes; /health and SIGTERM waited."""
    path = tmp_path / "guard.yaml"
    path.write_text(config)
    proc, base, _ = _start("http://127.0.0.1:9/v1", "--config", str(path))
    try:
        hostile = (UNIT * 150_000)[:3_900_000]
        clients = [threading.Thread(target=_post, args=(base, hostile), daemon=True)
                   for _ in range(4)]  # fmt: skip
        for client in clients:
            client.start()
        time.sleep(0.5)  # not synchronisation: only gives the bodies time to arrive
        with urllib.request.urlopen(f"{base}/health", timeout=10) as r:
            assert r.status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0  # before: ignored until the scan ended (minutes)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.parametrize("port", ["99999", "-5"])
def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path, port: str) -> None:
    result = golive("proxy", "--upstream", "http://127.0.0.1:9/v1", "--port", port,
                    "--no-store", cwd=tmp_path, timeout=60)  # fmt: skip
    assert result.returncode == 4
    assert "--port" in result.stderr and "Traceback" not in result.stderr
