"""Options and helpers shared by the commands that run evaluations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from golive.schemas import StoreShortfall

__all__ = [
    "JsonSummaryOption",
    "RunStoreOption",
    "SetOption",
    "StoreOption",
    "exit_code_for",
    "parse_set",
    "print_outcome",
]

# The store the read-side commands (runs, compare, serve) look at.
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="GOLIVE_STORE",
        help="Store URL (default sqlite:///.golive/golive.db).",
    ),
]


# The options of the commands that run an evaluation and write its report (run, scan, demo).
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Any config field: --set FIELD=VALUE (dotted paths allowed)."),
]
JsonSummaryOption = Annotated[
    Path | None, typer.Option("--json", help="Also write the JSON summary here.")
]
# Where run, demo and scan store the run: --store, else GOLIVE_STORE (as runs and serve read
# it), else the config's `store:`, else the default.
RunStoreOption = Annotated[
    str | None,
    typer.Option(
        envvar="GOLIVE_STORE",
        help="Store URL (default: golive.yaml's store:, else sqlite:///.golive/golive.db).",
    ),
]


def parse_set(items: list[str]) -> dict[str, Any]:
    """``--set key.path=value`` pairs; values are parsed as YAML scalars (numbers, booleans)."""
    import yaml

    from golive._unicode import clean_tree
    from golive._yaml import YamlLimitError, load_yaml
    from golive.errors import ConfigError

    pairs: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"cannot read {item!r}; write --set FIELD=VALUE, e.g. --set samples=5.",
                field="--set",
            )
        try:
            pairs[key.strip()] = clean_tree(load_yaml(raw))
        except YamlLimitError as exc:  # an alias bomb is no plain string either
            raise ConfigError(f"cannot use {key.strip()}: {exc}.", field="--set") from None
        except yaml.YAMLError:
            pairs[key.strip()] = clean_tree(raw)
    return pairs


def exit_code_for(status: str, verdict: str) -> int:
    """The exit code of a run: 3 incomplete (the store lost results: an internal error, the
    reports are whole), 2 interrupted, else 0 go, 1 no-go, 6 inconclusive."""
    from golive.cli._errors import (
        EXIT_INCONCLUSIVE,
        EXIT_INTERNAL,
        EXIT_INTERRUPTED,
        EXIT_NO_GO,
        EXIT_OK,
    )

    if status == "incomplete":
        return EXIT_INTERNAL
    if status == "interrupted":
        return EXIT_INTERRUPTED
    return {"go": EXIT_OK, "inconclusive": EXIT_INCONCLUSIVE}.get(verdict, EXIT_NO_GO)


_VERDICT_COLOR = {"go": "green", "inconclusive": "yellow"}


def print_outcome(
    paths: tuple[Path, ...], verdict: str, status: str, shortfall: StoreShortfall | None = None
) -> None:
    """The verdict, what went wrong with the run itself, and the files written."""
    color = _VERDICT_COLOR.get(verdict, "red")
    if status == "interrupted":
        typer.secho(
            "run interrupted: every finished sample is kept and reported", fg="yellow", err=True
        )
    if shortfall is not None:
        typer.secho(f"error: {shortfall.line()}", fg="red", err=True)
    typer.secho(f"verdict: {verdict.upper()}", fg=color, bold=True)
    if verdict == "inconclusive" and status == "finished":  # else the status says why
        typer.secho(
            "no gate failed, but the data cannot settle every gate: the report says how many "
            "samples each one needs",
            fg="yellow",
        )
    for path in paths:
        typer.echo(f"wrote {path}")
