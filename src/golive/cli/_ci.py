"""What ``golive run --ci`` and ``--cache`` add around a run: JUnit on, workflow commands
fenced off during the run, then the step summary, the annotations and the cache's tally."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from golive.config import Plan
from golive.schemas import RunResult

__all__ = ["cache_line", "ci_plan", "ci_run", "publish_ci"]


def ci_plan(plan: Plan) -> Plan:
    """The plan with the JUnit reporter on (CI test tabs read junit.xml)."""
    if "junit" in plan.reporters:
        return plan
    return plan.model_copy(update={"reporters": [*plan.reporters, "junit"]})


@contextlib.contextmanager
def ci_run(enabled: bool) -> Iterator[None]:
    """While the run prints (model outputs included), GitHub must not obey ``::`` lines."""
    if not enabled:
        yield
        return
    from golive.ci.workflow import stop_commands

    with stop_commands(typer.echo):
        yield


def _summary(result: RunResult, written: list[Path]) -> dict[str, Any]:
    from golive.reports.summary import build_summary

    summary = build_summary(result)
    # `--baseline` adds the comparison to the summary it writes; pick it up from there.
    for path in written:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            isinstance(data, dict)
            and data.get("run_id") == result.run_id
            and isinstance(data.get("comparison"), dict)
        ):
            summary["comparison"] = data["comparison"]
            break
    return summary


def publish_ci(
    plan: Plan, result: RunResult, *, config: Path | None, json_path: Path | None
) -> None:
    """The step summary (``$GITHUB_STEP_SUMMARY`` and ``<out>/summary.md``) and annotations."""
    from golive.ci.github import publish

    candidates = [p for p in (json_path, plan.out / "summary.json") if p is not None]
    outputs = publish(
        _summary(result, candidates), out_dir=plan.out, suite=plan.suite, config=config
    )
    for path in outputs.summary_paths:
        typer.echo(f"wrote {path}")


def cache_line(result: RunResult) -> str | None:
    """'response cache: 12 hits, 3 misses' when the run used the response cache."""
    from golive.reports.summary import cache_counts

    counts = cache_counts(result)
    if counts is None:
        return None
    return (
        f"response cache: {counts['hits']} hits, {counts['misses']} misses "
        "(cached samples are left out of latency metrics)"
    )
