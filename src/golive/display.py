"""Live progress in the terminal: a rich progress bar fed by the runner's events."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from golive.events import Event, ObservationRecorded, RunFinished, RunStarted

__all__ = ["ProgressDisplay"]


class ProgressDisplay:
    """Subscriber showing requests done, failures so far and time left."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._failed = 0
        self._silent = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            if event.target_problem:
                self.console.print(
                    f"[yellow]warning:[/] the target did not answer its check "
                    f"({escape(event.target_problem)}); running anyway, failures will be recorded"
                )
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(
                    "[red]{task.fields[failed]} failed[/] · "
                    "[magenta]{task.fields[silent]} silent[/]"
                ),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
                disable=not self.console.is_terminal,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                f"run {event.run_id}", total=event.total_requests, failed=0, silent=0
            )
        elif isinstance(event, ObservationRecorded) and self._progress and self._task is not None:
            findings = event.scored.findings
            self._failed += bool(findings)
            self._silent += any(f.kind == "silent" for f in findings)
            self._progress.update(self._task, advance=1, failed=self._failed, silent=self._silent)
        elif isinstance(event, RunFinished):
            self.stop()

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
