"""Remove secrets from anything golive writes (reports, logs, the store).

``redact`` is applied where a run's configuration is recorded (``Runner.config_snapshot``,
``golive load``'s run): every report, JSON summary, store row, ``golive runs --json`` and
``/api/runs`` reads that one copy. It masks, by default:

- fields whose name says secret (``api_key``, ``X-Api-Key``, ``accessToken``…);
- credential-shaped values (``Bearer …``, ``sk-…``);
- every HTTP header value under a ``headers`` mapping, unless the header is named in the
  sibling ``show_headers`` list (``Ocp-Apim-Subscription-Key``, ``x-functions-key`` and any
  custom header carry keys under names nothing could recognise);
- URL credentials: the user:password part and every query value of a URL-shaped value
  (``?api-key=``, ``?code=``), and the user:password part and secret-named query values of
  a URL inside longer text (a start command).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "SECRET_VALUE",
    "is_secret_key",
    "redact",
    "redact_url",
    "redact_urls_in",
    "show_headers_problem",
]

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


# A whole value that is a URL (scheme://…, no spaces), and a URL inside longer text.
_URL_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
# Query parameters that carry credentials in common APIs (Azure ?code=, ?sig=; Google ?key=).
_SECRET_PARAMS = frozenset(
    {"key", "code", "sig", "signature", "auth", "pass", "pwd", "access_token", "apikey"}
)


def _secret_param(name: str) -> bool:
    return name.lower() in _SECRET_PARAMS or is_secret_key(name)


def redact_url(url: str, *, all_query: bool = True) -> str:
    """``url`` with its user:password and its query values masked.

    ``all_query=False`` masks only the values of secret-looking parameters (``key``,
    ``code``, ``api-key``, ``sig``, ``access_token``…), for URLs quoted inside prose.
    Anything that does not parse as a URL comes back unchanged.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = "&".join(
                f"{quote(k, safe='')}="
                + (REDACTED if (all_query or _secret_param(k)) and v else quote(v, safe=""))
                for k, v in pairs
            )
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:  # an invalid port or IPv6 literal: not a URL this can read
        return url


def redact_urls_in(text: str) -> str:
    """``text`` with the credentials of every URL in it masked (see ``redact_url``)."""
    if "://" not in text:
        return text
    if _URL_VALUE.match(text):
        return redact_url(text)
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0), all_query=False), text)


def show_headers_problem(headers: Mapping[str, str], show: Iterable[str]) -> str | None:
    """What is wrong with ``show_headers`` (None when nothing is): each name must be one of
    ``headers`` and must not name a credential, which is never shown."""
    configured = {name.lower() for name in headers}
    for name in show:
        if name.lower() not in configured:
            known = ", ".join(sorted(headers)) or "none"
            return f"{name!r} is not one of the configured headers ({known})."
        if is_secret_key(name):
            return f"{name!r} names a credential; its value is never shown."
    return None


def _headers(headers: Mapping[Any, Any], show: Iterable[Any]) -> dict[Any, Any]:
    shown = {str(name).lower() for name in show}
    return {
        name: (
            redact(value)
            if str(name).lower() in shown and not is_secret_key(str(name))
            else (REDACTED if value not in (None, "") else value)
        )
        for name, value in headers.items()
    }


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets masked: secret-named fields, credential-shaped
    values, header values not listed in ``show_headers``, and URL credentials."""
    if isinstance(value, Mapping):
        show = value.get("show_headers")
        show = show if isinstance(show, list | tuple) else ()
        return {
            k: (
                REDACTED
                if isinstance(k, str) and is_secret_key(k) and v not in (None, "")
                else _headers(v, show)
                if k == "headers" and isinstance(v, Mapping)
                else redact(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        if SECRET_VALUE.match(value):
            return REDACTED
        return redact_urls_in(value)
    return value
