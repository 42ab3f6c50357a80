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
/api/cases/ID, /api/compare?base=…&head=…. Binds 127.0.0.1: the store holds model outputs.

Access: only requests addressed to this server's own name pass (127.0.0.1, localhost, ::1, the
address bound, and each --allow-host NAME); any other Host header gets 403, which stops a
DNS-rebinding page from reading the store through your browser. With --token (or
GOLIVE_SERVE_TOKEN) every request needs 'Authorization: Bearer TOKEN'; in a browser open
http://HOST:PORT/?token=TOKEN once (it becomes a cookie and leaves the URL). A bind other than
loopback (--host 0.0.0.0) requires a token; --insecure-no-token serves it to anyone, loudly.

  GOLIVE_SERVE_TOKEN=$(python -c "import secrets; print(secrets.token_urlsafe(24))") \
    golive serve --host 0.0.0.0 --allow-host golive.internal

Exit 4 when the store cannot be opened or the bind is refused.
"""


@app.command("serve", epilog=EPILOG)
def serve_command(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: a free one).")] = 8765,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="GOLIVE_SERVE_TOKEN",
            show_envvar=True,
            help="Require 'Authorization: Bearer TOKEN' (or, in a browser, ?token=TOKEN once); "
            "required off loopback. At least 16 characters.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Another name the dashboard is reached by (NAME, or NAME:PORT); repeatable.",
        ),
    ] = None,
    insecure_no_token: Annotated[
        bool,
        typer.Option(
            "--insecure-no-token",
            help="Serve a non-loopback --host without a token (anyone who reaches the port "
            "reads every run).",
        ),
    ] = False,
) -> None:
    """Serve a local dashboard over the results store; Ctrl-C stops it.

    Example: golive serve --port 8765
    """
    from pathlib import Path

    from golive._http_access import access_middleware, check_bind
    from golive._loop import until_stopped
    from golive.cli._errors import fail
    from golive.errors import ConfigError, StoreError
    from golive.serve import Dashboard
    from golive.store.engine import mask_url, normalize_url, open_store

    try:
        check_bind(
            host, token, insecure=insecure_no_token, token_hint="--token or GOLIVE_SERVE_TOKEN"
        )
        access_middleware(host, port, token, allow_host or ())  # a bad --allow-host: exit 4
    except ConfigError as exc:
        raise fail(str(exc)) from None
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
        dashboard = Dashboard(
            opened,
            host=host,
            port=port,
            token=token,
            allow_hosts=allow_host or (),
            insecure=insecure_no_token,
        )
        if dashboard.warning:
            typer.secho(dashboard.warning, err=True, fg="red", bold=True)
        async with dashboard:
            typer.echo(f"golive dashboard: {dashboard.url}  (store {opened.url})")
            if token:
                typer.echo("Token required: open the address with ?token=<your token> once.")
            typer.echo("Press Ctrl-C to stop.")
            await until_stopped()

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve())
    finally:
        opened.dispose()
    typer.echo("stopped")
