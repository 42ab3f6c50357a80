"""The Markdown report (summary.md and the --ci step summary): content and escaping."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rich.console import Console

from golive.registry import registry
from golive.reports._md import md_text, table
from golive.reports.base import ReportContext
from golive.reports.markdown import MarkdownReporter, render_markdown
from golive.reports.summary import build_summary
from golive.schemas import RunResult


def test_md_text_makes_hostile_text_inert() -> None:
    text = md_text("a|b\n<img src=x onerror=alert(1)> [click](http://e) *x* `c` \x1b[31m")
    assert "\n" not in text and "<" not in text and "|" not in text.replace("\\|", "")
    assert "&lt;img" in text and r"\[click\]\(http://e\)" in text and r"\*x\*" in text
    assert r"\`c\`" in text and "\x1b" not in text
    assert md_text("x" * 500, 50).endswith("…") and len(md_text("x" * 500, 50)) == 50


def test_a_table_row_per_item() -> None:
    assert table(("a", "b"), [("1", "2")]) == ["| a | b |", "|---|---|", "| 1 | 2 |"]


def test_the_summary_names_verdict_gates_figures_and_failures(run_result: RunResult) -> None:
    text = render_markdown(build_summary(run_result))
    assert text.startswith("## golive: ❌ NO-GO\n")
    assert "`20250314\\-092653\\-a1b2c3`" not in text  # `-` is left alone
    assert "`20250314-092653-a1b2c3`" in text
    gate_rows = [line for line in text.splitlines() if line.startswith("| quality.pass\\_rate")]
    assert len(gate_rows) == 1 and gate_rows[0].endswith("| ❌ |")
    assert "| latency.ttft\\_ms.p95 &lt;= 2500 |" in text
    assert "| quality: sample pass rate |" in text and "| silent failure rate |" in text
    assert re.search(r"\| instruction\\_hijacked \| silent \| \d+ \|", text)
    assert "Compared with the baseline" not in text and "Response cache" not in text


def test_hostile_case_ids_are_escaped_in_the_comparison(run_result: RunResult) -> None:
    summary = build_summary(run_result)
    summary["comparison"] = {
        "base": {"id": "r0", "git_branch": "main"},
        "regressed": True,
        "regressions": ["<script>|x"],
        "cases": [
            {
                "case_id": "<script>|x",
                "capability": "a",
                "base": {"passed": 3, "n": 3},
                "head": {"passed": 0, "n": 3},
                "delta": -1.0,
                "q_value": 0.004,
            },
        ],
        "metrics": [],
        "mde": {"statement": "with 1 cases × 3 samples a drop of 90 points is detectable"},
        "warnings": ["<b>warn</b>"],
    }
    text = render_markdown(summary)
    assert "<script>" not in text and "<b>" not in text
    assert "| &lt;script&gt;\\|x | a | 3/3 | 0/3 | -100.0 pp | 0.004 |" in text
    assert "Baseline run: r0 \\(main\\)." in text and "Significant regressions found" in text
    assert "a drop of 90 points is detectable" in text
    assert "> &lt;b&gt;warn&lt;/b&gt;" in text


def test_load_and_cache_sections() -> None:
    summary: dict[str, Any] = {
        "verdict": "go",
        "gates": [],
        "load": {
            "capacity_at_slo": 8,
            "cliff": None,
            "levels": [
                {
                    "key": "c=8",
                    "requests": 40,
                    "rps": 20.5,
                    "goodput_rps": 19.0,
                    "ttft_from_schedule_ms": {"p95": 120.0},
                    "e2e_ms": {"p95": 900.0},
                    "errors": {"timeout": 1},
                    "valid": False,
                    "invalid_reason": "client <lag>",
                },
            ],
        },
        "cache": {"hits": 3, "misses": 1},
    }
    text = render_markdown(summary)
    assert text.startswith("## golive: ✅ GO")
    assert "| c=8 | 40 | 20.5 | 120 ms | 900 ms | 19 | 1 | **no**: client &lt;lag&gt; |" in text
    assert "| load: capacity at SLO | 8 |" in text
    assert "Response cache: 3 hits, 1 misses (75.0% replayed" in text


def test_the_markdown_reporter_is_registered_and_writes_summary_md(
    run_result: RunResult, tmp_path: Path
) -> None:
    args = registry.parse("reporter", {"kind": "markdown"}, field="reporters")
    built = registry.build("reporter", args)
    assert isinstance(built, MarkdownReporter)
    path = built.write(run_result, ReportContext(tmp_path, Console(file=None)))
    assert path == tmp_path / "summary.md"
    assert path.read_text() == render_markdown(build_summary(run_result))


def test_latency_percentiles_show_their_interval_and_unbounded_ones_say_so(
    run_result: RunResult,
) -> None:
    text = render_markdown(build_summary(run_result))
    # 20 requests bound no p95 from above: "≥ x", not the interpolated 380 ms.
    assert "| latency: ttft p95 (n=20 successful requests) | ≥ 300 ms [300, ∞) |" in text
    level = {
        "key": "c=1",
        "requests": 7,
        "ttft_from_schedule_ms": {"p95": 880.0, "ci": {"p95": [812.0, None]}},
        "e2e_ms": {"p95": 1200.0, "ci": {"p95": [1100.0, 1300.0]}},
        "slo_unsettled": ["ttft_ms.p95=880 <= 1000, 95% CI [812, unbounded) at n=7"],
    }
    text = render_markdown({"verdict": "go", "gates": [], "load": {"levels": [level]}})
    assert "| c=1 | 7 | — | ≥ 812 ms [812, ∞) | 1,200 ms [1,100, 1,300] |" in text
    assert "SLO not settled at c=1" in text and "too few requests to bound" in text
