"""Make values safe to store: drop anything that looks like a secret, repair hostile text.

The caller already redacts its config; this is the store's own last line of defence, so a
secret that slipped through is never written to a database that outlives the run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from golive._redact import SECRET_VALUE, is_secret_key

__all__ = ["clean_json", "clean_text", "drop_secrets", "is_secret_key"]

_DROPPED = "[redacted]"


def drop_secrets(value: Any) -> Any:
    """A JSON-ready copy of ``value`` without secret-named keys, at any depth."""
    if isinstance(value, Mapping):
        return {
            clean_text(str(k)): drop_secrets(v)
            for k, v in value.items()
            if not (isinstance(k, str) and is_secret_key(k))
        }
    if isinstance(value, list | tuple):
        return [drop_secrets(v) for v in value]
    if isinstance(value, str) and SECRET_VALUE.match(value):
        return _DROPPED
    return clean_json(value)


def clean_text(text: str) -> str:
    """``text`` storable in any backend: NUL (refused by PostgreSQL) and lone surrogates
    (refused by every UTF-8 encoder) become U+FFFD. Model outputs can contain both."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_json(value: Any) -> Any:
    """``value`` with every string (keys included) passed through ``clean_text``, so a JSON
    column always accepts it: tuples become lists, NaN None, other scalars their ``str``."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        # NaN and infinities are not JSON; PostgreSQL refuses them.
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return clean_text(str(value))
