"""`golive run`: evaluate a target against a suite and gate the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from golive.cli import app
from golive.cli._common import JsonSummaryOption, RunStoreOption, SetOption

EPILOG = """\
Examples:

  golive run                                   # uses ./golive.yaml

  golive run --target openai --url http://127.0.0.1:8000/v1 --model my-model \\
      --suite cases.jsonl --samples 3 --timeout 30 --json summary.json --out report/

  golive run -c golive.yaml --set concurrency=32 --gate "quality.pass_rate.ci_low >= 0.9"

  golive run --ci --cache                      # in CI: step summary, annotations, cache

  golive run --baseline branch:main            # no-go on a significant regression vs main

Exit codes: 0 go, 1 no-go, 2 interrupted, 3 internal error, 4 bad config or flag, 5 nothing to run,
6 inconclusive (no gate failed; the data cannot settle one: the report says how many samples).
"""


@app.command("run", epilog=EPILOG)
def run_command(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="golive.yaml to use (default: ./golive.yaml if present)."
        ),
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Target kind: openai, http, python, demo.")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Target URL, e.g. http://127.0.0.1:8000/v1.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name sent to the target.")] = None,
    api_key_env: Annotated[
        str | None, typer.Option(help="Name of the environment variable holding the API key.")
    ] = None,
    suite: Annotated[Path | None, typer.Option(help="Cases file (.jsonl or .yaml).")] = None,
    samples: Annotated[int | None, typer.Option(help="Samples per case (default 3).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Requests in flight (default 8).")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds per request, whole stream (default 60).")
    ] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Max output tokens per request.")] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for everything random.")] = None,
    gate: Annotated[
        list[str] | None,
        typer.Option(help="Gate expression (repeatable); replaces the config's gates."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option(help="Only cases with this tag (repeatable).")
    ] = None,
    mutators: Annotated[
        str | None,
        typer.Option(
            help="Amplify the suite: 'all' rule-based mutators or a comma list "
            "(typos,slang,...); see `golive perturb --list`."
        ),
    ] = None,
    set_: SetOption = None,
    json_path: JsonSummaryOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default golive-report/).")
    ] = None,
    store: RunStoreOption = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            help="Compare with this stored run (id, latest, branch:NAME); a significant "
            "regression makes the verdict no-go. See `golive compare --help`.",
        ),
    ] = None,
    ci: Annotated[
        bool,
        typer.Option(
            "--ci",
            help="CI output: a Markdown step summary (appended to $GITHUB_STEP_SUMMARY, and "
            "<out>/summary.md), GitHub annotations on stdout, junit.xml always. See docs/ci.md.",
        ),
    ] = False,
    cache: Annotated[
        bool | None,
        typer.Option(
            "--cache/--no-cache",
            help="Replay cached replies to unchanged requests (successful ones only; never for "
            "load; cached samples leave latency metrics). Default: the config's `cache:`.",
        ),
    ] = None,
) -> None:
    """Evaluate a target against a suite: N samples per case, scored, classified, gated.

    Prints a go/no-go verdict and writes index.html, summary.json and junit.xml.
    """
    from golive.cli._common import exit_code_for, parse_set, print_outcome
    from golive.config import load_plan, plan_from_dict, set_dotted
    from golive.errors import ConfigError
    from golive.pipeline import execute

    overrides: dict[str, Any] = {}
    target_fields = {"kind": target, "url": url, "model": model, "api_key_env": api_key_env}
    for name, given in target_fields.items():
        if given is not None:
            overrides[f"target.{name}"] = given
    flags: dict[str, Any] = {
        "suite": str(suite) if suite else None,
        "samples": samples,
        "concurrency": concurrency,
        "timeout": timeout,
        "request.max_tokens": max_tokens,
        "request.temperature": temperature,
        "seed": seed,
        "gates": gate,
        "tags": tag,
        "out": str(out) if out else None,
        "store": store,
    }
    for key, value in flags.items():
        if value is not None:
            overrides[key] = value
    if mutators is not None:
        names = [m.strip() for m in mutators.split(",") if m.strip()]
        overrides["diversity.mutators"] = None if names == ["all"] else names
    if cache is not None:
        overrides["cache.enabled"] = cache
    overrides.update(parse_set(set_ or []))

    config_path = config
    if config_path is None and target is None and Path("golive.yaml").exists():
        config_path = Path("golive.yaml")  # an ad-hoc --target run ignores ./golive.yaml
    if config_path is not None:
        plan = load_plan(config_path, overrides)
    else:
        if target is None:
            raise ConfigError(
                "no target; pass --target openai --url URL --model NAME, or a config with -c "
                "(create one with `golive init`).",
                field="target",
            )
        data: dict[str, Any] = {}
        for key, value in overrides.items():
            set_dotted(data, key, value)
        plan = plan_from_dict(data, base_dir=Path.cwd())
    from golive.cli._ci import cache_line, ci_plan, ci_run, publish_ci

    if ci:
        plan = ci_plan(plan)
    with ci_run(ci):
        outcome = execute(plan, json_path=json_path, baseline=baseline)
    result = outcome.result
    print_outcome(outcome.report_paths, result.verdict.label, result.status, result.store_shortfall)
    if (line := cache_line(outcome.result)) is not None:
        typer.echo(line)
    if ci:
        publish_ci(plan, outcome.result, config=config_path, json_path=json_path)
    raise typer.Exit(exit_code_for(outcome.result.status, outcome.result.verdict.label))
