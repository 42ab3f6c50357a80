"""The JSON reporter: ``summary.json`` in the report folder, and ``--json PATH`` anywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field

from golive.registry import ComponentArgs, reporter
from golive.reports.base import ReportContext, write_atomic
from golive.reports.summary import build_summary
from golive.schemas import RunResult

__all__ = ["JsonArgs", "JsonReporter", "write_summary"]


def write_summary(result: RunResult, path: Path) -> Path:
    """Write the summary as UTF-8 JSON (indent 2) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # ensure_ascii=False keeps non-English output readable; allow_nan=False guarantees
    # strict JSON (build_summary already turns non-finite numbers into null).
    text = json.dumps(build_summary(result), indent=2, ensure_ascii=False, allow_nan=False)
    return write_atomic(path, text + "\n")


class JsonArgs(ComponentArgs):
    kind: Literal["json"] = "json"
    filename: str = Field(
        default="summary.json",
        pattern=r"^[\w.-]+$",
        description="File name inside the report folder.",
    )


@reporter("json", args=JsonArgs)
class JsonReporter:
    """Machine-readable summary (summary.json), schema-versioned."""

    name = "json"

    def __init__(self, args: JsonArgs | None = None) -> None:
        self.args = args or JsonArgs()

    def write(self, result: RunResult, context: ReportContext) -> Path:
        return write_summary(result, context.out_dir / self.args.filename)
