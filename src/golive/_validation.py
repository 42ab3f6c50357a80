"""Turn pydantic validation errors into one clear message naming the field and the fix."""

from __future__ import annotations

import difflib
import re
import reprlib
import string
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ValidationError

from golive.errors import ConfigError

__all__ = [
    "QUOTE_CHARS",
    "config_error_from",
    "field_path",
    "is_env_name",
    "looks_like_secret",
    "mask_secret",
    "quote",
    "suggest",
]

# The most of a user's value an error message quotes: enough to recognise it.
QUOTE_CHARS = 200

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 6
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlong = 40


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)`` for an error message, at most about ``limit`` characters.

    A longer string shows its first ``limit`` characters and ``… (N chars)``; a container is
    abbreviated without ever being written out whole (it may be a YAML alias bomb).
    """
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} chars)"
    text = _REPR.repr(value)
    if isinstance(value, (list, tuple, dict, set)):
        text += f" ({len(value):,} items)" if len(value) > _REPR.maxlist else ""
    return text if len(text) <= limit else text[:limit] + "…"


# Shapes of well-known credentials: OpenAI/Anthropic/Stripe, GitHub, Slack, Hugging Face,
# AWS, Google, and a pasted header value. Case-sensitive: ``SK_REGION`` is a name.
_KEY_SHAPE = re.compile(
    r"(sk-|sk_|pk_|rk_|ghp_|gho_|ghs_|ghu_|github_pat_|xox[abpr]-|hf_)\S{6,}"
    r"|AKIA[0-9A-Z]{16}|AIza\S{20,}|(?i:bearer|basic)\s+\S+"
)
_ENV_CHARS = frozenset(string.ascii_letters + string.digits + "_")


def looks_like_secret(value: str) -> bool:
    """Whether ``value`` looks like a credential rather than a name: a known key prefix, or
    a long token mixing lower case, upper case and digits (names are words)."""
    text = value.strip()
    if _KEY_SHAPE.match(text):
        return True
    if len(text) < 20:
        return False
    classes = (
        any(c.islower() for c in text)
        + any(c.isupper() for c in text)
        + any(c.isdigit() for c in text)
    )
    return classes == 3 or (len(text) >= 32 and " " not in text and classes >= 2)


def mask_secret(value: str) -> str:
    """A secret shown safely: its first three characters, then ``…***``."""
    return f"{value.strip()[:3]}…***"


def is_env_name(value: str) -> bool:
    """Whether ``value`` can name an environment variable (letters, digits, ``_``)."""
    return bool(value) and not value[0].isdigit() and set(value) <= _ENV_CHARS


def _sensitive(loc: Sequence[int | str]) -> bool:
    """Whether a field's value must not be echoed: headers, keys, tokens, passwords."""
    from golive._redact import is_secret_key

    for part in loc:
        if not isinstance(part, str):
            continue
        name = part.lower()
        if name in ("headers", "api_key_env") or is_secret_key(part):
            return True
    return False


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
    elif _sensitive(loc):
        # Headers carry credentials and api_key_env may hold a pasted key: never echoed.
        if kind == "value_error":  # golive's own validators word these without the value
            message = str(first["msg"]).removeprefix("Value error, ")
        else:
            message = f"{first['msg']} (the value is not shown: it may be a secret)."
    else:
        text = str(first["msg"]).removeprefix("Value error, ")
        shown = quote(first.get("input"))
        message = text if shown in text else f"{text} (got {shown})."
    extra = len(err.errors()) - 1
    if extra:
        message += f" ({extra} more problem{'s' if extra > 1 else ''} after this one.)"
    return ConfigError(message, field=path)
