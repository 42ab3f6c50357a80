"""`golive compare`: is HEAD significantly worse than BASE? Exit 1 when it is."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from golive.cli import app
from golive.cli._common import StoreOption

EPILOG = """\
Examples:

  golive compare branch:main latest            # this branch's newest run against main's

  golive compare 3f2a9c 7be01d --json comparison.json --out compare-report/

  golive compare branch:main latest --alpha 0.01 --all-cases

A run is named by its id (or a unique prefix; see `golive runs`), `latest` (the newest
finished eval run) or `branch:NAME` (the newest finished eval run on that git branch).

Cases are matched by id. The pass rate is tested with a paired sign-flip test over cases,
each case with Fisher's exact test and Benjamini-Hochberg across cases; together they fail
the gate by chance at most alpha of the time. Latency quantiles (TTFT, E2E p50/p95) get a
bootstrap interval and are reported, not gated, unless --gate-latency.

Exit codes: 0 no significant regression, 1 regression, 4 bad run reference or flag.
"""


@app.command("compare", epilog=EPILOG)
def compare_command(
    base: Annotated[str, typer.Argument(help="The baseline run: id, prefix, latest, branch:NAME.")],
    head: Annotated[str, typer.Argument(help="The run to judge: id, prefix, latest, branch:NAME.")],
    store: StoreOption = None,
    alpha: Annotated[
        float,
        typer.Option(
            min=0.0001, max=0.5, help="False-alarm budget of the gate (significance level)."
        ),
    ] = 0.05,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the comparison as JSON here.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for comparison.json and comparison.md (Markdown summary)."),
    ] = None,
    all_cases: Annotated[
        bool, typer.Option("--all-cases", help="List unchanged cases too.")
    ] = False,
    gate_latency: Annotated[
        bool,
        typer.Option(
            "--gate-latency",
            help="Let a latency regression (significant and >= 20% and >= 20 ms) fail too.",
        ),
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap intervals.")] = 0,
) -> None:
    """Compare two stored runs case by case; exit 1 on a significant regression."""
    import json

    from rich.console import Console

    from golive._files import check_output_paths
    from golive.cli._errors import EXIT_NO_GO, EXIT_OK
    from golive.compare import compare_stored, render_comparison
    from golive.errors import ConfigError
    from golive.store.engine import mask_url, normalize_url

    check_output_paths(out, json_path)
    url = normalize_url(store)
    database = url.database or ""
    local = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if local and not Path(database).expanduser().exists():  # do not create an empty store
        raise ConfigError(f"no store at {mask_url(url)}; run `golive run` first or pass --store")
    comparison = compare_stored(
        store, base, head, alpha=alpha, seed=seed, gate_latency=gate_latency
    )
    render_comparison(comparison, Console(soft_wrap=False), all_cases=all_cases)
    data = json.dumps(comparison.to_json(), indent=2, ensure_ascii=False)
    written: list[Path] = []
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(data + "\n", encoding="utf-8")
        written.append(json_path)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "comparison.json").write_text(data + "\n", encoding="utf-8")
        (out / "comparison.md").write_text(comparison.to_markdown(), encoding="utf-8")
        written += [out / "comparison.json", out / "comparison.md"]
    for path in written:
        typer.echo(f"wrote {path}")
    raise typer.Exit(EXIT_NO_GO if comparison.regressed else EXIT_OK)
