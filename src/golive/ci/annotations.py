"""The annotations a CI run prints: failed gates and significant regressions as errors,
inconclusive gates, flaky cases, invalid load levels and comparison warnings as warnings.

GitHub shows at most 10 annotations of each level per step, so each level is cut to
``limit`` with a last one saying how many more there are (the step summary lists them all).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from golive.ci.lines import case_line, case_lines
from golive.ci.workflow import Level, workflow_command
from golive.reports._compare_md import case_changes
from golive.reports._format import fmt_ci, fmt_num

__all__ = ["ANNOTATION_LIMIT", "ci_annotations", "repo_path"]

ANNOTATION_LIMIT = 10


def repo_path(path: Path, env: Mapping[str, str]) -> str:
    """``path`` as GitHub wants it in ``file=``: relative to the workspace when inside it."""
    base = Path(env.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
    resolved = path.resolve()
    try:
        return resolved.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _share(passed: Any, n: Any) -> str:
    return f"{passed}/{n}" if isinstance(passed, int) and isinstance(n, int) else "?"


def _gate_errors(summary: dict[str, Any], config: str | None) -> list[tuple[Level, str]]:
    found: list[tuple[Level, str]] = []
    for gate in summary.get("gates") or []:
        if gate.get("passed"):
            continue
        if gate.get("inconclusive"):  # not a failure: a warning that says how many samples
            title = f"golive gate inconclusive: {gate.get('name')}"
            message = str(gate.get("reason") or "the data cannot settle this gate")
            found.append(
                ("warning", workflow_command("warning", message, title=title, file=config))
            )
            continue
        message = (
            f"{gate.get('metric')} = {fmt_num(gate.get('value'))} "
            f"(95% CI {fmt_ci(gate.get('ci'))}), needs {gate.get('op')} "
            f"{fmt_num(gate.get('threshold'))}"
        )
        if gate.get("value") is None and gate.get("reason"):
            message = str(gate["reason"])  # e.g. the metric does not exist in this run
        title = f"golive gate failed: {gate.get('name')}"
        found.append(("error", workflow_command("error", message, title=title, file=config)))
    return found


def _comparison(
    comparison: dict[str, Any], suite: str | None, lines: dict[str, int]
) -> list[tuple[Level, str]]:
    found: list[tuple[Level, str]] = []
    for change in case_changes(comparison, "regressions"):
        case_id = str(change.get("case_id", ""))
        delta = change.get("delta")
        change_pp = f"{delta * 100:+.1f} pp, " if isinstance(delta, int | float) else ""
        message = (
            f"case {case_id} passed {_share(change.get('base_passed'), change.get('base_n'))} "
            f"samples in the baseline, {_share(change.get('head_passed'), change.get('head_n'))}"
            f" now ({change_pp}q = {fmt_num(change.get('q_value'))})"
        )
        line = case_line(lines, case_id)
        found.append(
            (
                "error",
                workflow_command(
                    "error",
                    message,
                    title=f"golive regression: {case_id}",
                    file=suite,
                    line=line if suite else None,
                ),
            )
        )
    for metric in comparison.get("metrics") or []:
        if not isinstance(metric, dict) or metric.get("status") != "regression":
            continue
        # A gating metric's regression fails the run; a significant non-gating one (latency,
        # unless asked for) is worth a look but does not: an error would contradict exit 0.
        level: Level = "error" if metric.get("gating") else "warning"
        if level == "warning" and not metric.get("significant"):
            continue
        message = (
            f"{metric.get('name')}: {fmt_num(metric.get('base'))} → "
            f"{fmt_num(metric.get('head'))} (change {fmt_num(metric.get('delta'))}, "
            f"95% CI {fmt_ci(metric.get('ci'))}, p = {fmt_num(metric.get('p_value'))})"
        )
        title = f"golive regression: {metric.get('name')}"
        found.append((level, workflow_command(level, message, title=title)))
    for change in case_changes(comparison, "flaky"):
        case_id = str(change.get("case_id", ""))
        reason = change.get("flaky_reason") or "its outcome flips across samples or runs"
        line = case_line(lines, case_id)
        found.append(
            (
                "warning",
                workflow_command(
                    "warning",
                    f"case {case_id} is flaky: {reason}",
                    title=f"golive flaky case: {case_id}",
                    file=suite,
                    line=line if suite else None,
                ),
            )
        )
    for warning in comparison.get("warnings") or []:
        found.append(("warning", workflow_command("warning", str(warning), title="golive")))
    return found


def _load(summary: dict[str, Any]) -> list[tuple[Level, str]]:
    found: list[tuple[Level, str]] = []
    for level in (summary.get("load") or {}).get("levels") or []:
        if level.get("valid", True):
            continue
        key = level.get("key") or level.get("concurrency") or level.get("rate")
        reason = level.get("invalid_reason") or "the client was the bottleneck"
        message = f"load level {key} is invalid: {reason}; its figures are not trustworthy"
        title = "golive: invalid load level"
        found.append(("warning", workflow_command("warning", message, title=title)))
    return found


def _cap(items: list[tuple[Level, str]], limit: int) -> list[str]:
    commands: list[str] = []
    for level in ("error", "warning", "notice"):
        mine = [command for lvl, command in items if lvl == level]
        if len(mine) > limit:
            more = len(mine) - (limit - 1)
            mine = mine[: limit - 1]
            mine.append(
                workflow_command(level, f"…and {more} more; see the step summary", title="golive")
            )
        commands.extend(mine)
    return commands


def ci_annotations(
    summary: dict[str, Any],
    *,
    suite: Path | None = None,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    limit: int = ANNOTATION_LIMIT,
) -> list[str]:
    """The workflow commands for one run summary, errors first, each level capped."""
    env = os.environ if env is None else env
    suite_file = repo_path(suite, env) if suite is not None else None
    config_file = repo_path(config, env) if config is not None else None
    items = _gate_errors(summary, config_file)
    comparison = summary.get("comparison")
    if isinstance(comparison, dict):
        lines = case_lines(suite) if suite is not None else {}
        items += _comparison(comparison, suite_file, lines)
    items += _load(summary)
    if summary.get("status") == "interrupted":
        message = "the run was interrupted: its figures cover the finished samples only"
        items.append(("warning", workflow_command("warning", message, title="golive")))
    return _cap(items, max(limit, 1))
