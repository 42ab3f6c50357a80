"""How a run left "running" by a dead process is shown: interrupted."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from golive.store import STALE_AFTER_S, effective_status


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: the pid no longer names a process
    return child.pid


def test_finished_statuses_are_kept() -> None:
    old = datetime.now(UTC) - timedelta(days=3)
    for status in ("finished", "interrupted", "failed"):
        assert effective_status(status, None, None, old) == status


def test_running_with_a_live_process_and_fresh_heartbeat() -> None:
    now = datetime.now(UTC)
    assert effective_status("running", os.getpid(), socket.gethostname(), now) == "running"


def test_running_whose_process_died_on_this_host() -> None:
    now = datetime.now(UTC)
    assert effective_status("running", _dead_pid(), socket.gethostname(), now) == "interrupted"


def test_another_host_is_judged_by_its_heartbeat() -> None:
    now = datetime.now(UTC)
    fresh = now - timedelta(seconds=STALE_AFTER_S - 5)
    stale = now - timedelta(seconds=STALE_AFTER_S + 5)
    # Its pid means nothing here: only the heartbeat counts.
    assert effective_status("running", _dead_pid(), "elsewhere", fresh, now) == "running"
    assert effective_status("running", os.getpid(), "elsewhere", stale, now) == "interrupted"
