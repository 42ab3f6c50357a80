"""At 80 columns (CI logs, pipes) the terminal summary never cuts an identifier a user must
copy: gate expressions, the run id, case ids and failure-mode names appear whole."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from rich.console import Console

from golive.reports.terminal import render_terminal
from golive.schemas import GateResult, RunResult, Verdict

LONG_GATE = "quality.capability.billing.pass_rate.ci_low >= 0.85"
RUN_ID = "20250314-092653-a1b2c3d4e5f6"


def _render(result: RunResult, width: int = 80) -> str:
    buffer = io.StringIO()
    render_terminal(result, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def _with_long_gate(result: RunResult) -> RunResult:
    extra = GateResult(LONG_GATE, LONG_GATE[:-8], ">=", 0.85, 0.5, (0.2, 0.7), False)
    return replace(result, run_id=RUN_ID, verdict=Verdict(False, (*result.verdict.gates, extra)))


@pytest.mark.parametrize("width", [80, 100, 140])
@pytest.mark.parametrize("long_gate", [False, True])
def test_identifiers_are_whole_at_any_width(
    diverse_result: RunResult, width: int, long_gate: bool
) -> None:
    result = _with_long_gate(diverse_result) if long_gate else diverse_result
    text = _render(result, width)
    assert all(len(line) <= width for line in text.splitlines())
    for gate in result.verdict.gates:
        assert gate.name in text, gate.name
    assert result.run_id in text
    worst = text[text.index("Worst 5 cases") :]
    for case_id in ("inject-<b>admin</b>", "lang-pt", "refund-digital", "refund-empty"):
        assert case_id in worst
    for mode in ("instruction_hijacked", "language_mismatch", "wrong_answer", "empty_output"):
        assert mode in worst
    # Nothing above the excerpts is cut short.
    assert "…" not in text[: text.index("Worst 5 cases")]


def test_a_gate_too_long_for_a_row_gets_its_own_line(diverse_result: RunResult) -> None:
    text = _render(_with_long_gate(diverse_result))
    lines = text.splitlines()
    row = lines.index(f"  {LONG_GATE}")
    assert "FAIL" in lines[row + 1] and "[0.2, 0.7]" in lines[row + 1]
    # A wide console keeps one row per gate.
    wide = _render(_with_long_gate(diverse_result), 140)
    assert any(LONG_GATE in line and "FAIL" in line for line in wide.splitlines())
