"""Map golive's errors to exit codes and one clear message, never a traceback."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import typer

from golive.errors import GoliveError

__all__ = [
    "EXIT_INCONCLUSIVE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NOTHING",
    "EXIT_NO_GO",
    "EXIT_OK",
    "EXIT_USAGE",
    "fail",
    "run_app",
]

EXIT_OK = 0
EXIT_NO_GO = 1
EXIT_INTERRUPTED = 2
EXIT_INTERNAL = 3
EXIT_USAGE = 4
EXIT_NOTHING = 5
EXIT_INCONCLUSIVE = 6  # no gate failed, but one at least cannot be settled by the data

# The longest error message printed. Messages quote user input in bounded form already
# (golive._validation.quote); this is the last line of defence for a terminal or CI log.
MESSAGE_CHARS = 2000


def _capped(message: str) -> str:
    if len(message) <= MESSAGE_CHARS:
        return message
    return f"{message[:MESSAGE_CHARS]}… ({len(message):,} chars)"


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: message`` and return the Exit to raise."""
    typer.secho(f"error: {_capped(message)}", err=True, fg="red")
    return typer.Exit(code)


def run_app(app: typer.Typer) -> None:
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of exiting.
        code: Any = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.secho("interrupted", err=True, fg="yellow")
        sys.exit(EXIT_INTERRUPTED)
    except GoliveError as exc:
        typer.secho(f"error: {_capped(str(exc))}", err=True, fg="red")
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # a bad flag or argument: click's message, exit 4
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.secho(f"error: {exc}", err=True, fg="red")
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # a bug in golive: say so plainly, keep the traceback on request
        if os.environ.get("GOLIVE_DEBUG"):
            traceback.print_exc()
        typer.secho(
            f"internal error: {type(exc).__name__}: {_capped(str(exc))} "
            "(set GOLIVE_DEBUG=1 for the traceback, and please report it)",
            err=True,
            fg="red",
        )
        sys.exit(EXIT_INTERNAL)
    if code == 130:  # Typer's code for a KeyboardInterrupt (a second Ctrl-C: abort at once)
        typer.secho("interrupted", err=True, fg="yellow")
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
