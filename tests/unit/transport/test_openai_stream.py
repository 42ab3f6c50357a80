"""The one OpenAI stream decoder: what the target yields and what the load engine records
come from the same rules (end of stream, finish without [DONE], malformed events)."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.errors import TargetFailure
from golive.schemas import Chunk, FailureMode, StreamEnd
from golive.transport.exchange import Exchange, decode
from golive.transport.openai import OpenAIStreamDecoder, ends_with_done


def event(content: str | None = None, finish: str | None = None, **extra: object) -> bytes:
    delta = {"content": content} if content is not None else {}
    obj = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


DONE = b"data: [DONE]\n\n"
USAGE = b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'


def items(reads: list[bytes]) -> list[Chunk | StreamEnd]:
    decoder = OpenAIStreamDecoder()
    out: list[Chunk | StreamEnd] = []
    for i, data in enumerate(reads):
        out.extend(decoder.feed(data, 100 + i))
        if decoder.done:
            break
    return out + decoder.close()


def test_content_is_stamped_with_the_read_that_completed_it() -> None:
    got = items([event("a"), event("b")[:10], event("b")[10:] + event(finish="stop") + DONE])
    assert got == [Chunk("a", 100), Chunk("b", 102), StreamEnd("stop", None)]


def test_a_finish_reason_without_done_has_finished() -> None:
    assert items([event("a", finish="length")])[-1] == StreamEnd("length", None)


def test_neither_finish_nor_done_is_a_cut_stream() -> None:
    assert not any(isinstance(i, StreamEnd) for i in items([event("a"), event("b")]))


def test_done_without_its_blank_line_still_ends_the_stream() -> None:
    assert items([event("a"), b"data: [DONE]\n"])[-1] == StreamEnd(None, None)


def test_usage_is_kept() -> None:
    end = items([event("a", finish="stop"), USAGE, DONE])[-1]
    assert isinstance(end, StreamEnd) and end.usage is not None
    assert end.usage.completion_tokens == 2


def test_an_emoji_split_across_two_events_arrives_whole() -> None:
    high = b'data: {"choices":[{"delta":{"content":"x\\ud83d"}}]}\n\n'
    low = b'data: {"choices":[{"delta":{"content":"\\ude00"}}]}\n\n'
    got = items([high, low, DONE])
    assert [c.text for c in got if isinstance(c, Chunk)] == ["x", "\U0001f600"]


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        (b"data: {not json\n\n", "malformed JSON"),
        (b'data: {"choices":[{"delta":{"content":5}}]}\n\n', "not a string"),
        (b'data: {"choices":[1]}\n\n', "choices[0]"),
    ],
)
def test_a_malformed_event_fails_after_the_content_before_it(bad: bytes, needle: str) -> None:
    decoder = OpenAIStreamDecoder()
    got: list[Chunk] = []
    with pytest.raises(TargetFailure) as failure:
        for chunk in decoder.feed(event("ok") + bad, 1):
            got.append(chunk)
    assert got == [Chunk("ok", 1)]
    assert failure.value.mode is FailureMode.PROTOCOL_ERROR
    assert needle in failure.value.message


def test_invalid_utf8_is_a_protocol_error() -> None:
    decoder = OpenAIStreamDecoder()
    assert list(decoder.feed(event("ok"), 1)) == [Chunk("ok", 1)]
    with pytest.raises(TargetFailure) as failure:
        list(decoder.feed(b"data: \xff\xfe\n\n", 2))
    assert failure.value.mode is FailureMode.PROTOCOL_ERROR and "UTF-8" in failure.value.message


def test_an_error_object_is_the_servers_error_with_the_secret_masked() -> None:
    decoder = OpenAIStreamDecoder(secret="sk-123")
    with pytest.raises(TargetFailure) as failure:
        list(decoder.feed(b'data: {"error":{"message":"bad key sk-123","code":401}}\n\n', 1))
    assert failure.value.mode is FailureMode.HTTP_ERROR
    assert failure.value.status == 401 and "sk-123" not in failure.value.message


@given(st.lists(st.integers(min_value=0, max_value=200), max_size=6))
def test_the_engine_and_the_target_read_any_split_alike(cuts: list[int]) -> None:
    """``decode`` (the load engine, after the fact) and the target (as it arrives) agree."""
    whole = event("he") + event("llo") + event(finish="stop") + USAGE + DONE
    points = sorted({min(c, len(whole)) for c in cuts} | {0, len(whole)})
    reads = [whole[a:b] for a, b in itertools.pairwise(points) if b > a]
    got = items(reads)
    ex = Exchange()
    for i, data in enumerate(reads):
        ex.reads.append(data)
        ex.times.append(100 + i * 1_000_000)  # far apart: the engine does not group them
    decode(ex, OpenAIStreamDecoder())
    chunks = [c for c in got if isinstance(c, Chunk)]
    assert ex.error is None and ex.finish == "stop" and ex.usage_tokens == 2
    assert ex.text == "".join(c.text for c in chunks) == "hello"
    assert len(ex.chunk_times) == len(chunks)


def test_the_engine_records_a_cut_stream_as_truncated() -> None:
    ex = Exchange()
    ex.reads.append(event("a"))
    ex.times.append(5)
    decode(ex, OpenAIStreamDecoder())
    assert (ex.error, ex.text, ex.chunk_times) == (FailureMode.TRUNCATED, "a", [5])


def test_a_failure_the_transport_recorded_stands_and_keeps_the_content() -> None:
    ex = Exchange()
    ex.reads.append(event("a") + b'data: {"choices":[{"delta":{"content":"\\ud83d"}}]}\n\n')
    ex.times.append(5)
    ex.error = FailureMode.OVERSIZED
    decode(ex, OpenAIStreamDecoder())
    assert ex.error is FailureMode.OVERSIZED
    assert ex.text == "a\\ud83d"  # the held half of an emoji, escaped


def test_done_is_noticed_only_when_a_read_holds_it_whole() -> None:
    assert ends_with_done([b"x\n", b"data: [DONE]\n\n"])
    assert ends_with_done([b"data: [DONE]\r\n"])
    assert not ends_with_done([b"data: [DO", b"NE]\n"])  # split: the decoder decides later
    assert not ends_with_done([b'data: {"x": "[DONE]"}\n'])
