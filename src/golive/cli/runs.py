"""`golive runs`: list past runs from the results store."""

from __future__ import annotations

from typing import Annotated

import typer

from golive.cli import app
from golive.cli._common import StoreOption

EPILOG = """\
Examples:

  golive runs                                  # the 20 latest runs in .golive/golive.db

  golive runs --limit 5 --json                 # machine-readable

  golive runs --store postgresql+psycopg://golive@db.internal/golive

A run shown as "interrupted" was stopped (Ctrl-C) or its process died: its finished
observations are kept. GOLIVE_STORE sets the store when --store is not given.
"""

_STATUS_STYLE = {"finished": "green", "running": "yellow", "interrupted": "red", "failed": "red"}
_VERDICT_STYLE = {"go": "green", "no-go": "red"}


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
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("run", "started", "status", "verdict", "target"):
        table.add_column(name, no_wrap=name != "target")
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
    Console(soft_wrap=False).print(table)
