"""`golive init`: write a commented starter golive.yaml and suite."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from golive.cli import app

EPILOG = """\
Example:

  golive init && golive run
"""


@app.command("init", epilog=EPILOG)
def init_command(
    directory: Annotated[
        Path, typer.Argument(help="Where to write golive.yaml and cases.jsonl.")
    ] = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Write a commented golive.yaml and an example cases.jsonl to start from."""
    from golive.cli._errors import fail

    directory.mkdir(parents=True, exist_ok=True)
    templates = resources.files("golive.cli") / "templates"
    written = []
    for name in ("golive.yaml", "cases.jsonl"):
        path = directory / name
        if path.exists() and not force:
            raise fail(f"{path} exists; pass --force to overwrite it.")
        path.write_text((templates / name).read_text(encoding="utf-8"), encoding="utf-8")
        written.append(path)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo("next: edit the target in golive.yaml, then run `golive run`")
