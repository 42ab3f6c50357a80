"""Turn pydantic validation errors into one clear message naming the field and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ValidationError

from golive.errors import ConfigError

__all__ = ["config_error_from", "field_path", "suggest"]


def field_path(prefix: str, loc: Sequence[int | str]) -> str:
    parts = [prefix] if prefix else []
    for item in loc:
        if isinstance(item, int):
            if parts:
                parts[-1] = f"{parts[-1]}[{item}]"
            else:
                parts.append(f"[{item}]")
        else:
            parts.append(str(item))
    return ".".join(parts) or "(root)"


def suggest(word: str, choices: Iterable[str]) -> str:
    """' Did you mean X?' when a close match exists, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def config_error_from(
    err: ValidationError, *, prefix: str = "", model: type[BaseModel] | None = None
) -> ConfigError:
    """The first error of ``err`` as a ConfigError; the others are counted, not listed."""
    first = err.errors()[0]
    loc = [p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    path = field_path(prefix, loc)
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed: list[str] = []
        if model is not None and len(loc) == 1:
            allowed = list(model.model_fields)
        name = str(loc[-1]) if loc else path
        hint = suggest(name, allowed)
        fix = f" Remove it.{hint}" if hint else " Remove it or check the spelling."
        if allowed:
            fix += f" Allowed fields: {', '.join(sorted(allowed))}."
        message = f"unknown field.{fix}"
    elif kind == "missing":
        message = "this field is required; add it."
    else:
        message = f"{first['msg']} (got {first.get('input')!r})."
    extra = len(err.errors()) - 1
    if extra:
        message += f" ({extra} more problem{'s' if extra > 1 else ''} after this one.)"
    return ConfigError(message, field=path)
