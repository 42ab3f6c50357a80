"""The OpenAI chat-completions wire format: one stream decoder for the openai target and the
load engine alike, and the judgement of a reply object.

``OpenAIStreamDecoder`` takes the reply's bytes as they were read, each read with its arrival
time, and gives back content ``Chunk``s; ``close`` gives the ``StreamEnd`` when the stream
finished properly. Every way a reply can be malformed raises ``TargetFailure`` with its mode,
so whichever path read the bytes, the same reply is judged the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from golive._unicode import SurrogateJoiner, clean_text
from golive.errors import TargetFailure
from golive.schemas import Chunk, FailureMode, StreamEnd, Usage
from golive.transport.http import excerpt, redact
from golive.transport.sse import SSEParser

__all__ = [
    "OpenAIStreamDecoder",
    "ends_with_done",
    "finish_reason",
    "first_choice",
    "loads_object",
    "parse_usage",
    "raise_reply_error",
    "read_event",
]


class OpenAIStreamDecoder:
    """An SSE chat-completion stream, decoded as its bytes arrive.

    ``feed(data, t_ns)`` yields the content that ``data`` completed, stamped ``t_ns``;
    stop feeding once ``done`` (``data: [DONE]`` was read). ``close()`` returns what the
    end completes: content held back (half an emoji), then ``StreamEnd`` when the stream
    finished; no ``StreamEnd`` means it was cut (``truncated``). JSON's ``\\u`` escapes can
    carry lone surrogates (an emoji split across two events): joined or escaped here, where
    the reply enters golive.
    """

    __slots__ = ("_joiner", "_parser", "_secret", "_t_ns", "done", "finish", "tokens", "usage")

    def __init__(self, secret: str | None = None) -> None:
        """``secret``: masked in every failure message (the API key a server may echo)."""
        self._parser = SSEParser()
        self._joiner = SurrogateJoiner()
        self._secret = secret
        self._t_ns = 0
        self.done = False
        self.finish: str | None = None  # the last finish_reason the server sent
        self.usage: Usage | None = None  # the last usage object the server sent
        self.tokens: int | None = None  # the last completion-token count the server sent

    def feed(self, data: bytes, t_ns: int) -> Iterator[Chunk]:
        """The content ``data`` completed, one chunk at a time; then ``TargetFailure`` if an
        event is malformed (the content before it is given first, as it arrived)."""
        self._t_ns = t_ns
        try:
            events = self._parser.feed(data)
        except UnicodeDecodeError as exc:
            raise TargetFailure(FailureMode.PROTOCOL_ERROR, f"invalid UTF-8: {exc}") from None
        for event in events:
            if event.data == "[DONE]":
                self.done = True
                return
            text, finished, used = read_event(event.data, self._secret)
            text = self._joiner.feed(text) if text else text
            if text:
                yield Chunk(text, t_ns)
            self.finish = finished or self.finish
            if used is not None:
                self.usage = used
                if used.completion_tokens is not None:
                    self.tokens = used.completion_tokens

    def flush(self) -> list[Chunk]:
        """Content still held back (a lone high surrogate at the end), stamped like the last
        read; for a caller that stops early (a failure) and keeps what arrived."""
        held = self._joiner.flush()
        return [Chunk(held, self._t_ns)] if held else []

    def close(self) -> list[Chunk | StreamEnd]:
        """The end of the stream: held content, then ``StreamEnd`` if the stream finished.

        Raises ``TargetFailure`` for invalid UTF-8 at the very end.
        """
        if not self.done:
            try:
                tail = self._parser.close()
            except UnicodeDecodeError as exc:
                raise TargetFailure(FailureMode.PROTOCOL_ERROR, f"invalid UTF-8: {exc}") from None
            self.done = any(e.data == "[DONE]" for e in tail)
        items: list[Chunk | StreamEnd] = [*self.flush()]
        # A server that omits [DONE] but said why it finished has finished.
        if self.done or self.finish is not None:
            items.append(StreamEnd(self.finish, self.usage))
        return items


def ends_with_done(reads: list[bytes]) -> bool:
    """Whether the newest read completes a ``data: [DONE]`` line (looks at the tail only, so
    the check costs the same whatever the reply's length; the decoder has the last word).
    Cheap when it is not: the newest read must hold ``[DONE]`` whole."""
    if b"[DONE]" not in reads[-1]:
        return False
    tail = reads[-1] if len(reads) == 1 else reads[-2][-32:] + reads[-1]
    return any(
        line.rstrip(b"\r") in (b"data: [DONE]", b"data:[DONE]") for line in tail.split(b"\n")
    )


def loads_object(data: bytes, *, what: str) -> dict[str, Any]:
    """``data`` as a JSON object; anything else is the reply's ``protocol_error``."""
    try:
        obj = json.loads(data)
    except ValueError:
        raise TargetFailure(
            FailureMode.PROTOCOL_ERROR, f"malformed JSON in {what}: {excerpt(data)}"
        ) from None
    if not isinstance(obj, dict):
        raise TargetFailure(FailureMode.PROTOCOL_ERROR, f"{what} is not a JSON object")
    return obj


def raise_reply_error(obj: dict[str, Any], secret: str | None) -> None:
    """An ``{"error": …}`` object where a completion was expected is the server's error."""
    error = obj.get("error")
    if error is None:
        if obj.get("object") != "error":  # vLLM's form: the object itself is the error
            return
        error = obj
    detail = error.get("message", error) if isinstance(error, dict) else error
    code = error.get("code") if isinstance(error, dict) else None
    status = code if isinstance(code, int) else None
    text = redact(excerpt(clean_text(str(detail)).encode()), secret)
    raise TargetFailure(FailureMode.HTTP_ERROR, f"error in the reply: {text}", status=status)


def read_event(data: str, secret: str | None) -> tuple[str | None, str | None, Usage | None]:
    """One ``data:`` payload of a chat-completion stream: (content, finish reason, usage).

    Malformed JSON, an error object, a missing choice or non-string content raise
    ``TargetFailure`` with their failure mode.
    """
    obj = loads_object(data.encode(), what="SSE data")
    raise_reply_error(obj, secret)
    text: str | None = None
    finish: str | None = None
    if obj.get("choices"):  # the usage-only chunk has an empty list
        choice = first_choice(obj)
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        if content:
            if not isinstance(content, str):
                raise TargetFailure(FailureMode.PROTOCOL_ERROR, "delta.content is not a string")
            text = content
        finish = finish_reason(choice)
    return text, finish, parse_usage(obj.get("usage"))


def first_choice(obj: dict[str, Any]) -> dict[str, Any]:
    """``choices[0]`` of a reply; a reply without it is a ``protocol_error``."""
    choices = obj.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise TargetFailure(FailureMode.PROTOCOL_ERROR, "reply has no choices[0] object")
    return choices[0]


def finish_reason(choice: dict[str, Any]) -> str | None:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) else None


def parse_usage(raw: object) -> Usage | None:
    """Token counts from a ``usage`` object (OpenAI or Anthropic-style names)."""
    if not isinstance(raw, dict):
        return None
    prompt = raw.get("prompt_tokens", raw.get("input_tokens"))
    completion = raw.get("completion_tokens", raw.get("output_tokens"))
    return Usage(
        prompt_tokens=prompt if isinstance(prompt, int) else None,
        completion_tokens=completion if isinstance(completion, int) else None,
    )
