"""`golive load` and `golive run` with a `load:` section, end to end against the demo server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from e2e_helpers import golive

from golive.demo import demo_suite_path
from golive.reports.summary import load_schema

pytestmark = pytest.mark.e2e


def test_load_demo_writes_json_summary_and_store(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    result = golive(
        "load",
        "--demo-fast",
        "--concurrency",
        "1,4",
        "--duration",
        "1.5",
        "--slo",
        "ttft_p95=5s",
        "--gate",
        "load.ttft_send_p95_ms@c=1 <= 5000",
        "--json",
        "out.json",
        "--out",
        "rep",
        "--store",
        f"sqlite:///{db}",
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "capacity at SLO" in result.stdout and "c=4" in result.stdout
    summary = json.loads((tmp_path / "out.json").read_text())
    assert summary == json.loads((tmp_path / "rep" / "summary.json").read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(summary)
    levels = summary["load"]["levels"]
    assert [lv["concurrency"] for lv in levels] == [1, 4]
    assert all(lv["requests"] > 0 for lv in levels)
    for lv in levels:  # queue-inclusive TTFT can never be below TTFT from send
        assert lv["ttft_from_schedule_ms"]["p50"] >= lv["ttft_ms"]["p50"]
    assert summary["load"]["token_source"] == "usage"
    # Per level: slo_met, and the SLO on its 95% interval (ci_high); plus the --gate.
    assert summary["verdict"] == "go" and len(summary["gates"]) == 5
    with sqlite3.connect(db) as connection:
        (kind,) = connection.execute("SELECT kind FROM runs").fetchone()
        (stored,) = connection.execute("SELECT count(*) FROM load_requests").fetchone()
    assert kind == "load"
    assert stored == sum(lv["requests"] + lv["warmup_requests"] for lv in levels)


def test_a_failed_slo_exits_1_and_bad_flags_exit_4(tmp_path: Path) -> None:
    failed = golive(
        "load",
        "--demo-fast",
        "--concurrency",
        "2",
        "--duration",
        "1",
        "--gate",
        "load.ttft_p95_ms@c=2 <= 0.001",
        "--no-store",
        cwd=tmp_path,
        timeout=60,
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAIL" in failed.stdout
    for flags in (
        ("--concurrency", "1,x"),
        ("--concurrency", "1", "--rate", "2"),
        ("--concurrency", "1", "--slo", "ttft_p95=soon"),
        ("--concurrency", "1", "--gate", "load.ttft_p95_ms@c= < 1"),
    ):
        bad = golive("load", "--demo-fast", "--duration", "1", "--no-store", *flags, cwd=tmp_path)
        assert bad.returncode == 4, (flags, bad.stdout, bad.stderr)
        assert "error" in bad.stderr


def test_help_gives_the_metric_definitions(tmp_path: Path) -> None:
    result = golive("load", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for text in ("c_1 − t_send", "c_1 − t_sched", "TPOT", "pooled", "goodput", "usage", "Example"):
        assert text in result.stdout


def test_run_with_a_load_section_gates_on_load_metrics(tmp_path: Path) -> None:
    lines = demo_suite_path().read_text().splitlines()
    (tmp_path / "cases.jsonl").write_text("\n".join(lines[:2]) + "\n")
    (tmp_path / "golive.yaml").write_text(
        "target: {kind: demo, settings: {fast: true}}\n"
        "suite: cases.jsonl\n"
        "samples: 1\n"
        "scorers: []\n"
        f"store: sqlite:///{tmp_path / 'g.db'}\n"
        "gates: ['load.ttft_p95_ms@c=2 <= 10000', 'load.goodput_rps@c=2 > 0']\n"
        "load: {concurrency: [2], duration: 1, slo: {ttft_p95: 10s}}\n"
    )
    result = golive("run", "--json", "s.json", cwd=tmp_path, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(summary)
    assert [g["name"] for g in summary["gates"]] == [
        "load.ttft_p95_ms@c=2 <= 10000",
        "load.goodput_rps@c=2 > 0",
        "load.slo_met@c=2 >= 1",
        "load.ttft_p95_ms@c=2.ci_high <= 10000",
    ]
    assert summary["quality"]["samples"] == 2 and summary["load"]["levels"][0]["requests"] > 0
    with sqlite3.connect(tmp_path / "g.db") as connection:
        (verdict,) = connection.execute("SELECT verdict FROM runs").fetchone()
        (stored,) = connection.execute("SELECT count(*) FROM load_requests").fetchone()
    assert verdict == "go" and stored > 0
