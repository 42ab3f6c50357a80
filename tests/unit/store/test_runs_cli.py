"""`golive runs`: the table, --json, an empty store, and hostile target names."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from golive.cli import app
from golive.store import StoreRecorder
from store_fixtures import make_case, observation_recorded, record_run, run_started

runner = CliRunner()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, ["runs", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_lists_runs_newest_first(store_url: str) -> None:
    with StoreRecorder(store_url, git=False) as recorder:
        record_run(recorder, "run-old", n_cases=3)
        record_run(recorder, "run-new", n_cases=2)
    output = _invoke("--store", store_url)
    lines = output.splitlines()
    assert lines[0].split() == [
        "run",
        "started",
        "status",
        "verdict",
        "target",
        "pass",
        "rate",
        "cases",
        "obs",
    ]
    assert lines[1].split()[0] == "run-new" and lines[2].split()[0] == "run-old"
    assert "finished" in lines[2] and " go " in lines[2]
    assert "66.7%" in lines[2] and "50.0%" in lines[1]
    assert _invoke("--store", store_url, "--limit", "1").count("run-") == 1


def test_json_output(store_url: str) -> None:
    with StoreRecorder(store_url, git=False) as recorder:
        record_run(recorder, "run-json", n_cases=2)
    (row,) = json.loads(_invoke("--store", store_url, "--json"))
    assert row["id"] == "run-json"
    assert (row["status"], row["verdict"], row["cases"], row["observations"]) == (
        "finished",
        "go",
        2,
        4,
    )
    assert row["pass_rate"] == 0.5
    assert row["started_at"].endswith("+00:00")


def test_target_names_are_not_rich_markup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    with StoreRecorder(url, git=False) as recorder:
        target = {"kind": "http", "url": "[bold red]pwned[/]"}
        recorder(run_started("run-x", (make_case(1),), target=target))
        recorder(observation_recorded("run-x", make_case(1), 0))
        assert recorder.flush(timeout=10)
        output = _invoke("--store", url)
        assert "[bold red]pwned[/]" in output
        assert "running" in output  # this test process still holds the run
    # Closed without RunFinished: the caller crashed.
    assert "failed" in _invoke("--store", url)


def test_empty_or_missing_store_does_not_create_a_file(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "golive.db"
    assert "no runs yet" in _invoke("--store", f"sqlite:///{path}")
    assert json.loads(_invoke("--store", f"sqlite:///{path}", "--json")) == []
    assert not path.exists()


def test_store_from_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    with StoreRecorder(url, git=False) as recorder:
        record_run(recorder, "run-env", n_cases=1)
    result = runner.invoke(app, ["runs"], env={"GOLIVE_STORE": url, "COLUMNS": "200"})
    assert result.exit_code == 0 and "run-env" in result.output


def test_help_has_an_example() -> None:
    result = runner.invoke(app, ["runs", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "golive runs --limit 5 --json" in result.output
