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


def _post(base: str, text: str) -> None:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(f"{base}/v1/chat/completions", body,
                                     {"Content-Type": "application/json"})  # fmt: skip
    # A 400, or the proxy stopping under it: only how the proxy exits is checked here.
    with contextlib.suppress(Exception):
        urllib.request.urlopen(request, timeout=60).read()


def test_sigterm_stops_the_proxy_with_hostile_requests_in_flight(tmp_path: Path) -> None:
    config = tmp_path / "guard.yaml"
    config.write_text("input: [pii, injection]\nmax_scan_chars: 4000000\n")  # scan it all
    proc = subprocess.Popen(
        [*GOLIVE, "proxy", "--upstream", SECRET_UPSTREAM, "--port", "0", "--no-store",
         "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/v1", line)
        assert match is not None, line + proc.stdout.read()
        # Printed without its credentials or query values.
        assert "SECRET" not in line and "admin" not in line and "***@127.0.0.1:9" in line
        hostile = (UNIT * 150_000)[:3_900_000]
        clients = [threading.Thread(target=_post, args=(match.group(1), hostile), daemon=True)
                   for _ in range(4)]  # fmt: skip
        for client in clients:
            client.start()
        with urllib.request.urlopen(f"{match.group(1)}/health", timeout=60) as r:
            health = r.read().decode()
        assert "SECRET" not in health and "upstream" not in health
        time.sleep(0.5)  # not synchronisation: only gives the bodies time to arrive
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
