"""Reading a chat request's body: the JSON, the last user message the input guards check,
and the messages that hold content the application did not write (checked as documents).

A message is such a document when its role is ``tool`` (or the legacy ``function``), or when
its ``name`` marks it untrusted: ``untrusted``, or ``untrusted-``/``untrusted_`` and a label
(``untrusted-web``, ``untrusted_email``). OpenAI's SDKs send ``name`` on system, user and
assistant messages as it is given.

Small bodies are parsed on the proxy's event loop. A large one (megabytes) is parsed in the
guard process (``_proxy_offload``): when its last user message is longer than the guards
scan, only that message's length and an excerpt come back, never the megabytes themselves,
so a flood of oversized requests costs the event loop little more than reading them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DOCUMENT_ROLES",
    "UNTRUSTED",
    "BodyError",
    "Oversized",
    "documents",
    "excerpt",
    "last_user",
    "parse_body",
    "text_of",
    "untrusted",
]

DOCUMENT_ROLES = ("tool", "function")  # what a tool returned: never the application's words
UNTRUSTED = "untrusted"  # a message's ``name`` that marks its content as untrusted


class BodyError(ValueError):
    """The body is not a chat request; the message says why (for a 400)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True, slots=True)
class Oversized:
    """A request whose last user message is longer than the input guards scan."""

    chars: int  # the message's length
    excerpt: str  # what the log may keep of it (redacted before it is stored)
    model: str
    stream: bool


def excerpt(text: str, limit: int) -> str:
    """``text``, or its first and last ``limit // 2`` characters with its length between."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return (
        f"{text[:half]}\n[… golive: {len(text) - 2 * half} of {len(text)} characters "
        f"not stored …]\n{text[-half:]}"
    )


def text_of(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        return "\n".join(p for p in parts if isinstance(p, str))
    return None


def untrusted(message: dict[str, Any]) -> bool:
    """Whether ``message`` is marked untrusted by its ``name`` (see the module docstring)."""
    name = message.get("name")
    return isinstance(name, str) and (
        name == UNTRUSTED or name.startswith((UNTRUSTED + "-", UNTRUSTED + "_"))
    )


def last_user(messages: list[Any]) -> int | None:
    """The index of the last message with role ``user`` not marked untrusted."""
    return next((i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], dict)
                 and messages[i].get("role") == "user"
                 and not untrusted(messages[i])), None)  # fmt: skip


def documents(messages: list[Any]) -> list[tuple[int, str]]:
    """``(index, text)`` of each message whose content the application did not write: a tool's
    output, or a message marked untrusted. Messages without text (a tool call) are left out."""
    found: list[tuple[int, str]] = []
    for i, m in enumerate(messages):
        if isinstance(m, dict) and (m.get("role") in DOCUMENT_ROLES or untrusted(m)):
            text = text_of(m.get("content"))
            if text is not None:
                found.append((i, text))
    return found


def parse_body(raw: bytes, max_chars: int | None = None,
               keep: int = 0) -> dict[str, Any] | Oversized:  # fmt: skip
    """The request's JSON object; ``Oversized`` when ``max_chars`` is given and the last user
    message is longer. Raises BodyError."""
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyError("the body is not valid UTF-8") from None
    except RecursionError:
        raise BodyError("the body's JSON is nested too deeply") from None
    except ValueError:
        raise BodyError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BodyError("the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BodyError("messages must be a non-empty list", "messages")
    if max_chars is not None:
        last = last_user(messages)
        user = text_of(messages[last].get("content")) if last is not None else None
        if user is not None and len(user) > max_chars:
            return Oversized(len(user), excerpt(user, keep), str(body.get("model"))[:200],
                             body.get("stream") is True)  # fmt: skip
    return body
