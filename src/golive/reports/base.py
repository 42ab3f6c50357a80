"""Reporter protocol: turn a finished (or interrupted) run into a file or a terminal view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from rich.console import Console

from golive.schemas import RunResult

__all__ = ["ReportContext", "Reporter"]


@dataclass(frozen=True)
class ReportContext:
    out_dir: Path
    console: Console


@runtime_checkable
class Reporter(Protocol):
    name: str

    def write(self, result: RunResult, context: ReportContext) -> Path | None:
        """Write the report; return the file written, or None for the terminal."""
        ...
