"""A recorder killed with SIGKILL keeps every observation it had taken, on both backends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from golive.store import get_run, load_observations, open_store
from golive.store.models import ObservationRecord

ROOT = Path(__file__).resolve().parents[3]
# The child records K observations, never flushes or closes, and waits to be killed.
CHILD = """
import sys
from golive.store import StoreRecorder
from store_fixtures import make_case, observation_recorded, run_started
url, run_id, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
cases = tuple(make_case(i) for i in range(k))
recorder = StoreRecorder(url, git=False)
recorder(run_started(run_id, cases, samples=1))
for case in cases:
    recorder(observation_recorded(run_id, case, 0, output=f"answer for {case.id}"))
sys.stdin.read()
"""


def test_sigkill_keeps_every_recorded_observation(store_url: str) -> None:
    k = 7
    store = open_store(store_url)  # migrate first, so the child and the poll share a schema
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, "run-killed", str(k)],
        stdin=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 15
        count = 0
        while count < k and time.monotonic() < deadline and child.poll() is None:
            with store.engine.connect() as connection:
                count = connection.scalar(select(func.count()).select_from(ObservationRecord)) or 0
            time.sleep(0.05)  # poll interval only: the loop waits on the row count itself
        assert count == k, f"only {count} of {k} observations reached the store"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        store.dispose()
    assert child.returncode == -signal.SIGKILL

    rows = load_observations(store_url, "run-killed")
    assert [r.output for r in rows] == [f"answer for case-{i:03d}" for i in range(k)]
    run = get_run(store_url, "run-killed")
    assert run.recorded_status == "running"
    assert run.status == "interrupted"  # its process is gone, so no longer shown as running
    assert run.observations == k
