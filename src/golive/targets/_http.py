"""What the HTTP targets share: their connection settings, API keys read from the environment
and checked header names. The wire itself (sessions, bodies, failure mapping) is
``golive.transport.http``.

Secrets stay out of everything a user might read: keys are read from the environment at
start, URLs are shown without credentials or query strings, and messages are redacted.
"""

from __future__ import annotations

import os

from pydantic import Field, field_validator

from golive._validation import is_env_name, looks_like_secret, mask_secret, quote
from golive.errors import ConfigError
from golive.registry import ComponentArgs

# Re-exported for the modules outside targets that import it from here (cli._load_run).
from golive.transport.http import safe_url

__all__ = [
    "HttpConnectionArgs",
    "env_name_problem",
    "header_problem",
    "read_api_key",
    "safe_url",
]


def env_name_problem(value: str) -> str | None:
    """What is wrong with ``value`` as ``api_key_env``, never quoting a pasted key."""
    if looks_like_secret(value):
        return (
            "api_key_env must name an environment variable; the value given looks like a key "
            f"itself ({mask_secret(value)}). Put the key in a variable (export OPENAI_API_KEY=…) "
            "and name the variable here."
        )
    if not is_env_name(value):
        shown = quote(value) if len(value) < 20 else f"{mask_secret(value)} ({len(value)} chars)"
        return (
            f"api_key_env must name an environment variable (letters, digits and _, e.g. "
            f"OPENAI_API_KEY); got {shown}."
        )
    return None


def header_problem(headers: dict[str, str]) -> str | None:
    """What is wrong with ``headers``, naming the header but never showing its value."""
    for name, value in headers.items():
        if not name or any(c in name for c in " \t\r\n:\0") or not name.isprintable():
            return f"header name {quote(name, 60)} is not a valid HTTP header name."
        if any(c in value for c in "\r\n\0"):
            return (
                f"the value of header {name!r} holds a line break or NUL; header values are "
                "one line (the value is not shown: it may be a secret)."
            )
    return None


def read_api_key(env_name: str | None, *, field: str) -> str | None:
    """The key held in ``$env_name`` (None when no variable is named)."""
    if env_name is None:
        return None
    problem = env_name_problem(env_name)
    if problem:
        raise ConfigError(problem, field=field)
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(
            f"environment variable {env_name} is not set; export it or change the name.",
            field=field,
        )
    return value


class HttpConnectionArgs(ComponentArgs):
    """Connection settings shared by the targets that speak HTTP."""

    url: str = Field(description="The endpoint URL.")
    max_connections: int = Field(
        default=1024, ge=0, description="Connection pool size; 0 means unlimited."
    )
    connect_timeout_s: float = Field(
        default=10.0, gt=0, allow_inf_nan=False, description="Seconds to open a connection."
    )

    # The targets that speak HTTP carry these two fields; neither value is ever echoed.
    @field_validator("api_key_env", check_fields=False)
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        problem = env_name_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("headers", check_fields=False)
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        problem = header_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value
