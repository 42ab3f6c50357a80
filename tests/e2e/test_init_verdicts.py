"""`golive init`, then `golive run` on the untouched starter files against a real server on
127.0.0.1: an application that answers every case right gets GO (exit 0), one that answers
every case wrongly gets NO-GO (exit 1), and too few samples to settle the gates give
INCONCLUSIVE (exit 6) with the samples each gate needs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import golive

from servers.counting import MODEL, counting_server

pytestmark = pytest.mark.e2e

REFUSAL = "I'm sorry, but I can't help with that: I only answer questions about your account."
WRONG = "Our offices are open Monday to Friday, nine to five."


def _right_answers() -> dict[str, str]:
    """What the starter suite says is right: each case's reference, or a refusal where the
    case asserts one (keyed by the text of the user's message)."""
    text = (resources.files("golive.cli") / "templates" / "cases.jsonl").read_text("utf-8")
    answers = {}
    for line in text.splitlines():
        case = json.loads(line)
        prompt = case["input"] if isinstance(case["input"], str) else case["input"][-1]["content"]
        refuses = any(a.get("kind") == "refusal" for a in case.get("assertions", []))
        answers[prompt] = REFUSAL if refuses else case["reference"]
    return answers


def _init_and_run(tmp_path: Path, replies: dict[str, str], *extra: str) -> tuple[int, Any, str]:
    init = golive("init", str(tmp_path), cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    with counting_server(replies, default=WRONG) as server:
        done = golive(
            "run",
            "--url",
            server.url,
            "--model",
            MODEL,
            "--json",
            "summary.json",
            *extra,
            cwd=tmp_path,
            env={"OPENAI_API_KEY": "sk-test"},
            timeout=300,
        )
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    return done.returncode, summary, done.stdout + done.stderr


def test_a_perfect_application_gets_go(tmp_path: Path) -> None:
    code, summary, output = _init_and_run(tmp_path, _right_answers())
    assert code == 0, output
    assert summary["verdict"] == "go", summary["gates"]
    assert summary["quality"]["pass_rate"]["value"] == 1.0


def test_an_application_wrong_on_every_case_gets_no_go(tmp_path: Path) -> None:
    code, summary, output = _init_and_run(tmp_path, {})
    assert code == 1, output
    assert summary["verdict"] == "no-go"
    assert summary["quality"]["pass_rate"]["value"] == 0.0


def test_too_few_samples_are_inconclusive_with_exit_6(tmp_path: Path) -> None:
    code, summary, output = _init_and_run(tmp_path, _right_answers(), "--samples", "2")
    assert code == 6, output
    assert summary["verdict"] == "inconclusive"
    assert "verdict: INCONCLUSIVE" in output
    needed = {g["name"]: g["samples_needed"] for g in summary["gates"] if g["inconclusive"]}
    assert needed == {
        "failures.visible_rate.ci_high <= 0.1": 35,
        "failures.silent_rate.ci_high <= 0.1": 35,
    }


def test_a_misspelt_gate_metric_stops_before_any_request(tmp_path: Path) -> None:
    assert golive("init", str(tmp_path), cwd=tmp_path).returncode == 0
    with counting_server(_right_answers()) as server:
        done = golive(
            "run",
            "--url",
            server.url,
            "--model",
            MODEL,
            "--gate",
            "quality.pas_rate.ci_low >= 0.8",
            cwd=tmp_path,
            env={"OPENAI_API_KEY": "sk-test"},
        )
        assert server.requests == 0
    assert done.returncode == 4
    assert "Did you mean 'quality.pass_rate'?" in done.stderr
    assert "Traceback" not in done.stderr
