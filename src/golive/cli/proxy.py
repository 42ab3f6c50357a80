"""`golive proxy`: serve an OpenAI-compatible gateway that applies golive.guard."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from golive.cli import app
from golive.cli._common import StoreOption

EPILOG = """\
Examples:

  golive proxy --upstream http://127.0.0.1:8000/v1 --config guard.yaml

  golive proxy --upstream https://api.openai.com/v1 --port 8080 --no-store

  golive proxy --upstream http://127.0.0.1:8000/v1 --workers 8   # 8 processes, one port

guard.yaml (every key optional; these are the defaults):

  input: [validate, pii, injection]     # on the last user message
  output: [output_pii]                  # on the reply
  upstream_timeout_s: 120
  holdback_chars: 64                    # streamed PII up to this long is caught whole
  strict_stream_pii: false              # true: also hold a word of letters back
  max_scan_chars: 50000                 # longer texts are blocked unscanned (oversized)
  client_header_timeout_s: 20           # to send a request head, else the connection closes
  client_body_timeout_s: 60             # to send the body, else 408
  log_max_chars: 8000                   # longer texts are stored as an excerpt + length

Only requests addressed to the proxy itself are answered (Host: 127.0.0.1, localhost, the bound
address, or an --allow-host name), so a web page cannot reach it by DNS rebinding. Off loopback
a token is required (--token or GOLIVE_PROXY_TOKEN): clients send it as X-Golive-Token, and
Authorization keeps carrying the upstream's key.

  GOLIVE_PROXY_TOKEN=$(python -c "import secrets; print(secrets.token_urlsafe(24))") \
    golive proxy --upstream http://127.0.0.1:8000/v1 --host 0.0.0.0 --allow-host gw.internal

Point your client's base URL at the printed address. Blocked requests get HTTP 400 with
code "content_blocked"; a blocked streamed reply ends with finish_reason "content_filter".
Prometheus metrics at /metrics. Each exchange is stored with PII redacted; the
Authorization header is forwarded, never stored. Exit 4 on a bad flag or config.
"""


@app.command("proxy", epilog=EPILOG)
def proxy_command(
    upstream: Annotated[
        str, typer.Option("--upstream", "-u", help="The upstream's OpenAI base URL (…/v1).")
    ],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="guard.yaml (default: built-in guards).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to bind (0-65535); 0 picks a free one.")
    ] = 8080,
    store: StoreOption = None,
    no_store: Annotated[bool, typer.Option(help="Do not log exchanges.")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=256,
            help="Proxy processes sharing the port (SO_REUSEPORT, Linux): a burst of requests "
            "is handled this many at a time; /metrics sums them all.",
        ),
    ] = 1,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="GOLIVE_PROXY_TOKEN",
            show_envvar=True,
            help="Require every request to carry 'X-Golive-Token: TOKEN' (Authorization stays "
            "the upstream's key); required off loopback. At least 16 characters.",
        ),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Another name the proxy is reached by (NAME, or NAME:PORT); repeatable.",
        ),
    ] = None,
    insecure_no_token: Annotated[
        bool,
        typer.Option(
            "--insecure-no-token",
            help="Serve a non-loopback --host without a token (anyone who reaches the port "
            "spends your upstream's quota).",
        ),
    ] = False,
) -> None:
    """Serve an OpenAI-compatible gateway that guards inputs and outputs.

    Example: golive proxy --upstream http://127.0.0.1:8000/v1 --config guard.yaml
    """
    import functools

    from golive._http_access import check_bind
    from golive._loop import freeze_startup_heap, run_main, until_stopped
    from golive.errors import ConfigError
    from golive.guard.config import load_proxy_config
    from golive.guard.proxy import GuardProxy, proxy_access
    from golive.store.proxy_log import StoreExchangeLog

    if not upstream.startswith(("http://", "https://")):
        raise ConfigError("the upstream must be an http(s) URL, e.g. http://host:8000/v1",
                          field="--upstream")  # fmt: skip
    settings = load_proxy_config(config)
    settings.chains()  # an unknown or broken guard fails here (exit 4), before any worker starts
    hosts = tuple(allow_host or ())
    warning = check_bind(host, token, insecure=insecure_no_token,
                         token_hint="--token or GOLIVE_PROXY_TOKEN")  # fmt: skip
    proxy_access(host, port, token, hosts)  # a bad --allow-host: exit 4 before serving
    if warning:
        typer.secho(warning, err=True, fg="red", bold=True)
    # Picklable, so that each --workers process opens its own connection to the store.
    log = None if no_store else functools.partial(StoreExchangeLog, store)
    if workers > 1:
        from golive.guard._proxy_workers import WorkerSpec, run_workers

        spec = WorkerSpec(upstream, config, host, port, log=log, token=token,
                          allow_hosts=hosts)  # fmt: skip
        run_workers(workers, spec, typer.echo)
        return

    async def serve() -> None:
        proxy = GuardProxy(upstream, settings, host=host, port=port,
                           log=log() if log is not None else None,
                           middlewares=[proxy_access(host, port, token, hosts)])  # fmt: skip
        async with proxy:
            freeze_startup_heap()
            # Credentials in the upstream's URL are never printed (nor shown to clients).
            typer.echo(f"golive proxy: {proxy.url} -> {proxy.upstream_display}  metrics: "
                       f"{proxy.url.removesuffix('/v1')}/metrics")  # fmt: skip
            typer.echo("Press Ctrl-C to stop.")
            await until_stopped()

    with contextlib.suppress(KeyboardInterrupt):
        run_main(serve())  # uvloop when installed, as the --workers processes run
