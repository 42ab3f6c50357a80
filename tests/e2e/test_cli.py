"""The command line end to end, as a user runs it: exit codes, messages, files."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from e2e_helpers import GOLIVE, golive, running_mock_server

from golive.demo import demo_suite_path

pytestmark = pytest.mark.e2e


def small_suite(tmp_path: Path, n: int = 4) -> Path:
    lines = demo_suite_path().read_text().splitlines()
    clean = [line for line in lines if '"clean"' in line][: n - 1]
    injection = [line for line in lines if '"injection"' in line][:1]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(clean + injection) + "\n")
    return path


def test_help_lists_every_command_with_examples(tmp_path: Path) -> None:
    result = golive("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "demo", "init", "runs", "mock-server"):
        assert command in result.stdout
        sub = golive(command, "--help", cwd=tmp_path)
        assert sub.returncode == 0, sub.stderr
        assert "Example" in sub.stdout


def test_init_writes_a_config_that_validates(tmp_path: Path) -> None:
    result = golive("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "golive.yaml").exists() and (tmp_path / "cases.jsonl").exists()
    again = golive("init", cwd=tmp_path)
    assert again.returncode == 4 and "--force" in again.stderr
    # The starter config is valid. Nothing listens on the URL: that is a finding
    # (transport_error) for every sample, so the run ends no-go rather than with an error.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    run = golive(
        "run",
        "--samples",
        "1",
        "--timeout",
        "2",
        "--url",
        f"http://127.0.0.1:{closed_port}/v1",
        "--store",
        f"sqlite:///{tmp_path}/s.db",
        cwd=tmp_path,
        env={"OPENAI_API_KEY": "dummy"},
    )
    assert run.returncode == 1, run.stderr
    assert "did not answer its check" in run.stdout
    summary = json.loads((tmp_path / "golive-report" / "summary.json").read_text())
    cases = (tmp_path / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    assert summary["failures"]["visible"]["transport_error"] == len(cases)


@pytest.mark.parametrize(
    ("args", "config", "expected"),
    [
        (["--target", "openai", "--model", "m", "--suite", "cases.jsonl"], None, "target.url"),
        (
            ["-c", "golive.yaml"],
            "target: {kind: openai, url: 'http://x', model: m}\nsampels: 2\n",
            "sampels",
        ),
        (["-c", "golive.yaml"], "target: {kind: opnai}\n", "target.kind"),
        (["--target", "demo", "--suite", "missing.jsonl"], None, "not found"),
        (["--target", "demo", "--samples", "lots"], None, "samples"),
        (["--target", "demo", "--gate", "pass rate is high"], None, "gate"),
        (["--target", "demo", "--set", "concurrency"], None, "--set"),
        (["--no-such-flag"], None, "no-such-flag"),
    ],
)
def test_bad_input_is_one_clear_message_and_exit_4(
    tmp_path: Path, args: list[str], config: str | None, expected: str
) -> None:
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "hi"}\n')
    if config is not None:
        (tmp_path / "golive.yaml").write_text(config)
    result = golive("run", *args, cwd=tmp_path)
    assert result.returncode == 4, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_empty_selection_is_exit_5(tmp_path: Path) -> None:
    result = golive("run", "--target", "demo", "--tag", "no-such-tag", cwd=tmp_path)
    assert result.returncode == 5, result.stderr
    assert "no cases" in result.stderr


def test_run_against_a_live_openai_server_writes_every_report(
    tmp_path: Path, mock_server_url: str
) -> None:
    suite = small_suite(tmp_path)
    result = golive(
        "run",
        "--target",
        "openai",
        "--url",
        mock_server_url,
        "--model",
        "nimbus-support-1",
        "--suite",
        str(suite),
        "--samples",
        "2",
        "--timeout",
        "10",
        "--json",
        str(tmp_path / "elsewhere.json"),
        "--out",
        str(tmp_path / "report"),
        "--store",
        f"sqlite:///{tmp_path}/golive.db",
        cwd=tmp_path,
    )
    # The suite includes an injection the flawed demo obeys: a silent failure, so no-go.
    assert result.returncode == 1, result.stderr
    assert "NO-GO" in result.stdout
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary == json.loads((tmp_path / "elsewhere.json").read_text())
    assert summary["verdict"] == "no-go"
    assert summary["quality"]["pass_rate"]["n"] == 8
    assert summary["failures"]["silent"]["instruction_hijacked"] >= 1
    assert (tmp_path / "report" / "index.html").stat().st_size > 0
    assert "<testsuite" in (tmp_path / "report" / "junit.xml").read_text()
    runs = golive("runs", "--store", f"sqlite:///{tmp_path}/golive.db", "--json", cwd=tmp_path)
    assert runs.returncode == 0, runs.stderr
    listed = json.loads(runs.stdout)
    assert listed[0]["id"] == summary["run_id"] and listed[0]["verdict"] == "no-go"


def test_api_key_never_reaches_reports_or_store(tmp_path: Path, mock_server_url: str) -> None:
    secret = "sk-test-0123456789abcdefSECRET"
    suite = small_suite(tmp_path, n=2)
    result = golive(
        "run",
        "--target",
        "openai",
        "--url",
        mock_server_url,
        "--model",
        "nimbus-support-1",
        "--api-key-env",
        "GOLIVE_TEST_KEY",
        "--suite",
        str(suite),
        "--samples",
        "1",
        "--out",
        str(tmp_path / "report"),
        "--store",
        f"sqlite:///{tmp_path}/golive.db",
        cwd=tmp_path,
        env={"GOLIVE_TEST_KEY": secret},
    )
    assert result.returncode in (0, 1), result.stderr
    assert secret not in result.stdout + result.stderr
    for path in [*(tmp_path / "report").iterdir(), tmp_path / "golive.db"]:
        assert secret.encode() not in path.read_bytes(), path


def test_demo_exits_0_whatever_the_verdict(tmp_path: Path) -> None:
    result = golive(
        "demo",
        "--samples",
        "1",
        "--out",
        "r",
        "--store",
        f"sqlite:///{tmp_path}/d.db",
        cwd=tmp_path,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "verdict: NO-GO" in result.stdout
    assert "r/index.html" in result.stdout
    # The default demo includes the load test: the cliff at 32 users, quality under load.
    load = json.loads((tmp_path / "r" / "summary.json").read_text())["load"]
    assert [lv["concurrency"] for lv in load["levels"]] == [1, 8, 32]
    assert all("quality" in lv for lv in load["levels"]) and load["cold_start_ms"] > 0


def test_ctrl_c_keeps_finished_samples_and_exits_2(tmp_path: Path) -> None:
    # Real speed (no --fast): 200 requests one at a time take minutes, so the interrupt
    # always lands mid-run, however busy the machine is.
    with running_mock_server("--cold-start-s", "0") as url:
        _interrupt_a_run(tmp_path, url)


def _interrupt_a_run(tmp_path: Path, mock_server_url: str) -> None:
    db = tmp_path / "golive.db"
    suite = small_suite(tmp_path, n=4)
    proc = subprocess.Popen(
        [
            *GOLIVE,
            "run",
            "--target",
            "openai",
            "--url",
            mock_server_url,
            "--model",
            "nimbus-support-1",
            "--suite",
            str(suite),
            "--samples",
            "50",
            "--concurrency",
            "1",
            "--out",
            str(tmp_path / "report"),
            "--store",
            f"sqlite:///{db}",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    recorded = 0
    while recorded < 3 and time.monotonic() < deadline:  # wait for a real condition, bounded
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    recorded = conn.execute("select count(*) from observations").fetchone()[0]
            except sqlite3.OperationalError:
                recorded = 0  # tables not created yet
        time.sleep(0.05)
    assert recorded >= 3, "the run recorded nothing within 60 s"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2, (out, err)
    assert "Traceback" not in err
    with sqlite3.connect(db) as conn:
        status, kept = conn.execute(
            "select status, (select count(*) from observations) from runs"
        ).fetchone()
    assert status == "interrupted"
    assert kept >= recorded
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["quality"]["pass_rate"]["n"] == kept


def test_every_demo_knob_is_a_documented_mock_server_flag(tmp_path: Path) -> None:
    from golive.demo import DemoSettings

    result = golive("mock-server", "--help", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 0
    for name in DemoSettings.model_fields:
        assert "--" + name.replace("_", "-") in result.stdout, name


def test_bad_mock_server_knob_names_the_flag(tmp_path: Path) -> None:
    result = golive("mock-server", "--max-batch", "0", cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr.startswith("error: --max-batch:")


def test_run_with_mutators_reports_robustness_and_attacks(tmp_path: Path) -> None:
    result = golive(
        "run",
        "--target",
        "demo",
        "--set",
        "target.settings.fast=true",
        "--tag",
        "clean",
        "--samples",
        "1",
        "--mutators",
        "typos,codemix_es,instruction_override",
        "--gate",
        "robustness.typos.delta >= -0.5",
        "--gate",
        "adversarial.attack_success_rate <= 1",
        "--out",
        "r",
        "--store",
        f"sqlite:///{tmp_path}/g.db",
        cwd=tmp_path,
        timeout=180,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "amplification" in result.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["robustness"]["amplification"] > 1.5
    assert set(summary["robustness"]["mutators"]) == {"typos", "codemix_es"}
    assert summary["adversarial"]["by_attack"]["instruction_override"]["n"] >= 20
    # the flawed demo obeys most direct overrides
    assert summary["adversarial"]["attack_success_rate"]["value"] > 0.5
    gate_metrics = {g["metric"] for g in summary["gates"]}
    assert "robustness.typos.delta" in gate_metrics
    # quality stays about the canonical cases only
    assert summary["quality"]["pass_rate"]["n"] == summary["quality"]["cases"]


def test_perturb_with_a_generator_rewrites_through_a_live_server(
    tmp_path: Path, mock_server_url: str
) -> None:
    suite = small_suite(tmp_path, n=3)
    out = tmp_path / "v.jsonl"
    result = golive(
        "perturb",
        str(suite),
        "-m",
        "paraphrase",
        "--generator-url",
        mock_server_url,
        "--generator-model",
        "nimbus-support-1",
        "-o",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    variants = [r for r in rows if "~paraphrase~" in r["id"]]
    assert len(variants) == 3
    assert all(r["metadata"]["variant"]["mutator"] == "paraphrase" for r in variants)
    assert (tmp_path / ".golive" / "cache" / "rewrites").exists()
    half = golive(
        "perturb", str(suite), "-m", "paraphrase", "--generator-url", mock_server_url, cwd=tmp_path
    )
    assert half.returncode == 4 and "--generator-model" in half.stderr
