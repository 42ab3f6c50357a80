"""`golive runs` and `golive compare` at 80 columns (CI logs, pipes): run ids, case ids and
metric names are never cut."""

from __future__ import annotations

import io

from rich.console import Console

from compare_fakes import observations, run_row
from golive.cli.runs import render_runs
from golive.compare import compare_runs
from golive.compare._render import render_comparison

IDS = ("20261207-161958-125ec6", "20261207-171958-99ffee", "20261207-181958-0a1b2c")
LONG_TARGET = {"kind": "openai", "url": "http://127.0.0.1:8000/v1/a/rather/long/gateway/path"}


def _console(width: int) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, color_system=None, soft_wrap=False), buffer


def test_runs_at_80_columns_keep_every_run_id_and_status_whole() -> None:
    rows = [
        run_row(IDS[0], target=LONG_TARGET, status="interrupted", verdict="inconclusive"),
        run_row(IDS[1], minutes=5, verdict="no-go", cases=141, observations=1410),
        run_row(IDS[2], minutes=9, status="running", verdict=None),
    ]
    console, buffer = _console(80)
    render_runs(rows, console)
    text = buffer.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    for run_id in IDS:
        assert any(line.startswith(run_id + " ") for line in text.splitlines()), run_id
    for word in ("interrupted", "inconclusive", "no-go", "running", "1410 obs"):
        assert word in text
    assert "…" not in text
    assert "started: MM-DD HH:MM local time" in text  # the legend of the abbreviation


def test_runs_on_a_wide_terminal_stay_one_table() -> None:
    console, buffer = _console(160)
    render_runs([run_row(IDS[0], target=LONG_TARGET)], console)
    lines = buffer.getvalue().splitlines()
    assert lines[0].split()[:3] == ["run", "started", "status"]
    assert IDS[0] in lines[1] and LONG_TARGET["url"] in lines[1]


def test_compare_at_80_columns_keeps_run_and_case_ids_whole() -> None:
    cases = [f"billing-refund-window-question-{i:02d}" for i in range(30)]
    base = [(c, [True] * 3) for c in cases]
    head = [(c, [i > 5] * 3) for i, c in enumerate(cases)]
    comparison = compare_runs(
        run_row(IDS[0], target=LONG_TARGET),
        run_row(IDS[1], minutes=5),
        observations(IDS[0], base, ttft_ms=[100, 120, 300]),
        observations(IDS[1], head, ttft_ms=[150, 190, 400]),
    )
    console, buffer = _console(80)
    render_comparison(comparison, console)
    text = buffer.getvalue()
    assert all(len(line) <= 80 for line in text.splitlines())
    assert IDS[0] in text and IDS[1] in text
    for case_id in cases[:6]:  # the cases that dropped
        assert case_id in text
    for metric in comparison.metrics:
        assert metric.name in text
    assert "…" not in text
