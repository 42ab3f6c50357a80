"""`golive perturb`: amplify a suite with mutators and write it as a JSONL suite."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from golive.cli import app

if TYPE_CHECKING:
    from collections.abc import Sequence

    from golive.diversity.expand import Expansion
    from golive.diversity.spec import DiversitySpec
    from golive.schemas import Case

EPILOG = """\
Examples:

  golive perturb cases.jsonl -o variants.jsonl          # every rule-based mutator

  golive perturb cases.jsonl --mutators typos,slang,angry --per-case 3 --seed 7 -o v.jsonl

  golive perturb --list                                 # every mutator, with an example

  golive perturb cases.jsonl | head                     # JSONL on stdout when no -o

  golive perturb cases.jsonl -m translate,paraphrase \
      --generator-url http://127.0.0.1:8000/v1 --generator-model my-llm -o v.jsonl

The output holds the canonical cases, then the variants (id CASE~MUTATOR~K, lineage in
metadata.variant); use it as the suite of `golive run`. Exit 4 on a bad suite or mutator.
"""


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def mutator_rows() -> list[dict[str, Any]]:
    """Every registered mutator as a row: name, family, expectation, description, example."""
    from golive.diversity.base import FAMILIES
    from golive.registry import registry

    rows = []
    for name in registry.names("mutator"):
        factory = registry.get("mutator", name).factory
        family = str(getattr(factory, "family", ""))
        rows.append(
            {
                "name": name,
                "family": family,
                "expectation": str(getattr(factory, "expectation", "")),
                "needs_generator": bool(getattr(factory, "needs_generator", False)),
                "description": str(getattr(factory, "description", "")),
                "example": str(getattr(factory, "example", "")),
            }
        )
    order = {f: i for i, f in enumerate(FAMILIES)}
    return sorted(rows, key=lambda r: (order.get(r["family"], len(order)), r["name"]))


def _print_list(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold", show_lines=False)
    for column in ("mutator", "family", "expects", "description", "example"):
        table.add_column(column, no_wrap=column in ("mutator", "family", "expects"))
    for row in rows:
        name = row["name"] + (" (model)" if row["needs_generator"] else "")
        # Text, not str: descriptions and examples hold brackets that rich reads as markup.
        table.add_row(*(Text(v) for v in (name, row["family"], row["expectation"])),
                      Text(row["description"]), Text(row["example"]))  # fmt: skip
    Console().print(table)


def _summary(expansion: Expansion, mutators: int, out: Path | None) -> str:
    cases, variants = len(expansion.cases), len(expansion.variants)
    where = f"; wrote {out}" if out else ""
    return (
        f"{cases} cases → {variants} variants from {mutators} mutators "
        f"(amplification {expansion.amplification:.1f}× per case){where}"
    )


@app.command("perturb", epilog=EPILOG)
def perturb_command(
    suite: Annotated[
        Path | None, typer.Argument(help="Cases file (.jsonl or .yaml) to amplify.")
    ] = None,
    mutators: Annotated[
        list[str] | None,
        typer.Option(
            "--mutators",
            "-m",
            help="Mutator names, comma-separated or repeated (default: every rule-based one).",
        ),
    ] = None,
    per_case: Annotated[
        int, typer.Option("--per-case", min=1, max=100, help="Variants per case per mutator.")
    ] = 1,
    seed: Annotated[int, typer.Option(help="Seed: the same seed writes the same file.")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSONL here (default: stdout).")
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List every mutator with an example, then exit.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print --list, or the summary, as JSON.")
    ] = False,
    generator_url: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible base URL for translate/paraphrase/tone/persona."),
    ] = None,
    generator_model: Annotated[
        str | None, typer.Option(help="Model name for the model-based rewrites.")
    ] = None,
    generator_key_env: Annotated[
        str | None, typer.Option(help="Env variable holding the generator's API key.")
    ] = None,
) -> None:
    """Rewrite each case the way real users and attackers write (typos, slang, other
    languages, broken formats, injections) and write the amplified suite.
    """
    import json

    from golive.errors import ConfigError

    if list_:
        rows = mutator_rows()
        if as_json:
            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            _print_list(rows)
        return
    if suite is None:
        raise ConfigError(
            "pass the SUITE to amplify, e.g. `golive perturb cases.jsonl -o variants.jsonl`, "
            "or --list to see the mutators.",
            field="SUITE",
        )

    from golive.diversity.spec import DiversitySpec, GeneratorSpec
    from golive.errors import RegistryError
    from golive.registry import registry
    from golive.suite import load_suite

    names = _split(mutators)
    for name in names or []:
        try:
            registry.get("mutator", name)
        except RegistryError as exc:
            raise RegistryError(str(exc), field="--mutators") from None
    cases = load_suite(suite).cases
    generator = None
    if generator_url or generator_model:
        if not (generator_url and generator_model):
            raise ConfigError(
                "model-based rewrites need both --generator-url and --generator-model.",
                field="--generator-url",
            )
        generator = GeneratorSpec(
            url=generator_url, model=generator_model, api_key_env=generator_key_env
        )
    spec = DiversitySpec(
        mutators=list(names) if names else None, per_case=per_case, seed=seed, generator=generator
    )
    expansion = _expand(cases, spec, seed)

    lines = [
        json.dumps(c.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False)
        for c in (*expansion.cases, *expansion.variants)
    ]
    body = "\n".join(lines) + "\n" if lines else ""
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(body, encoding="utf-8")
    else:
        typer.echo(body, nl=False)

    used = len(names) if names else len(_rule_based())
    # With the JSONL on stdout the summary goes to stderr, so pipes stay clean.
    err = out is None
    if as_json:
        summary = {
            "cases": len(expansion.cases),
            "variants": len(expansion.variants),
            "mutators": used,
            "amplification": round(expansion.amplification, 3),
            "notes": expansion.notes,
            "out": str(out) if out else None,
        }
        typer.echo(json.dumps(summary, ensure_ascii=False), err=err)
    else:
        typer.echo(_summary(expansion, used, out), err=err)
        for note in expansion.notes:
            typer.secho(f"note: {note}", fg="yellow", err=True)


def _rule_based() -> list[str]:
    from golive.diversity.expand import rule_based_names

    return rule_based_names()


def _expand(cases: Sequence[Case], spec: DiversitySpec, seed: int) -> Expansion:
    """``expand``, but the main task returns None: on Python 3.11 asyncio.run formats the
    repr of the task's result when it restores the SIGINT handler, which costs seconds for
    tens of thousands of variants."""
    import asyncio

    from golive.diversity.expand import expand_async

    box: list[Expansion] = []

    async def main() -> None:
        box.append(await expand_async(cases, spec, seed=seed))

    asyncio.run(main())
    return box[0]
