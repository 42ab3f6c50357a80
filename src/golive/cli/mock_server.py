"""`golive mock-server`: run the bundled demo application as an OpenAI-compatible server."""

from __future__ import annotations

from typing import Annotated

import typer

from golive.cli import app

EPILOG = """\
Examples:

  golive mock-server --port 8000

  golive mock-server --port 8000 --hardened --set cold_start_s=5 --set max_batch=4

Then: golive run --target openai --url http://127.0.0.1:8000/v1 --model nimbus-support-1 \\
      --suite "$(python -c 'import golive.demo as d; print(d.demo_suite_path())')"

Knobs (--set NAME=VALUE): run `golive mock-server --list-knobs`.
"""


@app.command("mock-server", epilog=EPILOG)
def mock_server_command(
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind (0: a free port).")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same answers.")] = 0,
    hardened: Annotated[bool, typer.Option(help="Turn on the demo's partial repairs.")] = False,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="A serving-model knob: --set NAME=VALUE.")
    ] = None,
    list_knobs: Annotated[
        bool, typer.Option("--list-knobs", help="List every knob with its default and meaning.")
    ] = False,
) -> None:
    """Serve the demo support assistant: POST /v1/chat/completions (SSE or JSON), GET /v1/models.

    Its serving model behaves like a real inference server: prefill time grows with the
    prompt, decode steps slow down with the batch, a maximum batch size, a FIFO queue and a
    cold start.
    """
    from golive._validation import config_error_from
    from golive.cli._common import parse_set
    from golive.demo import DemoSettings, run_demo_server

    if list_knobs:
        for name, field in DemoSettings.model_fields.items():
            typer.echo(f"{name:24} default {field.default!r:10} {field.description or ''}")
        return
    values = {
        "host": host,
        "port": port,
        "seed": seed,
        "hardened": hardened,
        **parse_set(set_ or []),
    }
    from pydantic import ValidationError

    try:
        settings = DemoSettings.model_validate(values)
    except ValidationError as exc:
        raise config_error_from(exc, prefix="--set", model=DemoSettings) from None
    run_demo_server(settings)
