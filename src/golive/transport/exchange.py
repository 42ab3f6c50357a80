"""One raw request/reply as the load engine's lean path keeps it: only timestamps while
reading, decoding once the stream ended (``decode``), with the same decoder and failure
classification as the targets. ``read_stream`` is that path over aiohttp, for endpoints the
kernel-stamped client (``transport.stamped``) cannot read.
"""

from __future__ import annotations

import itertools
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from typing import Protocol

import aiohttp

from golive.errors import TargetFailure
from golive.schemas import Chunk, FailureMode, StreamEnd
from golive.transport.http import connection_failure, status_failure

__all__ = ["EndCheck", "Exchange", "StreamDecoder", "decode", "read_stream"]

# Whether the reads so far end the reply's content (SSE: a ``data: [DONE]`` line), so the
# client may stop reading before the body's end. None: the content ends with the body.
EndCheck = Callable[[list[bytes]], bool]


class StreamDecoder(Protocol):
    """Turns a reply's reads into content (see ``transport.openai.OpenAIStreamDecoder``)."""

    done: bool  # the content has ended: feed no more
    finish: str | None  # the finish reason given so far
    tokens: int | None  # the completion-token count the reply gave, if any

    def feed(self, data: bytes, t_ns: int) -> Iterable[Chunk]: ...

    def flush(self) -> list[Chunk]: ...

    def close(self) -> list[Chunk | StreamEnd]: ...


class Exchange:
    """What one request collected; filled in place so a timeout keeps what had arrived."""

    __slots__ = (
        "chunk_times",
        "done",
        "ends",
        "error",
        "finish",
        "message",
        "reads",
        "status",
        "text",
        "times",
        "usage_tokens",
    )

    def __init__(self) -> None:
        self.reads: list[bytes] = []
        self.times: MutableSequence[int] = []  # perf_counter_ns() at each read, first thing
        self.ends: array[int] | None = None  # once packed: where each read ended in reads[0]
        self.error: FailureMode | None = None
        self.message = ""
        self.status: int | None = None  # the HTTP status of a failed reply
        self.done = False
        self.text = ""
        self.chunk_times: list[int] = []
        self.usage_tokens: int | None = None
        self.finish: str | None = None  # the finish_reason the server sent, if any

    def pack(self) -> None:
        """Hold the reads as one buffer and two integer arrays until they are parsed.

        A finished reply can wait seconds for its parse (see ``load.engine``). As a list of one
        object per read, thousands of waiting replies made every young garbage collection walk
        hundreds of thousands of references (20-30 ms with the loop stopped); packed, a reply
        is a handful of objects the collector does not look inside.
        """
        if self.ends is not None:
            return
        self.ends = array("q", itertools.accumulate(len(r) for r in self.reads))
        self.reads = [b"".join(self.reads)] if self.reads else []
        self.times = array("q", self.times)

    def pieces(self) -> Iterator[tuple[bytes, int]]:
        """Each read as it arrived: (bytes, perf_counter_ns()), packed or not."""
        if self.ends is None:
            yield from zip(self.reads, self.times, strict=True)
            return
        data = self.reads[0] if self.reads else b""
        start = 0
        for end, t in zip(self.ends, self.times, strict=True):
            yield data[start:end], t
            start = end


async def read_stream(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    data: bytes,
    ex: Exchange,
    max_bytes: int,
    *,
    method: str = "POST",
    content_type: str | None = "text/event-stream",
    ends: EndCheck | None = None,
) -> None:
    """Send and read the raw reply. Raises nothing but cancellation (the caller's deadline).

    ``content_type``: what a 2xx reply must be (None: anything); ``ends``: see ``EndCheck``.
    """
    perf = time.perf_counter_ns
    reads = ex.reads
    times = ex.times
    got_response = False
    try:
        async with session.request(
            method, url, data=None if method == "GET" else data, headers=headers
        ) as resp:
            got_response = True
            if resp.status >= 300:
                raise await status_failure(resp, None)
            if content_type is not None and resp.content_type != content_type:
                raise TargetFailure(
                    FailureMode.PROTOCOL_ERROR,
                    f"asked for a stream but got Content-Type {resp.content_type!r}",
                )
            size = 0
            async for raw in resp.content.iter_any():
                times.append(perf())
                reads.append(raw)
                size += len(raw)
                if size > max_bytes:
                    ex.error = FailureMode.OVERSIZED
                    ex.message = f"reply exceeded {max_bytes} bytes; the rest was not read"
                    return
                if ends is not None and ends(reads):
                    return
    except TargetFailure as failure:
        ex.error, ex.message = failure.mode, failure.message
    except (aiohttp.ClientError, OSError) as exc:
        lost = connection_failure(exc, None, mid_stream=got_response)
        ex.error, ex.message = lost.mode, lost.message


# Reads this close together arrived in one go (aiohttp yields one read per HTTP chunk):
# decoding them as one costs a single parser call, and their content is stamped with the
# group's last read, at most this much late, never early.
_GROUP_NS = 100_000


def _groups(pieces: Iterable[tuple[bytes, int]]) -> Iterator[tuple[bytes, int]]:
    group: list[bytes] = []
    first = last = 0
    for data, t in pieces:
        if group and t - first > _GROUP_NS:
            yield (group[0] if len(group) == 1 else b"".join(group)), last
            group = []
        if not group:
            first = t
        group.append(data)
        last = t
    if group:
        yield (group[0] if len(group) == 1 else b"".join(group)), last


def decode(ex: Exchange, decoder: StreamDecoder) -> None:
    """Turn the raw reads into content chunk times, text, usage and a failure mode.

    A failure the transport recorded (``ex.error``) stands; the content read before it is
    kept. A stream the decoder does not end with ``StreamEnd`` is ``truncated``.
    """
    parts: list[str] = []
    times = ex.chunk_times
    ended = False
    try:
        for raw, t_ns in _groups(ex.pieces()):
            for chunk in decoder.feed(raw, t_ns):
                parts.append(chunk.text)
                times.append(chunk.t_ns)
            if decoder.done:
                break
        if ex.error is None:
            for item in decoder.close():
                if isinstance(item, StreamEnd):
                    ended = True
                else:
                    parts.append(item.text)
                    times.append(item.t_ns)
    except TargetFailure as failure:
        if ex.error is None:
            ex.error, ex.message = failure.mode, failure.message
    if ex.error is not None:
        for chunk in decoder.flush():  # content held back when the reply failed
            parts.append(chunk.text)
            times.append(chunk.t_ns)
    ex.done = decoder.done
    ex.text = "".join(parts)
    ex.finish = decoder.finish
    ex.usage_tokens = decoder.tokens
    if ex.error is None and not ended:
        ex.error, ex.message = FailureMode.TRUNCATED, "the stream ended without a finish"
