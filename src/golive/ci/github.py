"""``golive run --ci``: the step summary and the annotations for one finished run.

The Markdown summary always goes to ``<out>/summary.md`` (an artifact to keep) and, inside
GitHub Actions, is also appended to the file ``$GITHUB_STEP_SUMMARY`` names (GitHub wants
appends: earlier steps may have written there). Annotations go to stdout as workflow
commands; other CI systems show them as plain lines.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive.ci.annotations import ci_annotations
from golive.reports.markdown import render_markdown

__all__ = ["SUMMARY_FILE", "CiOutputs", "publish"]

SUMMARY_FILE = "summary.md"


@dataclass(frozen=True)
class CiOutputs:
    summary_paths: tuple[Path, ...]
    annotations: tuple[str, ...]


def publish(
    summary: dict[str, Any],
    *,
    out_dir: Path,
    suite: Path | None = None,
    config: Path | None = None,
    env: Mapping[str, str] | None = None,
    echo: Callable[[str], None] = print,
) -> CiOutputs:
    """Write the Markdown summary, print the annotations; return what was written."""
    env = os.environ if env is None else env
    text = render_markdown(summary)
    out_dir.mkdir(parents=True, exist_ok=True)
    local = out_dir / SUMMARY_FILE
    local.write_text(text, encoding="utf-8")
    paths = [local]
    step_summary = env.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        path = Path(step_summary)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
        paths.append(path)
    commands = ci_annotations(summary, suite=suite, config=config, env=env)
    for command in commands:
        echo(command)
    return CiOutputs(tuple(paths), tuple(commands))
