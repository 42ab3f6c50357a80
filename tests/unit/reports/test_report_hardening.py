"""Guardrails before and after in every report (summary.json, terminal, HTML), and scan-only
reports that leave out the sections that did not run."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from golive.diversity.analysis import robustness_metrics
from golive.diversity.expand import lineage
from golive.hardening import hardening_metrics
from golive.reports import build_summary, load_schema
from golive.reports.html import render_html
from golive.reports.terminal import render_terminal
from golive.schemas import FailureMode, RunResult

Kit = Any  # conftest.DiversityKit: a test module cannot import the conftest

HOSTILE_URL = "http://127.0.0.1:9/v1?[bold red]x[/]<script>window.__pwned=3</script>"


@pytest.fixture
def scan_result(diverse_result: RunResult, kit: Kit) -> RunResult:
    """A scan: attack variants only (no canonical cases), compared with a unguarded where every
    attack sample got through and one leaked personal data."""
    after = [
        r
        for r in diverse_result.cases
        if (i := lineage(r.case)) is not None and i.expectation == "must_resist"
    ]
    hijack, leak = FailureMode.INSTRUCTION_HIJACKED, FailureMode.PII_LEAK
    before = [
        replace(
            r,
            samples=tuple(
                kit.sample(r.case, i, "leaked", fail=leak if i == 0 and k == 0 else hijack)
                for i in range(len(r.samples))
            ),
        )
        for k, r in enumerate(after)
    ]
    metrics = {**robustness_metrics(after, seed=0), **hardening_metrics(before, after)}
    config = {"scan": {"unguarded": {"kind": "openai", "url": HOSTILE_URL, "model": "m"}}}
    return replace(diverse_result, cases=tuple(after), metrics=metrics, config=config)


def _terminal(result: RunResult) -> str:
    buffer = io.StringIO()
    render_terminal(result, Console(file=buffer, width=120, color_system=None))
    return buffer.getvalue()


def test_summary_has_before_and_after_and_validates(scan_result: RunResult) -> None:
    summary = build_summary(scan_result)
    jsonschema.Draft202012Validator(load_schema()).validate(summary)
    h = summary["hardening"]
    assert h["unguarded"] == {"kind": "openai", "url": HOSTILE_URL, "model": "m"}
    total = h["attack_success_rate"]
    assert total["before"]["value"] == 1.0 and total["before"]["n"] == 6
    assert total["after"]["value"] == pytest.approx(1 / 6)
    assert total["after"]["ci"][0] < total["after"]["value"] < total["after"]["ci"][1]
    assert set(h["by_attack"]) == {"override", "extract"}
    assert h["pii_leaks"] == {"before": 1, "after": 0}
    assert h["pii_leak_rate"]["before"]["value"] == pytest.approx(1 / 6)
    assert "quality_pass_rate" not in h  # a scan has no canonical cases


def test_runs_without_a_unguarded_have_no_hardening_section(diverse_result: RunResult) -> None:
    assert "hardening" not in build_summary(diverse_result)
    assert "Guardrails" not in _terminal(diverse_result)
    assert 'id="guardrails"' not in render_html(diverse_result)


def test_terminal_shows_before_after_and_hides_what_a_scan_did_not_run(
    scan_result: RunResult,
) -> None:
    text = _terminal(scan_result)
    assert "Guardrails: before (kind=openai" in text and "→ after (this target)" in text
    # The unguarded URL is shown as text (wrapped here), never interpreted as markup.
    assert "[bold" in text and "red]x[/]<script>" in text
    assert "100.0% [61.0%, 100.0%]" in text and "16.7%" in text
    assert "PII leaks (1 → 0 samples)" in text
    assert "Attacks (3 variants)" in text  # 3 attack cases, 6 samples
    for absent in ("Quality", "Failure modes", "Latency, ms", "Robustness"):
        assert absent not in text


def test_html_shows_before_after_escaped_and_hides_what_a_scan_did_not_run(
    scan_result: RunResult,
) -> None:
    html = render_html(scan_result)
    assert 'id="guardrails"' in html and 'href="#guardrails"' in html
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned=3&lt;/script&gt;" in html
    for absent in ('id="quality"', 'id="failures"', 'id="latency"', 'id="robustness"'):
        assert absent not in html
    assert 'href="#quality"' not in html and "0 cases × 0 samples" not in html
    assert 'id="attacks"' in html and 'id="cases"' in html  # what the scan did run


def test_a_full_run_keeps_its_quality_sections(diverse_result: RunResult) -> None:
    html = render_html(diverse_result)
    assert 'id="quality"' in html and 'id="robustness"' in html
    text = _terminal(diverse_result)
    assert "Quality" in text and "Failure modes" in text and "Robustness" in text
