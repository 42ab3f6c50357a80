"""SIGKILL cannot be handled, so what a killed ``golive load`` keeps is what it stored before:
each level's records are stored as the level ends, not when the load test ends."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE

pytestmark = pytest.mark.e2e

PAUSED = "golive-test-paused-at "


def test_a_killed_load_test_keeps_its_finished_levels_in_the_store(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    args = ["load", "--demo-fast", "--concurrency", "1,2", "--duration", "1"]
    args += ["--out", "rep", "--store", f"sqlite:///{db}"]
    proc = subprocess.Popen(
        [*GOLIVE, *args],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # "load": golive pauses once a level has finished, before the next one starts.
        env={**os.environ, "GOLIVE_TEST_PAUSE_AT": "load"},
    )
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        while not (line := proc.stderr.readline()).startswith(PAUSED):
            seen.append(line)
            assert line, "golive ended before its first level finished: " + "".join(seen)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "rep" / "summary.json").exists()  # killed before any report
    with sqlite3.connect(db) as connection:
        runs = connection.execute("SELECT kind, status, config_json FROM runs").fetchall()
        levels = connection.execute(
            "SELECT level, concurrency, count(*), min(t_sched_us) FROM load_requests"
            " GROUP BY level, concurrency"
        ).fetchall()
    (run,) = runs
    assert run[0] == "load" and run[1] == "running"  # never finished: not claimed finished
    assert '"concurrency"' in run[2]  # the spec is stored from the start
    # The first level (c=1) is stored whole; the second never started.
    assert [(lv[0], lv[1]) for lv in levels] == [(0, 1)]
    assert levels[0][2] > 0
    assert levels[0][3] == 0  # times are µs after the load test's first scheduled request
