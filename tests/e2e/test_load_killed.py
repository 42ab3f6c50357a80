"""SIGKILL cannot be handled, so what a killed ``golive load`` keeps is what it stored before:
each level's records are stored as the level ends, not when the load test ends."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE

pytestmark = pytest.mark.e2e

PAUSED = "golive-test-paused-at "


def _load_args(tmp_path: Path, db: Path) -> list[str]:
    args = ["load", "--demo-fast", "--concurrency", "1,2", "--duration", "1"]
    return [*args, "--out", "rep", "--store", f"sqlite:///{db}"]


def _run_args(tmp_path: Path, db: Path) -> list[str]:
    """``golive run`` with a ``load:`` section: the load test after the quality run."""
    (tmp_path / "cases.jsonl").write_text(
        '{"id": "hello", "input": "What are your opening hours?"}\n'
    )
    (tmp_path / "golive.yaml").write_text(
        "target: {kind: demo, settings: {fast: true}}\n"
        "suite: cases.jsonl\n"
        "samples: 1\n"
        "out: rep\n"
        f"store: sqlite:///{db}\n"
        "load: {concurrency: [1, 2], duration: 1}\n"
    )
    return ["run"]


@pytest.mark.parametrize(("command", "kind"), [(_load_args, "load"), (_run_args, "eval")])
def test_a_killed_load_test_keeps_its_finished_levels_in_the_store(
    tmp_path: Path, command: Callable[[Path, Path], list[str]], kind: str
) -> None:
    db = tmp_path / "g.db"
    args = command(tmp_path, db)
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
    assert run[0] == kind and run[1] == "running"  # never finished: not claimed finished
    assert '"concurrency"' in run[2]  # the spec is stored from the start
    # The first level (c=1) is stored whole; the second never started.
    assert [(lv[0], lv[1]) for lv in levels] == [(0, 1)]
    assert levels[0][2] > 0
    assert levels[0][3] == 0  # times are µs after the load test's first scheduled request
