"""Ctrl-C and SIGTERM at each phase of the real command line: exit 2, every report written whole
and saying the run was interrupted, the store saying ``interrupted`` with every finished
observation kept; a second Ctrl-C aborts at once and says what it lost.

Each test stops golive at a phase through its test seam (``GOLIVE_TEST_PAUSE_AT``, see
``golive/_interrupt.py``): golive says ``golive-test-paused-at <phase>`` on stderr and waits;
the test then sends the signal. No sleeps, no timing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE, golive

from golive.demo import demo_suite_path

pytestmark = pytest.mark.e2e

PAUSED = "golive-test-paused-at "


@dataclass(frozen=True)
class Ended:
    returncode: int
    stdout: str
    stderr: str


def interrupt_at(
    args: list[str],
    cwd: Path,
    phases: str,
    signals: tuple[signal.Signals, ...] = (signal.SIGINT,),
    env: dict[str, str] | None = None,
) -> Ended:
    """Run ``golive *args``; at each pause named in ``phases`` send the next of ``signals``."""
    out = cwd / "stdout.txt"
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            [*GOLIVE, *args],
            cwd=cwd,
            stdout=stdout,  # a file: a full pipe would block golive
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "120", **(env or {}), "GOLIVE_TEST_PAUSE_AT": phases},
        )
        assert proc.stderr is not None
        seen: list[str] = []
        try:
            for sig in signals:
                while not (line := proc.stderr.readline()).startswith(PAUSED):
                    seen.append(line)
                    assert line, f"golive ended before pausing at {phases}: {''.join(seen)}"
                proc.send_signal(sig)
            _, err = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return Ended(proc.returncode, out.read_text(), "".join(seen) + err)


def small_suite(tmp_path: Path, n: int) -> Path:
    """``n`` clean cases of the demo suite."""
    lines = [line for line in demo_suite_path().read_text().splitlines() if '"clean"' in line]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines[:n]) + "\n")
    return path


def stored_runs(db: Path) -> list[dict[str, object]]:
    """What ``golive runs --json`` says about the store (reads its recorded status)."""
    runs = golive("runs", "--store", f"sqlite:///{db}", "--json", cwd=db.parent)
    assert runs.returncode == 0, runs.stderr
    listed: list[dict[str, object]] = json.loads(runs.stdout)
    return listed


def assert_reports_say_interrupted(out: Path) -> dict[str, object]:
    """summary.json, index.html and junit.xml are whole and say the run was interrupted."""
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    summary: dict[str, object] = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    html = (out / "index.html").read_text()
    assert "Run interrupted" in html and html.rstrip().endswith("</html>")
    suite = ET.parse(out / "junit.xml").getroot()
    statuses = [p.get("value") for p in suite.iter("property") if p.get("name") == "golive.status"]
    assert statuses and set(statuses) == {"interrupted"}
    return summary


def assert_store_says_interrupted(
    db: Path, summary: dict[str, object], *, only_quality: bool = True
) -> int:
    """The run is stored as interrupted, with every observation the reports count (exactly
    those when the run has no attack probes beside its cases)."""
    (run,) = stored_runs(db)
    assert run["id"] == summary["run_id"]
    assert run["recorded_status"] == run["status"] == "interrupted"
    with sqlite3.connect(db) as connection:
        (kept,) = connection.execute("SELECT count(*) FROM observations").fetchone()
    quality = summary["quality"]
    assert isinstance(quality, dict)
    if only_quality:
        assert quality["pass_rate"]["n"] == kept
    else:
        assert 0 < quality["pass_rate"]["n"] <= kept
    return int(kept)


def run_args(tmp_path: Path, url: str, samples: int = 5) -> list[str]:
    return [
        "run",
        "--target",
        "openai",
        "--url",
        url,
        "--model",
        "nimbus-support-1",
        "--suite",
        str(small_suite(tmp_path, n=4)),
        "--samples",
        str(samples),
        "--concurrency",
        "4",
        "--out",
        str(tmp_path / "report"),
        "--store",
        f"sqlite:///{tmp_path / 'g.db'}",
    ]


@pytest.mark.parametrize(
    ("phase", "sig"),
    [
        ("requests", signal.SIGINT),
        ("requests", signal.SIGTERM),
        ("scoring", signal.SIGINT),
        ("store", signal.SIGTERM),
        ("reports", signal.SIGINT),
    ],
    ids=lambda value: value.name if isinstance(value, signal.Signals) else value,
)
def test_run_interrupted_at_each_phase_is_stored_and_reported(
    tmp_path: Path, mock_server_url: str, phase: str, sig: signal.Signals
) -> None:
    ended = interrupt_at(run_args(tmp_path, mock_server_url), tmp_path, phase, (sig,))
    assert ended.returncode == 2, ended.stdout + ended.stderr
    assert "Traceback" not in ended.stderr
    assert f"interrupted ({sig.name})" in ended.stderr
    summary = assert_reports_say_interrupted(tmp_path / "report")
    kept = assert_store_says_interrupted(tmp_path / "g.db", summary)
    assert kept >= 1
    if phase in ("store", "reports"):  # every request had finished: nothing is lost
        assert kept == 4 * 5


def test_a_second_ctrl_c_aborts_at_once_and_says_what_is_lost(
    tmp_path: Path, mock_server_url: str
) -> None:
    ended = interrupt_at(
        run_args(tmp_path, mock_server_url),
        tmp_path,
        "requests,reports",
        (signal.SIGINT, signal.SIGINT),
    )
    assert ended.returncode == 2, ended.stdout + ended.stderr
    assert "Traceback" not in ended.stderr
    assert f"aborted (SIGINT again): lost the reports not yet written to {tmp_path / 'report'}" in (
        ended.stderr
    )
    # What was written is whole (renamed into place), never half a file.
    out = tmp_path / "report"
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert (out / "index.html").read_text().rstrip().endswith("</html>")
    (run,) = stored_runs(tmp_path / "g.db")
    assert run["recorded_status"] == "interrupted"


def test_run_interrupted_during_its_load_test_keeps_the_finished_levels(tmp_path: Path) -> None:
    small_suite(tmp_path, n=2)
    (tmp_path / "golive.yaml").write_text(
        "target: {kind: demo, settings: {fast: true}}\n"
        "suite: cases.jsonl\n"
        "samples: 1\n"
        "out: report\n"
        f"store: sqlite:///{tmp_path / 'g.db'}\n"
        "load: {concurrency: [1, 2], duration: 1, slo: {ttft_p95: 10s}}\n"
    )
    ended = interrupt_at(["run"], tmp_path, "load")
    assert ended.returncode == 2, ended.stdout + ended.stderr
    summary = assert_reports_say_interrupted(tmp_path / "report")
    load = summary["load"]
    assert isinstance(load, dict)
    assert [lv["concurrency"] for lv in load["levels"]] == [1]  # the level in flight is dropped
    assert_store_says_interrupted(tmp_path / "g.db", summary)
    with sqlite3.connect(tmp_path / "g.db") as connection:
        (requests,) = connection.execute("SELECT count(*) FROM load_requests").fetchone()
    assert requests > 0


def test_demo_interrupted_during_its_load_test_exits_2_in_golive_store(tmp_path: Path) -> None:
    db = tmp_path / "from-env.db"
    ended = interrupt_at(
        ["demo", "--no-diversity", "--samples", "1", "--out", "r"],
        tmp_path,
        "load",
        env={"GOLIVE_STORE": f"sqlite:///{db}"},
    )
    assert ended.returncode == 2, ended.stdout + ended.stderr  # was 130, with no report
    summary = assert_reports_say_interrupted(tmp_path / "r")
    load = summary["load"]
    assert isinstance(load, dict)
    assert [lv["concurrency"] for lv in load["levels"]] == [1]
    assert not (tmp_path / ".golive").exists()  # GOLIVE_STORE, not the default store
    assert_store_says_interrupted(db, summary, only_quality=False)  # and the scan's probes


@pytest.mark.parametrize(
    ("phase", "sig"),
    [("load", signal.SIGTERM), ("store", signal.SIGINT)],
    ids=lambda value: value.name if isinstance(value, signal.Signals) else value,
)
def test_load_command_interrupted_keeps_finished_levels(
    tmp_path: Path, phase: str, sig: signal.Signals
) -> None:
    db = tmp_path / "g.db"
    args = ["load", "--demo-fast", "--concurrency", "1,2", "--duration", "1"]
    args += ["--out", "rep", "--json", "s.json", "--store", f"sqlite:///{db}"]
    ended = interrupt_at(args, tmp_path, phase, (sig,))
    assert ended.returncode == 2, ended.stdout + ended.stderr
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert summary == json.loads((tmp_path / "s.json").read_text())
    assert summary["status"] == "interrupted"
    # An interrupted load test never claims go, though every finished level met its gates.
    assert summary["verdict"] == "inconclusive", summary["verdict"]
    assert "verdict: INCONCLUSIVE" in ended.stdout
    levels = [lv["concurrency"] for lv in summary["load"]["levels"]]
    assert levels == ([1] if phase == "load" else [1, 2])
    (run,) = stored_runs(db)
    assert run["recorded_status"] == "interrupted" and run["id"] == summary["run_id"]
    with sqlite3.connect(db) as connection:
        (stored,) = connection.execute("SELECT count(*) FROM load_requests").fetchone()
    assert stored == sum(lv["requests"] + lv["warmup_requests"] for lv in summary["load"]["levels"])


def test_scan_interrupted_during_requests(tmp_path: Path) -> None:
    args = ["scan", "--target", "demo", "--set", "target.settings.fast=true"]
    args += ["--categories", "instruction_override,pii_planted", "--per-category", "10"]
    args += ["--out", "scan", "--store", f"sqlite:///{tmp_path / 'g.db'}"]
    ended = interrupt_at(args, tmp_path, "requests")
    assert ended.returncode == 2, ended.stdout + ended.stderr
    summary = assert_reports_say_interrupted(tmp_path / "scan")
    (run,) = stored_runs(tmp_path / "g.db")
    assert run["recorded_status"] == "interrupted" and run["id"] == summary["run_id"]


def test_golive_store_is_where_run_records_and_store_wins(
    tmp_path: Path, mock_server_url: str
) -> None:
    env_db, flag_db, config_db = tmp_path / "env.db", tmp_path / "flag.db", tmp_path / "cfg.db"
    (tmp_path / "golive.yaml").write_text(f"store: sqlite:///{config_db}\n")
    args = run_args(tmp_path, mock_server_url, samples=1)
    without_store = [*args[: args.index("--store")], "-c", "golive.yaml"]
    env = {"GOLIVE_STORE": f"sqlite:///{env_db}"}
    ran = golive(*without_store, cwd=tmp_path, env=env)  # GOLIVE_STORE over golive.yaml
    assert ran.returncode in (0, 1, 6), ran.stdout + ran.stderr
    assert len(stored_runs(env_db)) == 1
    assert not config_db.exists() and not (tmp_path / ".golive").exists()
    ran = golive(*without_store, "--store", f"sqlite:///{flag_db}", cwd=tmp_path, env=env)
    assert ran.returncode in (0, 1, 6), ran.stdout + ran.stderr
    assert len(stored_runs(flag_db)) == 1 and len(stored_runs(env_db)) == 1
