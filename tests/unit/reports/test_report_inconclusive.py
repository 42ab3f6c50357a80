"""An inconclusive verdict in every report: summary.json (and its schema), the terminal, the
HTML report, JUnit, the Markdown / GitHub step summary and the CI annotations."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
from rich.console import Console

from golive.ci.annotations import ci_annotations
from golive.ci.github import publish
from golive.gates import evaluate_gates
from golive.metrics import rate
from golive.reports import build_summary, load_schema
from golive.reports.html import render_html
from golive.reports.junit import GATES_SUITE, render_junit
from golive.reports.markdown import render_markdown
from golive.reports.terminal import render_terminal
from golive.schemas import RunResult

GATES = [
    "quality.pass_rate >= 0.5",
    "failures.visible_rate.ci_high <= 0.05",
    "failures.silent_rate.ci_high <= 0.1",
]


def _inconclusive(run_result: RunResult) -> RunResult:
    """A flawless 12-sample run: the point gate passes, the two interval gates cannot settle."""
    metrics = {
        "quality.pass_rate": rate("quality.pass_rate", 12, 12),
        "failures.visible_rate": rate("failures.visible_rate", 0, 12),
        "failures.silent_rate": rate("failures.silent_rate", 0, 12),
    }
    verdict = evaluate_gates(GATES, metrics)
    assert verdict.label == "inconclusive"
    return replace(run_result, metrics={**run_result.metrics, **metrics}, verdict=verdict)


def test_summary_json_says_inconclusive_and_per_gate_samples_needed(run_result: RunResult) -> None:
    summary = build_summary(_inconclusive(run_result))
    jsonschema.Draft202012Validator(load_schema()).validate(summary)
    assert summary["verdict"] == "inconclusive"
    gates = [(g["status"], g["inconclusive"], g["samples_needed"]) for g in summary["gates"]]
    assert gates == [("pass", False, None), ("inconclusive", True, 73), ("inconclusive", True, 35)]
    assert not any(g["passed"] for g in summary["gates"][1:])


def test_terminal_banner_and_gate_rows(run_result: RunResult) -> None:
    buffer = io.StringIO()
    render_terminal(_inconclusive(run_result), Console(file=buffer, width=120, color_system=None))
    text = buffer.getvalue()
    assert "INCONCLUSIVE" in text and "NO-GO" not in text
    assert "no gate failed; 2 of 3 cannot be settled by the data yet (needs n ≥ 73)" in text
    assert "needs n ≥ 35" in text and "FAIL" not in text


def test_html_banner_and_badges(run_result: RunResult) -> None:
    page = render_html(_inconclusive(run_result))
    assert '<header class="banner inconclusive">' in page
    assert '<div id="verdict" class="verdict">INCONCLUSIVE</div>' in page
    assert "No gate failed; 2 of 3 cannot be settled by the data yet" in page
    assert page.count('<span class="badge inconclusive">INCONCLUSIVE</span>') == 2
    assert "needs n ≥ 73 with the observed value held" in page


def test_junit_reports_an_inconclusive_gate_as_skipped_not_failed(run_result: RunResult) -> None:
    root = ET.fromstring(render_junit(_inconclusive(run_result)))
    suite = next(s for s in root.iter("testsuite") if s.get("name") == GATES_SUITE)
    assert (suite.get("failures"), suite.get("skipped"), suite.get("tests")) == ("0", "2", "3")
    skipped = [c.find("skipped") for c in suite.iter("testcase")]
    assert skipped[0] is None
    assert skipped[2] is not None and "needs n ≥ 35" in (skipped[2].get("message") or "")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["golive.verdict"] == "inconclusive"


def test_markdown_and_github_step_summary(run_result: RunResult, tmp_path: Path) -> None:
    summary = build_summary(_inconclusive(run_result))
    text = render_markdown(summary)
    assert "⚠️ INCONCLUSIVE" in text and "NO-GO" not in text
    assert "⚠️ inconclusive: needs n ≥ 73" in text
    step = tmp_path / "step.md"
    printed: list[str] = []
    publish(
        summary,
        out_dir=tmp_path / "out",
        env={"GITHUB_STEP_SUMMARY": str(step), "GITHUB_WORKSPACE": str(tmp_path)},
        echo=printed.append,
    )
    assert "⚠️ INCONCLUSIVE" in step.read_text(encoding="utf-8")


def test_ci_annotations_warn_on_an_inconclusive_gate_instead_of_failing(
    run_result: RunResult,
) -> None:
    summary: dict[str, Any] = build_summary(_inconclusive(run_result))
    commands = ci_annotations(summary, env={"GITHUB_WORKSPACE": "."})
    assert not [c for c in commands if c.startswith("::error")]
    warnings = [c for c in commands if "golive gate inconclusive" in c]
    assert len(warnings) == 2 and "needs n ≥ 73" in warnings[0]
