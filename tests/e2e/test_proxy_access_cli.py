"""`golive proxy`'s access rules from the command line: no bind off loopback without a token
(exit 4), the Host check and token in every --workers process, and a start-up line that never
prints the upstream's credentials."""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE, golive, mock_server_url

__all__ = ["mock_server_url"]  # the fixture, re-exported for pytest

pytestmark = pytest.mark.e2e

TOKEN = "proxy-token-0123456789abcdef"


def _status(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--host", "0.0.0.0"], "token"),
        (["--host", "0.0.0.0", "--token", "short"], "16"),
        (["--allow-host", "bad host/"], "--allow-host"),
    ],
)
def test_unsafe_binds_are_refused(tmp_path: Path, args: list[str], needle: str) -> None:
    ended = golive(
        "proxy", "--upstream", "http://127.0.0.1:9/v1", "--no-store", *args,
        cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert ended.returncode == 4, ended.stdout + ended.stderr
    assert needle in ended.stderr and "Traceback" not in ended.stderr


def test_every_worker_checks_host_and_token(mock_server_url: str) -> None:
    # Credentials in the upstream URL: the start-up line must not print them.
    upstream = mock_server_url.replace("http://", "http://admin:hunter2-SECRET@") + "?key=Q-SECRET"
    proc = subprocess.Popen(
        [*GOLIVE, "proxy", "--upstream", upstream, "--port", "0", "--no-store",
         "--workers", "2", "--token", TOKEN],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()  # blocks until every worker listens (or it failed)
        match = re.search(r"(http://127\.0\.0\.1:\d+)/v1", line)
        assert match is not None, line + proc.stdout.read()
        assert "SECRET" not in line and "hunter2" not in line
        health = match.group(1) + "/health"
        for _ in range(4):  # new connections: the kernel spreads them over the workers
            assert _status(health, {"X-Golive-Token": TOKEN}) == 200
            assert _status(health, {}) == 401
            assert _status(health, {"X-Golive-Token": TOKEN, "Host": "evil.example"}) == 403
    finally:
        proc.kill()
        proc.wait(timeout=30)
