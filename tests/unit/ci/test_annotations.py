"""Annotations from a run summary: failed gates and regressions as errors pointing at the
case's line in the suite, flaky cases and invalid load levels as warnings, capped per level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive.ci.annotations import ci_annotations
from golive.ci.github import publish
from golive.ci.lines import case_line, case_lines

GATE_OK = {
    "name": "g1",
    "metric": "m",
    "op": ">=",
    "threshold": 0.5,
    "value": 0.9,
    "ci": [0.8, 0.95],
    "passed": True,
    "reason": None,
}
GATE_FAIL = {
    "name": "quality.pass_rate.ci_low >= 0.8",
    "metric": "quality.pass_rate.ci_low",
    "op": ">=",
    "threshold": 0.8,
    "value": 0.5,
    "ci": [0.5, 0.7],
    "passed": False,
    "reason": "x",
}


def comparison(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "base": {"id": "run-1", "git_branch": "main", "git_commit": "abc"},
        "regressed": True,
        "regressions": ["refund"],
        "improvements": ["greet"],
        "flaky": ["weather~typos~0"],
        "cases": [
            {
                "case_id": "refund",
                "capability": "billing",
                "base": {"passed": 3, "n": 3},
                "head": {"passed": 0, "n": 3},
                "delta": -1.0,
                "q_value": 0.01,
                "status": "regression",
                "flaky": False,
                "flaky_reason": None,
            },
            {
                "case_id": "greet",
                "capability": "chat",
                "base": {"passed": 0, "n": 3},
                "head": {"passed": 3, "n": 3},
                "delta": 1.0,
                "q_value": 0.02,
                "status": "improvement",
                "flaky": False,
                "flaky_reason": None,
            },
            {
                "case_id": "weather~typos~0",
                "capability": "chat",
                "base": {"passed": 2, "n": 3},
                "head": {"passed": 1, "n": 3},
                "delta": -0.33,
                "q_value": 0.9,
                "status": "unchanged",
                "flaky": True,
                "flaky_reason": "flips across samples",
            },
        ],
        "metrics": [
            {
                "name": "quality.pass_rate",
                "base": 0.9,
                "head": 0.6,
                "delta": -0.3,
                "ci": [-0.4, -0.2],
                "p_value": 0.001,
                "significant": True,
                "status": "regression",
                "gating": True,
            },
            {
                "name": "latency.e2e_ms.p95",
                "base": 100,
                "head": 180,
                "delta": 80,
                "ci": [50, 110],
                "p_value": 0.01,
                "significant": True,
                "status": "regression",
                "gating": False,
            },
        ],
        "mde": {"statement": "with 3 cases × 3 samples a drop of 60 points is detectable"},
        "warnings": ["the suites differ"],
    }
    data.update(extra)
    return data


def write_suite(tmp_path: Path) -> Path:
    suite = tmp_path / "cases.jsonl"
    lines = [
        json.dumps({"id": "greet", "input": "hi"}),
        "",
        "// a comment",
        json.dumps({"id": "refund", "input": "refund?"}),
        json.dumps({"id": "weather", "input": "rain?"}),
    ]
    suite.write_text("\n".join(lines) + "\n")
    return suite


def test_case_lines_in_jsonl_and_yaml(tmp_path: Path) -> None:
    assert case_lines(write_suite(tmp_path)) == {"greet": 1, "refund": 4, "weather": 5}
    yaml_suite = tmp_path / "cases.yaml"
    yaml_suite.write_text("cases:\n  - id: a\n    input: x\n\n  - input: y\n    id: b\n")
    lines = case_lines(yaml_suite)
    assert lines == {"a": 2, "b": 6}
    assert case_line(lines, "b~typos~3") == 6 and case_line(lines, "zzz") is None
    assert case_lines(tmp_path / "missing.jsonl") == {}


def test_failed_gates_regressions_and_flaky_cases(tmp_path: Path) -> None:
    suite = write_suite(tmp_path)
    summary = {"gates": [GATE_OK, GATE_FAIL], "comparison": comparison(), "status": "finished"}
    env = {"GITHUB_WORKSPACE": str(tmp_path)}
    commands = ci_annotations(summary, suite=suite, config=tmp_path / "golive.yaml", env=env)
    errors = [c for c in commands if c.startswith("::error")]
    warnings = [c for c in commands if c.startswith("::warning")]
    assert errors[0] == (
        "::error title=golive gate failed%3A quality.pass_rate.ci_low >= 0.8,file=golive.yaml::"
        "quality.pass_rate.ci_low = 0.5 (95%25 CI [0.5, 0.7]), needs >= 0.8"
    )
    assert errors[1] == (
        "::error title=golive regression%3A refund,file=cases.jsonl,line=4::case refund passed "
        "3/3 samples in the baseline, 0/3 now (-100.0 pp, q = 0.01)"
    )
    assert errors[2].startswith("::error title=golive regression%3A quality.pass_rate::")
    assert len(errors) == 3  # the improvement is no annotation; latency is not gating
    assert any("latency.e2e_ms.p95" in w for w in warnings)
    flaky = next(w for w in warnings if "flaky" in w)
    assert "file=cases.jsonl,line=5" in flaky and "flips across samples" in flaky
    assert any("the suites differ" in w for w in warnings)


def test_invalid_load_levels_and_interrupted_runs_warn() -> None:
    summary = {
        "gates": [],
        "status": "interrupted",
        "load": {
            "levels": [
                {"key": "c=1", "valid": True},
                {"key": "c=64", "valid": False, "invalid_reason": "client lag"},
            ]
        },
    }
    commands = ci_annotations(summary, env={})
    assert len(commands) == 2 and all(c.startswith("::warning") for c in commands)
    assert "load level c=64 is invalid: client lag" in commands[0]
    assert "interrupted" in commands[1]


def test_each_level_is_capped_with_a_count_of_the_rest() -> None:
    gates = [{**GATE_FAIL, "name": f"gate {i}"} for i in range(25)]
    commands = ci_annotations({"gates": gates}, env={}, limit=10)
    assert len(commands) == 10
    assert commands[-1] == "::error title=golive::…and 16 more; see the step summary"


def test_publish_appends_to_the_step_summary_and_writes_summary_md(tmp_path: Path) -> None:
    step = tmp_path / "step.md"
    step.write_text("earlier step\n")
    printed: list[str] = []
    summary = {"verdict": "no-go", "gates": [GATE_FAIL], "run_id": "r1", "status": "finished"}
    outputs = publish(
        summary,
        out_dir=tmp_path / "rep",
        env={"GITHUB_STEP_SUMMARY": str(step)},
        echo=printed.append,
    )
    text = step.read_text()
    assert text.startswith("earlier step\n## golive: ❌ NO-GO")
    assert (tmp_path / "rep" / "summary.md").read_text() in text
    assert outputs.summary_paths == (tmp_path / "rep" / "summary.md", step)
    assert printed == list(outputs.annotations) and len(printed) == 1
    outputs = publish(summary, out_dir=tmp_path / "rep2", env={}, echo=printed.append)
    assert outputs.summary_paths == (tmp_path / "rep2" / "summary.md",)
