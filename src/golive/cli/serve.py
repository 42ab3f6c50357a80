"""`golive serve`: a local web dashboard over the results store."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

import typer

from golive.cli import app
from golive.cli._common import StoreOption

EPILOG = """\
Examples:

  golive serve                                 # the store in .golive/golive.db

  golive serve --port 9000 --store postgresql+psycopg://golive@db.internal/golive

Pages: / (runs), /metrics (each metric over time with its 95% interval, by branch),
/runs/ID (the run's HTML report), /cases/ID (a case across runs), /compare?base=REF&head=REF
(REF: a run id or prefix, latest, branch:NAME). JSON: /api/runs, /api/metrics?name=…,
/api/cases/ID, /api/compare?base=…&head=…. Binds 127.0.0.1: the store holds model outputs,
so think before --host 0.0.0.0. Exit 4 when the store cannot be opened.
"""


@app.command("serve", epilog=EPILOG)
def serve_command(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: a free one).")] = 8765,
) -> None:
    """Serve a local dashboard over the results store; Ctrl-C stops it.

    Example: golive serve --port 8765
    """
    from pathlib import Path

    from golive._loop import until_stopped
    from golive.cli._errors import fail
    from golive.errors import StoreError
    from golive.serve import Dashboard
    from golive.store.engine import mask_url, normalize_url, open_store

    url = normalize_url(store)
    database = url.database or ""
    # Serving must not create an empty database because of a mistyped path.
    local = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if local and not Path(database).expanduser().exists():
        raise fail(
            f"no store at {mask_url(url)}; run `golive run` or `golive demo` first, "
            "or point --store at an existing one"
        )
    try:
        opened = open_store(store)
    except StoreError as exc:
        raise fail(str(exc)) from None

    async def serve() -> None:
        async with Dashboard(opened, host=host, port=port) as dashboard:
            typer.echo(f"golive dashboard: {dashboard.url}  (store {opened.url})")
            typer.echo("Press Ctrl-C to stop.")
            await until_stopped()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve())
    finally:
        opened.dispose()
    typer.echo("stopped")
