"""A model stuck in a loop (every reply ~100 KB of one phrase repeated) neither hangs
`golive run` nor makes it deaf to Ctrl-C and SIGTERM: the run is scored in bounded time, and
an interrupt during its scoring ends it with exit 2, the finished results stored and every
report written.

The signal is sent at the scoring phase through the test seam (``GOLIVE_TEST_PAUSE_AT``, see
``golive/_interrupt.py``), without sleeps. The time bounds are generous, for a busy machine:
the figures measured on a quiet one are in the final report of issue 12 (well under 2 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE, golive
from test_interrupts import PAUSED, assert_reports_say_interrupted, assert_store_says_interrupted

from servers.looping import looping_server

pytestmark = pytest.mark.e2e

ANSWER_BOUND_S = 10.0  # from the signal to golive's exit
RUN_BOUND_S = 240.0  # a whole run of 4 cases x 3 samples of 100 KB replies


def suite(tmp_path: Path) -> Path:
    path = tmp_path / "cases.jsonl"
    cases = [
        {
            "id": f"reset-{i}",
            "input": f"How do I reset my password on account {i}?",
            "reference": "You cannot reset it yourself: contact support within 30 days.",
        }
        for i in range(4)
    ]
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    return path


def run_args(tmp_path: Path, url: str) -> list[str]:
    return [
        "run",
        "--target",
        "openai",
        "--url",
        url,
        "--model",
        "looping",
        "--suite",
        str(suite(tmp_path)),
        "--samples",
        "3",
        "--concurrency",
        "4",
        "--out",
        str(tmp_path / "report"),
        "--store",
        f"sqlite:///{tmp_path / 'g.db'}",
    ]


def test_a_looping_model_is_scored_in_bounded_time(tmp_path: Path) -> None:
    with looping_server() as url:
        ended = golive(*run_args(tmp_path, url), cwd=tmp_path, timeout=RUN_BOUND_S)
    assert ended.returncode in (0, 1, 6), ended.stderr[-2000:]
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["status"] == "finished"
    assert summary["quality"]["pass_rate"]["n"] == 12


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_an_interrupt_while_long_replies_are_scored_is_answered_at_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "stdout.txt"
    with looping_server() as url, out.open("w") as stdout:
        proc = subprocess.Popen(
            [*GOLIVE, *run_args(tmp_path, url)],
            cwd=tmp_path,
            stdout=stdout,  # a file: a full pipe would block golive
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "120", "GOLIVE_TEST_PAUSE_AT": "scoring"},
        )
        assert proc.stderr is not None
        seen: list[str] = []
        try:
            while not (line := proc.stderr.readline()).startswith(PAUSED):
                seen.append(line)
                assert line, f"golive ended before scoring: {''.join(seen)}"
            proc.send_signal(sig)
            sent = time.monotonic()
            _, err = proc.communicate(timeout=ANSWER_BOUND_S)
            answered_s = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = "".join(seen) + err
    assert proc.returncode == 2, out.read_text() + stderr
    assert answered_s < ANSWER_BOUND_S
    assert "Traceback" not in stderr
    assert f"interrupted ({sig.name})" in stderr
    summary = assert_reports_say_interrupted(tmp_path / "report")
    assert_store_says_interrupted(tmp_path / "g.db", summary)
