"""Remove secrets from anything golive writes (reports, logs, the store)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["REDACTED", "SECRET_VALUE", "is_secret_key", "redact"]

REDACTED = "***"
# Words that make a key secret. ``max_tokens``/``prompt_tokens`` split into "tokens", which is
# deliberately not listed: those are counts, not credentials.
_SECRET_WORDS = frozenset(
    {
        "authorization",
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "cookie",
        "credential",
        "credentials",
        "bearer",
    }
)
# "token" followed by one of these is about token counting, not a credential (token_source).
_COUNTING = frozenset({"source", "count", "counts", "counter", "budget", "limit", "usage"})
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# Values that are credentials whatever their key: bearer headers and OpenAI-style keys.
SECRET_VALUE = re.compile(r"^\s*(bearer\s+\S+|sk-[A-Za-z0-9_-]{16,})", re.I)


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a secret (``api_key``, ``X-Api-Key``, ``accessToken``…).

    A key ending in ``_env`` names an environment variable, not its value, and is kept.
    """
    words = [w.lower() for w in _WORD.findall(key)]
    if not words or words[-1] == "env":
        return False
    for i, word in enumerate(words):
        if word in _SECRET_WORDS:
            counting = word == "token" and i + 1 < len(words) and words[i + 1] in _COUNTING
            if not counting:
                return True
    return any(a == "api" and b == "key" for a, b in itertools.pairwise(words))


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-named fields and credential-shaped values masked."""
    if isinstance(value, Mapping):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                else redact(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str) and SECRET_VALUE.match(value):
        return REDACTED
    return value
