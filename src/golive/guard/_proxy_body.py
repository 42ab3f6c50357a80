"""Reading a chat request's body: the JSON, and the last user message the input guards check.

Small bodies are parsed on the proxy's event loop. A large one (megabytes) is parsed in the
guard process (``_proxy_offload``): when its last user message is longer than the guards
scan, only that message's length and an excerpt come back, never the megabytes themselves,
so a flood of oversized requests costs the event loop little more than reading them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["BodyError", "Oversized", "excerpt", "last_user", "parse_body", "text_of"]


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


def last_user(messages: list[Any]) -> int | None:
    """The index of the last message with role ``user``."""
    return next((i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], dict)
                 and messages[i].get("role") == "user"), None)  # fmt: skip


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
