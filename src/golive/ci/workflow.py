"""GitHub Actions workflow commands (``::error file=…,line=…::message``), escaped.

Escaping follows the Actions toolkit (``@actions/core`` ``command.ts``): in the message,
``%``, CR and LF become ``%25``, ``%0D``, ``%0A``; in property values ``:`` and ``,`` too.
An escaped command is therefore always one line, and text that came from a model cannot
end it early or start another command. Other control characters are neutralised as well,
so an ANSI escape in an output cannot rewrite the log line.

Output printed before the annotations (progress, the terminal report with model outputs)
is fenced with ``::stop-commands::TOKEN`` … ``::TOKEN::``, GitHub's own way to log untrusted
text: a model output that contains ``::error::`` on a line of its own is then shown, not run.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Literal

from golive.reports._text import clean

__all__ = [
    "Level",
    "escape_data",
    "escape_property",
    "stop_commands",
    "workflow_command",
]

Level = Literal["error", "warning", "notice"]
_PROPERTIES = ("title", "file", "line", "endLine", "col", "endColumn")


def escape_data(text: str) -> str:
    """A command's message: one line whatever it holds."""
    return clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (``title=…``): also without the ``:`` and ``,`` that delimit them."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(name: Level, message: str, **properties: str | int | None) -> str:
    """``::name k=v,…::message`` with everything escaped; properties that are None are left
    out. Known properties: title, file, line, endLine, col, endColumn."""
    unknown = set(properties) - set(_PROPERTIES)
    if unknown:
        raise ValueError(f"unknown workflow command properties: {sorted(unknown)}")
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key in _PROPERTIES
        if (value := properties.get(key)) is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


@contextlib.contextmanager
def stop_commands(echo: Callable[[str], None]) -> Iterator[str]:
    """Suspend workflow commands while the block runs; yields the (random) resume token."""
    token = secrets.token_hex(16)  # unguessable: untrusted text cannot resume early
    echo(f"::stop-commands::{token}")
    try:
        yield token
    finally:
        echo(f"::{token}::")
