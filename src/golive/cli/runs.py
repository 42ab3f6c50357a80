"""`golive runs`: list past runs from the results store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from golive.cli import app
from golive.cli._common import StoreOption

if TYPE_CHECKING:
    from rich.console import Console

    from golive.store.queries import RunRow

EPILOG = """\
Examples:

  golive runs                                  # the 20 latest runs in .golive/golive.db

  golive runs --limit 5 --json                 # machine-readable

  golive runs --store postgresql+psycopg://golive@db.internal/golive

A run shown as "interrupted" was stopped (Ctrl-C) or its process died: its finished
observations are kept. GOLIVE_STORE sets the store when --store is not given.
"""

_STATUS_STYLE = {
    "finished": "green",
    "running": "yellow",
    "interrupted": "red",
    "failed": "red",
    "incomplete": "red",  # the store lost some results: the run's reports hold them all
}
_VERDICT_STYLE = {"go": "green", "no-go": "red", "inconclusive": "yellow"}


@app.command("runs", epilog=EPILOG)
def runs_command(
    store: StoreOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many runs, newest first.")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """List past runs: id, start time, status, verdict, target, pass rate and cases."""
    import json
    from pathlib import Path

    from golive.store import list_runs
    from golive.store.engine import normalize_url

    url = normalize_url(store)
    # Listing must not create an empty database as a side effect of a mistyped path.
    database = url.database or ""
    missing = (
        url.get_backend_name() == "sqlite"
        and database not in ("", ":memory:")
        and not Path(database).expanduser().exists()
    )
    rows = [] if missing else list_runs(store, limit=limit)

    if as_json:
        typer.echo(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no runs yet; try `golive demo` or `golive run`")
        return

    from rich.console import Console

    render_runs(rows, Console(soft_wrap=False))


# Below this width the table would cut columns: each run takes two lines instead.
_WIDE = 120


def render_runs(rows: list[RunRow], console: Console) -> None:
    """The runs as a table, or on a narrow terminal (CI logs, 80 columns) as two lines per
    run; run ids are never cut either way (a user copies them into compare and report)."""
    from rich.table import Table
    from rich.text import Text

    if console.width < _WIDE:
        _render_narrow(rows, console)
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("run", no_wrap=True, min_width=max(len(r.id) for r in rows))
    for name in ("started", "status", "verdict", "target"):
        table.add_column(name, no_wrap=name != "target", overflow="fold")
    for name in ("pass rate", "cases", "obs"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        rate = row.pass_rate
        # Text, not str: rich would read markup in a target name.
        table.add_row(
            Text(row.id),
            Text(row.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")),
            Text(row.status, style=_STATUS_STYLE.get(row.status, "")),
            Text(row.verdict or "-", style=_VERDICT_STYLE.get(row.verdict or "", "")),
            Text(row.target_label),
            Text("-" if rate is None else f"{rate:.1%}"),
            Text(str(row.cases)),
            Text(str(row.observations)),
        )
    console.print(table)


def _render_narrow(rows: list[RunRow], console: Console) -> None:
    from rich.text import Text

    cells = [
        (
            row.id,
            row.started_at.astimezone().strftime("%m-%d %H:%M"),
            row.status,
            row.verdict or "-",
            "-" if row.pass_rate is None else f"{row.pass_rate:.1%}",
            str(row.cases),
        )
        for row in rows
    ]
    head = ("run", "started", "status", "verdict", "pass", "cases")
    widths = [max(len(c[i]) for c in (head, *cells)) for i in range(len(head))]
    right = (False, False, False, False, True, True)

    def line(values: tuple[str, ...], styles: tuple[str, ...]) -> Text:
        out = Text()
        for i, (value, style) in enumerate(zip(values, styles, strict=True)):
            cell = value.rjust(widths[i]) if right[i] else value.ljust(widths[i])
            out.append(("  " if i else "") + cell, style=style)
        return out

    console.print(line(head, ("bold",) * len(head)), overflow="fold")
    for row, values in zip(rows, cells, strict=True):
        styles = (
            "",
            "",
            _STATUS_STYLE.get(row.status, ""),
            _VERDICT_STYLE.get(row.verdict or "", ""),
            "",
            "",
        )
        console.print(line(values, styles), overflow="fold")
        # Text, not markup: a target name may hold brackets.
        detail = Text(f"  {row.target_label} · {row.observations} obs", style="dim")
        console.print(detail, overflow="fold")
    console.print(
        Text(
            "started: MM-DD HH:MM local time; under each run: its target and observations "
            "(a terminal of 120+ columns shows one table; --json has every field)",
            style="dim",
        )
    )
