"""Reporter protocol: turn a finished (or interrupted) run into a file or a terminal view."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from rich.console import Console

from golive.schemas import RunResult

__all__ = ["ReportContext", "Reporter", "write_atomic"]


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


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all: into a temporary file
    beside it, then renamed over it, so an interrupt never leaves a half-written report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
