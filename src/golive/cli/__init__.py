"""The ``golive`` command line. One module per command; no logic beyond parsing flags and
calling the library. Heavy modules are imported inside the commands so ``golive --help``
stays fast.
"""

from __future__ import annotations

import importlib

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="golive",
    help="Find out how your LLM application fails before your users do.\n\n"
    "Start with `golive demo`, then `golive init` and `golive run` against your own endpoint.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"golive {version('golive')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print golive's version and exit.",
    ),
) -> None:
    """Exists only for ``--version``; the help text is the Typer's own."""


# Each module registers its command(s) on ``app`` when imported.
_COMMAND_MODULES = (
    "run", "demo", "init", "runs", "mock_server", "perturb", "load", "guard", "scan", "proxy",
    "serve", "compare",
)  # fmt: skip
for _name in _COMMAND_MODULES:
    importlib.import_module(f"golive.cli.{_name}")


def main() -> None:
    from golive.cli._errors import run_app

    try:
        run_app(app)
    finally:
        # Skip the interpreter's last garbage collection of every module's objects (about a
        # second with pydantic, scipy and SQLAlchemy loaded), so that an interrupted command
        # exits within 2 s of Ctrl-C; atexit handlers and the flush of stdout still run.
        import gc

        gc.freeze()
