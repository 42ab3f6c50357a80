"""`golive load`: latency under concurrency, with honest TTFT, capacity at the SLO and cliff."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from golive.cli import app

HELP = """Load-test an OpenAI-compatible endpoint (or the bundled demo server).

Each level runs for --duration seconds: closed loop (--concurrency: N users, each waits for its
reply) or open loop (--rate: requests scheduled on the clock whether or not earlier ones
finished); --sweep searches for the capacity at the SLO and the latency cliff.

[bold]Metrics[/bold] (t_sched = when a request was due; t_send = when it was sent;
c_1…c_K = arrival of the chunks carrying content; N = output tokens):

- TTFT = c_1 − t_send. TTFT from schedule (queue-inclusive) = c_1 − t_sched: it shows the queue
  that coordinated omission hides; SLOs and gates named ttft use it.
- E2E = c_K − t_send (and from t_sched). TPOT = (E2E − TTFT)/(N − 1), N > 1.
- ITL = every gap c_j − c_(j−1), pooled over all requests of the level.
- rps = completed requests/s; output tok/s = ΣN / measured seconds; goodput = requests/s that
  met every SLO (errors count as misses). Warm-up requests are excluded.
- Tokens: the usage field when the server sends it, else a bundled tokenizer (else an
  estimate); the report says which.
- Client health is measured per level; a level where the client was the bottleneck is marked
  valid: no, with the reason. Where chunks carry kernel arrival stamps (plain http:// on Linux)
  it is judged by how late the loop handled each stamped read and sent each due request,
  elsewhere by event-loop lag (p99 over --max-lag-ms, 5 by default), and by client CPU (over
  --max-client-cpu, 90% of a core). --processes N spreads each level over N client
  processes on this machine (users, or the arrival schedule, split between them; one clock).
"""

EPILOG = """\
Examples:

  golive load --demo --concurrency 1,8,32 --duration 5

  golive load --url http://127.0.0.1:8000/v1 --model m --rate 5,10,20 --arrivals poisson \\
      --duration 30 --warmup 5 --slo ttft_p95=500ms,e2e_p99=3s --json load.json

  golive load --url http://127.0.0.1:8000/v1 --model m --sweep --slo ttft_p95=500ms

  golive load --url … --model m --concurrency 50 --gate "load.ttft_p95_ms@c=50 <= 500"

Gate metrics: load.ttft_p95_ms@c=50, load.ttft_send_p95_ms@…, load.e2e_p99_ms@r=10,
load.tpot_p50_ms@…, load.itl_p99_ms@…, load.goodput_rps@c=8, load.capacity_at_slo,
load.cliff, load.cold_start_ms.

Exit codes: 0 every SLO and gate met (or none given), 1 one failed, 2 interrupted (finished
levels kept and written), 4 bad flag or config, 6 inconclusive (none failed, but the data
cannot settle one: e.g. a p95 bound that too few requests leave open).
"""


def _build_spec(**flags: Any) -> Any:
    from pydantic import ValidationError

    from golive._validation import config_error_from
    from golive.errors import ConfigError
    from golive.load.spec import LoadSpec, parse_number_list

    chosen = [n for n in ("concurrency", "rate", "sweep") if flags[n]]
    if len(chosen) != 1:
        raise ConfigError(
            "give exactly one of --concurrency, --rate or --sweep",
            field="--" + (chosen[1] if len(chosen) > 1 else "concurrency"),
        )
    profile: dict[str, Any]
    if flags["concurrency"]:
        values = parse_number_list(flags["concurrency"], field="--concurrency", integer=True)
        profile = {"kind": "closed", "concurrency": [int(v) for v in values]}
    elif flags["rate"]:
        values = parse_number_list(flags["rate"], field="--rate", integer=False)
        profile = {"kind": flags["arrivals"], "rate": values}
    else:
        profile = {"kind": "sweep", "arrivals": "poisson"}
        if flags["sweep_over"]:
            profile["over"] = flags["sweep_over"]
        if flags["sweep_max"]:
            profile["max"] = flags["sweep_max"]
    data: dict[str, Any] = {"profile": profile, "duration": flags["duration"]}
    keys = ("warmup", "requests", "max_concurrency", "prompts", "max_tokens", "seed", "processes")
    for key in keys:
        if flags[key] is not None:
            data[key] = flags[key]
    client = {
        key: flags[flag]
        for key, flag in (("max_lag_ms", "max_lag_ms"), ("max_cpu_pct", "max_client_cpu"))
        if flags[flag] is not None
    }
    if client:
        data["client"] = client
    if flags["slo"]:
        from golive.load.spec import parse_slo

        data["slo"] = parse_slo(flags["slo"], field="--slo")
    if flags["cold_start"]:
        data["cold_start"] = {"start": flags["start"]} if flags["start"] else {}
    try:
        return LoadSpec.model_validate(data)
    except ValidationError as exc:
        raise config_error_from(exc, prefix="load") from None


@app.command("load", help=HELP, epilog=EPILOG)
def load_command(
    url: Annotated[
        str | None, typer.Option(help="Base URL, e.g. http://127.0.0.1:8000/v1.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name sent with every request.")] = None,
    concurrency: Annotated[
        str | None, typer.Option(help="Closed loop: users per level, e.g. 1,8,32.")
    ] = None,
    rate: Annotated[
        str | None, typer.Option(help="Open loop: requests/s per level, e.g. 5,10.")
    ] = None,
    sweep: Annotated[
        bool, typer.Option(help="Search for the capacity at the SLO and the cliff.")
    ] = False,
    sweep_over: Annotated[
        str | None, typer.Option(help="Sweep: concurrency (default) or rate.")
    ] = None,
    sweep_max: Annotated[float | None, typer.Option(help="Sweep: highest load tried.")] = None,
    arrivals: Annotated[
        str, typer.Option(help="Open loop arrivals: poisson, constant or gamma.")
    ] = "poisson",
    max_concurrency: Annotated[
        int | None, typer.Option(help="Open loop: most in flight; the rest queue (measured).")
    ] = None,
    duration: Annotated[float, typer.Option(help="Seconds per level.")] = 10.0,
    warmup: Annotated[
        float | None, typer.Option(help="Seconds excluded at each level's start.")
    ] = None,
    requests: Annotated[int | None, typer.Option(help="Most requests per level.")] = None,
    prompts: Annotated[
        Path | None, typer.Option(help="Prompts: a suite (.jsonl/.yaml) or one per line (.txt).")
    ] = None,
    max_tokens: Annotated[int | None, typer.Option(help="max_tokens per request (128).")] = None,
    slo: Annotated[
        str | None, typer.Option(help="SLOs, e.g. ttft_p95=500ms,e2e_p99=3s (see above).")
    ] = None,
    gate: Annotated[list[str] | None, typer.Option(help="Gate expression (repeatable).")] = None,
    cold_start: Annotated[
        bool, typer.Option(help="Measure launch → first token (demo, or with --start).")
    ] = False,
    start: Annotated[str | None, typer.Option(help="Shell command that starts the target.")] = None,
    target_kind: Annotated[
        str, typer.Option("--target-kind", help="Target kind: openai or demo.")
    ] = "openai",
    demo: Annotated[bool, typer.Option(help="Start the bundled demo server and load it.")] = False,
    demo_fast: Annotated[
        bool, typer.Option(help="The demo server without cold start, 100x faster (tests).")
    ] = False,
    seed: Annotated[int | None, typer.Option(help="Seed of the arrival times.")] = None,
    processes: Annotated[
        int | None,
        typer.Option(help="Client processes per level (users or arrivals split between them)."),
    ] = None,
    max_lag_ms: Annotated[
        float | None,
        typer.Option(help="A level is invalid when its chunk times may be this late at p99 (5)."),
    ] = None,
    max_client_cpu: Annotated[
        float | None,
        typer.Option(help="A level is invalid past this client CPU, % of a core (90)."),
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the JSON here.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for summary.json.")] = Path("golive-report"),
    store: Annotated[
        str | None,
        typer.Option(
            envvar="GOLIVE_STORE",
            help="Store URL for the raw per-request records (default sqlite:///.golive/golive.db).",
        ),
    ] = None,
    no_store: Annotated[bool, typer.Option(help="Do not write to the store.")] = False,
) -> None:
    from golive._files import check_output_paths
    from golive.cli._load_run import run_load_command

    spec = _build_spec(
        concurrency=concurrency,
        rate=rate,
        sweep=sweep,
        sweep_over=sweep_over,
        sweep_max=sweep_max,
        arrivals=arrivals,
        duration=duration,
        warmup=warmup,
        requests=requests,
        max_concurrency=max_concurrency,
        prompts=prompts,
        max_tokens=max_tokens,
        seed=seed,
        processes=processes,
        max_lag_ms=max_lag_ms,
        max_client_cpu=max_client_cpu,
        slo=slo,
        cold_start=cold_start,
        start=start,
    )
    check_output_paths(out, json_path)
    code = run_load_command(
        spec,
        url=url,
        model=model,
        kind="demo" if demo or demo_fast else target_kind,
        demo_fast=demo_fast,
        gates=gate or [],
        json_path=json_path,
        out=out,
        store=None if no_store else store,
        record=not no_store,
    )
    raise typer.Exit(code)
