"""OpenAI chat-completions wire format: request parsing and the exact response shapes."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from golive._version import __version__
from golive.demo._responder import ChatMessage

__all__ = [
    "BadRequest",
    "ChatRequest",
    "chunk",
    "completion",
    "error",
    "models",
    "new_completion_id",
    "parse_chat_request",
    "sse",
    "usage",
    "usage_chunk",
]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
SYSTEM_FINGERPRINT = "fp_golive_demo"


class BadRequest(Exception):
    """The request does not follow the API; answered with 400 and OpenAI's error body."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """The parts of a chat-completions request the demo uses."""

    messages: tuple[ChatMessage, ...]
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None
    seed: int | None = None


def _content(value: Any, index: int) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list):  # content parts: keep the text ones
        texts = [
            p.get("text", "") for p in value if isinstance(p, dict) and p.get("type") == "text"
        ]
        return "\n".join(t for t in texts if isinstance(t, str))
    raise BadRequest(
        "content must be a string or a list of content parts", f"messages[{index}].content"
    )


def _int_or_none(body: dict[str, Any], name: str, minimum: int | None = None) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{name} must be an integer", name)
    if minimum is not None and value < minimum:
        raise BadRequest(f"{name} must be at least {minimum}", name)
    return value


def parse_chat_request(body: Any) -> ChatRequest:
    """Validate a decoded request body; raises BadRequest naming the offending parameter."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise BadRequest("messages must be a non-empty list", "messages")
    messages: list[ChatMessage] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("role") not in _ROLES:
            raise BadRequest("each message needs a valid role", f"messages[{i}].role")
        messages.append((str(item["role"]), _content(item.get("content"), i)))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("stream must be a boolean", "stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise BadRequest("stream_options must be an object", "stream_options")
    n = _int_or_none(body, "n", 1)
    if n is not None and n != 1:
        raise BadRequest("this server only supports n=1", "n")
    max_tokens = _int_or_none(body, "max_completion_tokens", 1)
    if max_tokens is None:
        max_tokens = _int_or_none(body, "max_tokens", 1)
    return ChatRequest(
        messages=tuple(messages),
        stream=stream,
        include_usage=stream and options.get("include_usage") is True,
        max_tokens=max_tokens,
        seed=_int_or_none(body, "seed"),
    )


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def completion(
    cid: str, created: int, model: str, text: str, finish_reason: str, use: dict[str, int]
) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": use,
    }


def chunk(
    cid: str,
    created: int,
    model: str,
    delta: dict[str, str],
    finish_reason: str | None = None,
    *,
    with_usage: bool = False,
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` carrying one delta (``usage: null`` when usage is on)."""
    body: dict[str, Any] = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }
    if with_usage:
        body["usage"] = None
    return body


def usage_chunk(cid: str, created: int, model: str, use: dict[str, int]) -> dict[str, Any]:
    """The last chunk when ``stream_options.include_usage`` is set: usage, no choices."""
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [],
        "usage": use,
    }


def sse(payload: dict[str, Any] | str) -> bytes:
    """One server-sent event: ``data: <json>`` and a blank line."""
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


def error(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    """OpenAI's error body."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def models(model: str, created: int | None = None) -> dict[str, Any]:
    """The ``GET /v1/models`` list."""
    return {
        "object": "list",
        "data": [
            {
                "id": model,
                "object": "model",
                "created": created or int(time.time()),
                "owned_by": "golive",
                "version": f"nimbus-notes-demo-{__version__}",
            }
        ],
    }
