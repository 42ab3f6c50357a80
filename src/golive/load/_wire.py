"""The load engine's lean path for OpenAI-compatible streams: only timestamps while reading,
parsing once the stream ended, with the same failure classification as the openai target."""

from __future__ import annotations

import itertools
import time
from array import array
from collections.abc import Iterable, Iterator, MutableSequence

import aiohttp

from golive._unicode import clean_text
from golive.errors import TargetFailure
from golive.schemas import FailureMode
from golive.targets._http import connection_failure, status_failure
from golive.targets._sse import SSEParser

# The target's own event reader, so both paths classify a stream the same way.
from golive.targets.openai import OpenAITarget, read_event

__all__ = ["Exchange", "ends_with_done", "fast_route", "parse", "read_stream"]


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


def fast_route(target: object) -> tuple[aiohttp.ClientSession, str, dict[str, str]] | None:
    """(session, URL, headers) when ``target`` is a started, streaming openai target."""
    if not isinstance(target, OpenAITarget) or not target.args.stream:
        return None
    session = target._session  # same package: reuse the target's pool, headers and URL
    if session is None:
        return None
    return session, target._completions, target._headers


async def read_stream(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    data: bytes,
    ex: Exchange,
    max_bytes: int,
) -> None:
    """Send and read the raw stream. Raises nothing but cancellation (the caller's deadline)."""
    perf = time.perf_counter_ns
    reads = ex.reads
    times = ex.times
    got_response = False
    try:
        async with session.post(url, data=data, headers=headers) as resp:
            got_response = True
            if resp.status >= 300:
                raise await status_failure(resp, None)
            if resp.content_type != "text/event-stream":
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
                # Cheap pre-check; the parser decides whether it really was the end.
                if b"[DONE]" in raw and ends_with_done(reads):
                    return
    except TargetFailure as failure:
        ex.error, ex.message = failure.mode, failure.message
    except (aiohttp.ClientError, OSError) as exc:
        lost = connection_failure(exc, None, mid_stream=got_response)
        ex.error, ex.message = lost.mode, lost.message


def ends_with_done(reads: list[bytes]) -> bool:
    """Whether the newest read completes a ``data: [DONE]`` line (looks at the tail only,
    so the check costs the same whatever the reply's length; ``parse`` has the last word)."""
    tail = reads[-1] if len(reads) == 1 else reads[-2][-32:] + reads[-1]
    return any(
        line.rstrip(b"\r") in (b"data: [DONE]", b"data:[DONE]") for line in tail.split(b"\n")
    )


# Reads this close together arrived in one go (aiohttp yields one read per HTTP chunk):
# parsing them as one costs a single parser call, and their content is stamped with the
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


def parse(ex: Exchange) -> None:
    """Turn the raw reads into content chunk times, text, usage and a failure mode."""
    parser = SSEParser()
    parts: list[str] = []
    finish: str | None = None
    try:
        for raw, t_ns in _groups(ex.pieces()):
            for event in parser.feed(raw):
                if event.data == "[DONE]":
                    ex.done = True
                    break
                text, finished, usage = read_event(event.data, None)
                if text:
                    parts.append(text)
                    ex.chunk_times.append(t_ns)
                finish = finished or finish
                if usage is not None and usage.completion_tokens is not None:
                    ex.usage_tokens = usage.completion_tokens
            if ex.done:
                break
        if not ex.done and ex.error is None:
            ex.done = any(e.data == "[DONE]" for e in parser.close())
    except UnicodeDecodeError as exc:
        if ex.error is None:
            ex.error, ex.message = FailureMode.PROTOCOL_ERROR, f"invalid UTF-8: {exc}"
    except TargetFailure as failure:
        if ex.error is None:
            ex.error, ex.message = failure.mode, failure.message
    ex.text = clean_text("".join(parts))  # lone surrogates escaped, as the targets do
    ex.finish = finish
    # A server that omits [DONE] but said why it finished has finished.
    if ex.error is None and not ex.done and finish is None:
        ex.error, ex.message = FailureMode.TRUNCATED, "the stream ended without a finish"
