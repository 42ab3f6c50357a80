"""The terminal summary, rendered into a StringIO console."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from golive.registry import registry
from golive.reports.base import ReportContext
from golive.reports.terminal import TerminalArgs, render_terminal
from golive.schemas import CaseResult, RunResult, Verdict

Factory = Callable[..., RunResult]


def _render(result: RunResult, *, color: bool = False, **kwargs: object) -> str:
    buffer = io.StringIO()
    # Explicit colour settings: FORCE_COLOR / TERM in the environment must not change the text.
    console = (
        Console(file=buffer, width=120, force_terminal=True, color_system="standard")
        if color
        else Console(file=buffer, width=120, color_system=None, force_terminal=False)
    )
    render_terminal(result, console, **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()


def test_no_go_summary(run_result: RunResult) -> None:
    text = _render(run_result)
    assert "NO-GO" in text
    assert "2 of 3 gates failed" in text
    assert "quality.pass_rate.ci_low" in text and "FAIL" in text and "PASS" in text
    assert "52.4%" in text and "[32.4%, 71.7%]" in text  # pass rate with its CI
    assert "capability security" in text
    assert "visible (9.5% of samples)" in text and "silent (38.1% of samples)" in text
    assert "instruction_hijacked" in text and "timeout" in text
    assert "Latency, ms (n=20 successful requests with content; 95% CI)" in text
    assert "TTFT" in text and "1,900" in text  # the slow sample's max


def test_go_banner(run_result: RunResult) -> None:
    passing = replace(run_result, verdict=Verdict(True, ()))
    text = _render(passing)
    assert "GO" in text and "NO-GO" not in text
    assert "no gates configured" in text


def test_worst_cases_ranked_silent_and_most_failed_first(run_result: RunResult) -> None:
    text = _render(run_result, worst=3)
    section = text[text.index("Worst 3 cases") :]
    order = [section.index(case) for case in ("inject-<b>admin</b>", "lang-pt", "refund-digital")]
    assert order == sorted(order)
    assert "refund-window" not in section  # passed
    assert "shipping-eu" not in section  # 4th or later


def test_model_output_cannot_inject_markup_or_escapes(run_result: RunResult) -> None:
    plain = _render(run_result)
    # The literal markup from the model output is shown, not interpreted.
    assert "[bold red]PWNED[/]" in plain
    coloured = _render(run_result, color=True)
    assert "</details> \x1b[31m" not in coloured  # the model's own escape sequence is gone
    assert "\x00" not in coloured
    line = next(ln for ln in coloured.splitlines() if "PWNED" in ln)
    # The excerpt is styled dim; "[bold red]" inside it must not have turned bold (\x1b[1;31m).
    assert "\x1b[1;31m" not in line
    assert "\x1b" not in plain and "\x00" not in plain


def test_interrupted_and_report_path(result_factory: Factory, tmp_path: Path) -> None:
    base = result_factory()
    cases = [*base.cases[:3], *(CaseResult(c.case, ()) for c in base.cases[3:])]
    result = result_factory(cases=cases, status="interrupted")
    (tmp_path / "index.html").write_text("x", encoding="utf-8")
    text = _render(result, report_dir=tmp_path)
    assert "INTERRUPTED: partial results" in text
    assert f"Report: {tmp_path / 'index.html'}" in text.replace("\n", "")


def test_reporter_prints_to_context_console(run_result: RunResult, tmp_path: Path) -> None:
    buffer = io.StringIO()
    reporter = registry.build("reporter", TerminalArgs(worst=1))
    console = Console(file=buffer, width=120, color_system=None)
    written = reporter.write(run_result, ReportContext(tmp_path, console))
    assert written is None
    text = buffer.getvalue()
    assert "Worst 1 cases" in text and "inject-<b>admin</b>" in text
    assert f"Report: {tmp_path}" in text.replace("\n", "")


def test_latency_percentiles_show_their_interval_and_never_an_unbounded_number(
    run_result: RunResult,
) -> None:
    text = _render(run_result)
    lines = text.splitlines()
    ttft = next(line for line in lines if line.strip().startswith("TTFT"))
    ci = lines[lines.index(ttft) + 1]
    assert "95% CI" in ci and "[" in ci  # p50's interval, both sides bounded at n=20
    # 20 requests bound no p95 or p99 from above: "≥ x", not the interpolated 1,596.
    assert ttft.count("≥") == 3 and "1,596" not in ttft  # p90, p95, p99
    assert "∞)" in ci
    assert "too few requests to bound this percentile" in text
