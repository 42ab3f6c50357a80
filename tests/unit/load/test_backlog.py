"""The load engine's reply backlog: packed replies parse exactly like unpacked ones, and a
backlog past the cap is parsed a reply per loop turn, never in one block."""

from __future__ import annotations

import asyncio
import gc

import pytest

from golive.load import engine
from golive.transport.exchange import Exchange, decode
from golive.transport.openai import OpenAIStreamDecoder

EVENT = b'data: {"choices":[{"index":0,"delta":{"content":"tok "},"finish_reason":null}]}\n\n'
STOP = b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'


def exchange(reads: list[bytes], step_ns: int = 1_000_000) -> Exchange:
    ex = Exchange()
    for i, data in enumerate(reads):
        ex.reads.append(data)
        ex.times.append(10_000_000 + i * step_ns)
    return ex


def outcome(ex: Exchange) -> tuple[object, ...]:
    decode(ex, OpenAIStreamDecoder())
    return (tuple(ex.chunk_times), ex.text, ex.error, ex.finish, ex.done, ex.usage_tokens)


def test_a_packed_reply_parses_exactly_like_the_reads_it_came_from() -> None:
    replies = [
        [EVENT, EVENT, STOP, b"data: [DONE]\n\n"],
        [EVENT[:17], EVENT[17:] + EVENT, STOP + b"data: [DONE]\n\n"],  # split mid-event
        [EVENT, b'data: {"choices": [}\n\n'],  # malformed JSON: protocol_error
        [EVENT, EVENT],  # no finish, no [DONE]: truncated
        [b"\xff" + EVENT],  # invalid UTF-8
        [],
    ]
    for reads in replies:
        for step in (1_000_000, 10_000):  # reads apart, and within one parse group
            packed = exchange(reads, step)
            packed.pack()
            packed.pack()  # idempotent
            assert len(packed.reads) <= 1
            assert outcome(packed) == outcome(exchange(reads, step)), reads


def test_a_packed_reply_gives_the_garbage_collector_a_handful_of_references() -> None:
    def followed(ex: Exchange) -> int:
        # What a collection walks for this reply: the references of each container it holds.
        return sum(len(gc.get_referents(part)) for part in (ex.reads, ex.times, ex.ends))

    unpacked = exchange([EVENT] * 64)
    assert followed(unpacked) >= 64  # one per read
    unpacked.pack()
    assert followed(unpacked) <= 3  # the one buffer, and the arrays' types: no reads


class _Backlog(engine._Level):
    """Just the backlog of a level: no target, no plan."""

    def __init__(self) -> None:
        self.unparsed = engine.deque()
        self.unparsed_bytes = 0
        self.backlog = asyncio.Event()
        self.parsing = True
        self.decoder = OpenAIStreamDecoder
        self.raw: list[tuple[object, ...]] = []

    def keep(self, *raw: object) -> None:  # type: ignore[override]  # in memory, not spilled
        self.raw.append(raw)


async def test_a_backlog_past_the_cap_is_parsed_a_reply_per_loop_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "_UNPARSED_MAX_BYTES", 0)
    level = _Backlog()
    for p in range(5):
        ex = exchange([EVENT, STOP, b"data: [DONE]\n\n"])
        ex.pack()
        level.unparsed.append((0, 0, ex, 1, p))
        level.unparsed_bytes += len(ex.reads[0])
    level.backlog.set()
    parser = asyncio.get_running_loop().create_task(level.parse_in_slices())
    parsed = []
    for _ in range(5):  # each turn of the loop: at most one reply parsed
        await asyncio.sleep(0)
        parsed.append(len(level.raw))
    parser.cancel()
    assert parsed == [1, 2, 3, 4, 5]
    assert [r[7] for r in level.raw] == [0, 1, 2, 3, 4]  # oldest first
    assert all(r[5] == "tok " and r[6] is None for r in level.raw)
