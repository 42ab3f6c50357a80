"""`golive mock-server`: run the bundled demo application as an OpenAI-compatible server."""

from __future__ import annotations

from typing import Annotated

import typer

from golive.cli import app

EPILOG = """\
Examples:

  golive mock-server --port 8000

  golive mock-server --port 8000 --hardened --cold-start-s 5 --max-batch 4

Then: golive run --target openai --url http://127.0.0.1:8000/v1 --model nimbus-support-1 \\
      --suite "$(python -c 'import golive.demo as d; print(d.demo_suite_path())')"
"""


@app.command("mock-server", epilog=EPILOG)
def mock_server_command(
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind (0: a free port).")] = 8000,
    seed: Annotated[int, typer.Option(help="Same seed and requests: same answers.")] = 0,
    hardened: Annotated[
        bool,
        typer.Option(
            help="Repair part of the flaws: refuse injections, redact PII, reply "
            "in the user's language (typos still break retrieval)."
        ),
    ] = False,
    model: Annotated[str, typer.Option(help="Model name the server reports.")] = "nimbus-support-1",
    cold_start_s: Annotated[
        float, typer.Option(help="Seconds after start before the model has loaded.")
    ] = 1.5,
    prefill_ms_per_token: Annotated[
        float, typer.Option(help="Prefill time per prompt token, ms.")
    ] = 0.5,
    decode_ms_base: Annotated[float, typer.Option(help="Fixed time of one decode step, ms.")] = 8.0,
    decode_ms_per_seq: Annotated[
        float, typer.Option(help="Extra decode-step time per sequence in the batch, ms.")
    ] = 2.0,
    max_batch: Annotated[int, typer.Option(help="Most sequences decoded together.")] = 8,
    max_queue: Annotated[
        int, typer.Option(help="Most requests waiting beyond a full batch; more get 429.")
    ] = 256,
    speed: Annotated[
        float, typer.Option(help="Run the serving model this many times faster.")
    ] = 1.0,
    fast: Annotated[bool, typer.Option(help="No cold start and 100x speed (for tests).")] = False,
    wrong_article_rate: Annotated[
        float, typer.Option(help="Chance an answer uses a plausible but wrong article.")
    ] = 0.05,
) -> None:
    """Serve the demo support assistant: POST /v1/chat/completions (SSE or JSON), GET /v1/models.

    Its serving model behaves like a real inference server: prefill time grows with the
    prompt, decode steps slow down as the batch grows, a maximum batch size, a FIFO queue and a
    cold start. One user gets a fast answer; 50 concurrent users see TTFT in seconds.
    """
    from pydantic import ValidationError

    from golive._validation import config_error_from
    from golive.demo import DemoSettings, run_demo_server
    from golive.errors import ConfigError

    values = {
        "host": host,
        "port": port,
        "seed": seed,
        "hardened": hardened,
        "model": model,
        "cold_start_s": cold_start_s,
        "prefill_ms_per_token": prefill_ms_per_token,
        "decode_ms_base": decode_ms_base,
        "decode_ms_per_seq": decode_ms_per_seq,
        "max_batch": max_batch,
        "max_queue": max_queue,
        "speed": speed,
        "fast": fast,
        "wrong_article_rate": wrong_article_rate,
    }
    try:
        settings = DemoSettings.model_validate(values)
    except ValidationError as exc:
        error = config_error_from(exc, model=DemoSettings)
        flag = "--" + (error.field or "").replace("_", "-")
        raise ConfigError(str(error).removeprefix(f"{error.field}: "), field=flag) from None
    run_demo_server(settings)
