"""The secret values of a target, masked wherever a target's text enters golive.

A target may reflect what it was sent: an error page quoting the request's headers, a model
echoing its system prompt with the key that came with it. golive knows those values (it sent
them), so ``observe`` masks each of them in the reply and the error message before the
observation exists: the store, the cache, every report and log only ever see ``***``.

The values come from the target's args: the API key named by ``api_key_env``, every header
value (bar those listed in ``show_headers``, which the user declared safe to show), and the
user:password and query values of ``url`` (with their percent-decoded and Basic-auth forms).
A target of another kind may add its own through an optional ``secret_values()`` method.
Values shorter than ``MIN_SECRET_CHARS`` are left alone: masking ``en`` or ``1`` everywhere
would destroy the text without protecting anything.
"""

from __future__ import annotations

import base64
import contextlib
import os
import weakref
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel

from golive._redact import REDACTED

__all__ = ["MIN_SECRET_CHARS", "Secrets", "secrets_of"]

MIN_SECRET_CHARS = 8
_BEARER = "bearer "


class Secrets:
    """A set of secret values and ``mask(text)``, which replaces every one of them."""

    __slots__ = ("_values",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        found = {v.strip() for v in values if v and len(v.strip()) >= MIN_SECRET_CHARS}
        # Longest first: a key that contains another is masked whole.
        self._values = tuple(sorted(found, key=len, reverse=True))

    def __bool__(self) -> bool:
        return bool(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:  # never the values themselves
        return f"Secrets({len(self._values)} values)"

    def mask(self, text: str) -> str:
        """``text`` with every secret value replaced by ``***``; a reply cut off in the middle
        of a secret loses the cut-off prefix too."""
        if not self._values or not text:
            return text
        text = self._mask_cut_tail(text)  # first: a shorter secret may start the cut one
        for value in self._values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text

    def _mask_cut_tail(self, text: str) -> str:
        # Output capped at N characters, or an excerpt ending in "…", may end inside a
        # secret: its prefix is still secret.
        body, ellipsis = (text[:-1], "…") if text.endswith("…") else (text, "")
        for value in self._values:
            # The longest prefix of ``value`` (at least MIN_SECRET_CHARS) that ends ``body``.
            window = body[-(len(value) - 1) :]
            start = window.find(value[:MIN_SECRET_CHARS])
            while start != -1:
                if value.startswith(window[start:]):
                    return body[: len(body) - len(window) + start] + REDACTED + ellipsis
                start = window.find(value[:MIN_SECRET_CHARS], start + 1)
        return text

    def __or__(self, other: Secrets) -> Secrets:
        return Secrets((*self._values, *other._values))

    @classmethod
    def from_args(cls, args: BaseModel | Mapping[str, Any] | None) -> Secrets:
        """The secrets configured in a target's args (see the module docstring)."""
        if args is None:
            return cls()
        data = args.model_dump() if isinstance(args, BaseModel) else dict(args)
        values: list[str] = []
        env = data.get("api_key_env")
        if isinstance(env, str) and env:
            values.append(os.environ.get(env, ""))
        headers = data.get("headers")
        show = {str(n).lower() for n in data.get("show_headers") or ()}
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                if isinstance(value, str) and str(name).lower() not in show:
                    values.append(value)
                    if value.lower().startswith(_BEARER):
                        values.append(value[len(_BEARER) :])
        url = data.get("url")
        if isinstance(url, str):
            values.extend(_url_secrets(url))
        return cls(values)


def _url_secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        user, password = parts.username, parts.password
    except ValueError:
        return []
    found: list[str] = []
    for raw in (user, password):
        if raw:
            found += [raw, unquote(raw)]
    if user is not None:
        basic = f"{unquote(user)}:{unquote(password or '')}".encode()
        found.append(base64.b64encode(basic).decode())
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        found.append(value)  # parse_qsl decodes; the raw form is in the query itself
    for piece in parts.query.split("&"):
        found.append(piece.partition("=")[2])
    return found


_CACHE: weakref.WeakKeyDictionary[Any, Secrets] = weakref.WeakKeyDictionary()


def secrets_of(target: object) -> Secrets:
    """The secrets of ``target``: from its ``args`` (openai, http, demo targets) and its
    optional ``secret_values()``; worked out once per target (after ``start``, so an API key
    read from the environment is known)."""
    try:
        cached = _CACHE.get(target)
    except TypeError:  # not weak-referenceable: work it out every time
        cached = None
    if cached is not None:
        return cached
    args = getattr(target, "args", None)
    found = Secrets.from_args(args if isinstance(args, BaseModel | Mapping) else None)
    extra = getattr(target, "secret_values", None)
    if callable(extra):
        found = found | Secrets(str(v) for v in extra())
    with contextlib.suppress(TypeError):
        _CACHE[target] = found
    return found
