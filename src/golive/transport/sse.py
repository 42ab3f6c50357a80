"""An incremental server-sent-events parser: bytes in as they arrive, events out.

Follows the WHATWG event-stream rules that matter to LLM APIs: lines end in CRLF, LF or CR
(also split across reads), ``:`` starts a comment (keep-alive), ``data:`` fields of one event
are joined with newlines, a blank line dispatches the event. Bytes are decoded incrementally
and strictly, so invalid UTF-8 raises ``UnicodeDecodeError`` instead of being papered over.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["SSEEvent", "SSEParser"]


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str = "message"
    id: str | None = None


class SSEParser:
    """Feed it bytes with ``feed``; call ``close`` at the end of the stream."""

    __slots__ = ("_buffer", "_data", "_decoder", "_event", "_id", "_started")

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self._buffer = ""
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._started = False

    def feed(self, data: bytes) -> list[SSEEvent]:
        """Events completed by ``data``. Raises ``UnicodeDecodeError`` on invalid UTF-8."""
        text = self._decoder.decode(data)
        if not self._started and text:
            self._started = True
            if text.startswith("\ufeff"):  # the spec strips one leading byte-order mark
                text = text[1:]
        return self._lines(self._buffer + text, final=False)

    def close(self) -> list[SSEEvent]:
        """Flush at end of stream: a final event whose lines all ended is still dispatched.

        (The spec drops an event without its closing blank line; servers that end with
        ``data: [DONE]\\n`` and no blank line are common enough to be lenient here.)
        """
        text = self._buffer + self._decoder.decode(b"", final=True)
        events = self._lines(text, final=True)
        if self._data:
            events.append(self._dispatch())
        return events

    def _lines(self, text: str, *, final: bool) -> list[SSEEvent]:
        hold = ""
        if not final and text.endswith("\r"):
            # A trailing CR may be the first half of a CRLF split across two reads.
            text, hold = text[:-1], "\r"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        head, sep, rest = text.rpartition("\n")
        if hold:
            self._buffer = rest + hold  # a complete line, awaiting its possible LF
        else:
            # At the end, an unterminated last line is discarded, as the spec says.
            self._buffer = "" if final else rest
        return self._process(head.split("\n") if sep else [])

    def _process(self, lines: list[str]) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(self._dispatch())
                else:
                    self._event = ""
                continue
            if line[0] == ":":
                continue  # comment / keep-alive
            name, colon, value = line.partition(":")
            if colon and value.startswith(" "):
                value = value[1:]
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value
            elif name == "id" and "\0" not in value:
                self._id = value
            # "retry" and unknown fields are ignored, as the spec says
        return events

    def _dispatch(self) -> SSEEvent:
        event = SSEEvent("\n".join(self._data), self._event or "message", self._id)
        self._data = []
        self._event = ""
        return event
