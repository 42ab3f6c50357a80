"""Relaying a streamed chat completion through the output guards without buffering it.

Content chunks leave as they arrive, except a tail that could still grow into a PII value
(an unfinished last word with digits or symbols in it, and digit groups before it), at most
``holdback`` characters: a card number, phone number or key split across chunks is whole in
the buffer before any of it leaves. An unfinished word of letters ("Sure!", "I'm") leaves at
once (holding
it would cost every reply one decode step of time to first token); should an ``@`` or a key's
body follow, the value is still detected across the cut and everything after the cut is
redacted, so at most that word leaves (``strict``: hold it too). The
finish chunk, the usage chunk and ``[DONE]`` are held until the guards that need the whole
reply (schema, leak, language match) have run; if one blocks, the client gets a final chunk
with ``finish_reason: "content_filter"`` instead: what was already sent cannot be recalled.
A stream that ends with no finish_reason, no ``[DONE]`` and no error event of the upstream's
was cut short: the relay says so (``close_input``) and adds no ``[DONE]`` of its own to make
it look whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from golive.guard.base import Detection
from golive.guard.pii import PiiGuard
from golive.transport.sse import SSEParser

__all__ = ["HoldbackRedactor", "StreamRelay", "sse"]


def sse(payload: dict[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


# What may still grow into a PII value: the unfinished last word (e-mails, keys, IBAN groups)
# and, before it, a run of digit groups (card and phone numbers are written with spaces).
_LAST_WORD = re.compile(r"\S*$")
_DIGIT_GROUPS = re.compile(r"[\d\s().+\-/]*$")
# A word of letters (with apostrophes inside, punctuation after: "Sure!", "I'm", "PDF,"): it
# cannot hold the digits of a number or a key's body, so it leaves without waiting.
# A final "." or ":" is held: "jane." may go on as "jane.doe@", "fe80:" as an IPv6 address.
_PLAIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*[,!?;)\]\"'’]*")


def _safe_cut(text: str, holdback: int, strict: bool = False) -> int:
    """How much of ``text`` can leave now: all but the tail that could still become PII, and
    never less than ``len - holdback``. Plain prose is released as it comes."""
    start = _LAST_WORD.search(text).start()  # type: ignore[union-attr]
    if not strict and _PLAIN_WORD.fullmatch(text, start):
        start = len(text)
    digits = _DIGIT_GROUPS.search(text, 0, start).start()  # type: ignore[union-attr]
    if any(c.isdigit() for c in text[digits:start]):
        start = digits
    return max(len(text) - holdback, start, 0)


_CONTEXT_CHARS = 64  # released text kept to find a value that began before the cut


class HoldbackRedactor:
    """Feed streamed text; get back the part that is safe to release, PII redacted."""

    def __init__(self, guard: PiiGuard | None, holdback: int, *, strict: bool = False) -> None:
        self.guard = guard
        self.holdback = holdback
        self.strict = strict
        self.pending = ""
        self.context = ""  # the tail of what already left, as the upstream wrote it
        self.detections: list[Detection] = []

    def feed(self, text: str) -> str:
        if self.guard is None:
            return text
        self.pending += text
        return self._release(_safe_cut(self.pending, self.holdback, self.strict))

    def finish(self) -> str:
        return self._release(len(self.pending)) if self.guard is not None else ""

    def _release(self, cut: int) -> str:
        assert self.guard is not None
        base = len(self.context)
        text = self.context + self.pending
        cut += base
        found = sorted(
            (d for d in self.guard.detect(text) if d.start is not None and d.end is not None),
            key=lambda d: d.start or 0,
        )
        for d in found:  # never cut through a value: hold it whole
            assert d.start is not None and d.end is not None
            if d.start < cut < d.end and d.end > base:
                cut = max(d.start, base)
        out: list[str] = []
        pos = base
        for d in found:
            assert d.start is not None and d.end is not None
            if d.end <= base or d.end > cut or max(d.start, base) < pos:
                continue  # already out, not yet whole, or overlapping one just redacted
            out += [text[pos : max(d.start, base)], self.guard.replacement(text, d)]
            self.detections.append(d)
            pos = d.end
        out.append(text[pos:cut])
        self.context = text[:cut][-_CONTEXT_CHARS:]
        self.pending = text[cut:]
        return "".join(out)


@dataclass
class StreamRelay:
    """One streamed reply: ``feed`` upstream bytes, ``finish`` at the end of the stream."""

    write: Callable[[bytes], Awaitable[None]]
    redactor: HoldbackRedactor
    text: list[str] = field(default_factory=list)  # the original content, for the end checks
    _parser: SSEParser = field(default_factory=SSEParser)
    _tail: list[bytes] = field(default_factory=list)
    _envelope: dict[str, Any] | None = None
    stopped: bool = False  # an in-stream block: nothing more leaves
    released: bool = False  # some content has left (the client's time to first token)
    ended: bool = False  # the upstream ended the reply: a finish_reason, [DONE] or an error
    _closing: bytes | None = None  # events parsed when the upstream's stream ended

    async def feed(self, data: bytes) -> None:
        out = b"".join(self._event(ev.data) for ev in self._parser.feed(data))
        if out and not self.stopped:
            await self.write(out)

    def _event(self, data: str) -> bytes:
        if data == "[DONE]":
            self.ended = True
            return b""  # sent by finish()
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            return sse(data)  # not ours to judge: pass it on unchanged
        if isinstance(body, dict) and ("error" in body or body.get("object") == "error"):
            self.ended = True  # the upstream ended it with its own error, which passes on
        choices = body.get("choices") if isinstance(body, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            self._tail.append(sse(data))  # e.g. the usage chunk: after the end checks
            return b""
        choice = choices[0]
        if choice.get("finish_reason") is not None:
            self.ended = True
        raw_delta = choice.get("delta")
        delta: dict[str, Any] = raw_delta if isinstance(raw_delta, dict) else {}
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.text.append(content)
            released = self.redactor.feed(content)
            self._envelope = body
            if self.redactor.detections and _blocks(self.redactor):
                self.stopped = True
                return b""
            if not released and "role" not in delta:
                return b""  # all held back
            self.released = self.released or bool(released)
            if released != content:
                delta["content"] = released
                return self._passed(body)
        return self._passed(body, data)

    def _passed(self, body: dict[str, Any], unchanged: str | None = None) -> bytes:
        """The event to send now (the upstream's own text when nothing in it changed); the
        finish chunk waits for the end checks."""
        if body["choices"][0].get("finish_reason") is not None:
            self._envelope = self._envelope or body
            self._tail.append(sse(unchanged if unchanged is not None else body))
            return b""
        return sse(unchanged if unchanged is not None else body)

    def close_input(self) -> bool:
        """The upstream's stream is over: read its last event; whether the reply ended (a
        finish_reason or ``[DONE]``) rather than being cut short."""
        if self._closing is None:
            self._closing = b"".join(self._event(ev.data) for ev in self._parser.close())
        return self.ended

    async def finish(self, blocked: bool, notice: str) -> None:
        """Flush what is held; ``blocked`` ends the stream with ``content_filter`` instead."""
        self.close_input()
        out: list[bytes] = [self._closing or b""]
        rest = self.redactor.finish()
        blocked = blocked or self.stopped or bool(self.redactor.detections and
                                                  _blocks(self.redactor))  # fmt: skip
        base = self._envelope or {"id": "chatcmpl-golive", "object": "chat.completion.chunk",
                                  "created": 0, "model": "", "choices": [{"index": 0}]}  # fmt: skip
        if rest and not blocked:
            out.append(sse(_chunk(base, {"content": rest}, None)))
        if blocked:
            out.append(sse(_chunk(base, {"content": notice}, "content_filter")))
        else:
            out += self._tail
        out.append(sse("[DONE]"))
        await self.write(b"".join(out))


def _blocks(redactor: HoldbackRedactor) -> bool:
    return redactor.guard is not None and redactor.guard.args.action == "block"


def _chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    body = {k: v for k, v in base.items() if k != "usage"}
    body["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
    return body
