"""The SSE parser: line endings, comments, multi-line events, strict UTF-8, any read split."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from golive.transport.sse import SSEEvent, SSEParser


def parse_all(chunks: list[bytes]) -> list[SSEEvent]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    return events + parser.close()


STREAM = (
    "\ufeff: keep-alive\r\n\r\n"
    "data: first\n\n"
    "event: delta\r\ndata: two\rdata:  lines\r\rid: 7\ndata:é✓😀\n\n"
    "retry: 10\nunknown: x\ndata\n\n"
    "data: [DONE]\n\n"
).encode()


def test_fields_comments_and_every_line_ending() -> None:
    events = parse_all([STREAM])
    assert [e.data for e in events] == ["first", "two\n lines", "é✓😀", "", "[DONE]"]
    assert events[1].event == "delta"
    assert events[2].event == "message"  # the event name resets after each dispatch
    assert events[2].id == "7"


@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=8))
def test_any_split_of_the_bytes_gives_the_same_events(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(STREAM)]
    chunks = [STREAM[a:b] for a, b in itertools.pairwise(bounds)]
    assert parse_all(chunks) == parse_all([STREAM])


def test_crlf_split_across_reads_is_one_line_end() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    assert [e.data for e in parser.feed(b"\n\r\n")] == ["a"]


def test_invalid_utf8_raises_even_when_split() -> None:
    parser = SSEParser()
    parser.feed(b"data: \xe2\x82")  # first two bytes of a three-byte character: fine so far
    with pytest.raises(UnicodeDecodeError):
        parser.feed(b"(\n\n")


def test_truncated_character_at_end_raises() -> None:
    parser = SSEParser()
    parser.feed(b"data: ok\n\ndata: \xe2\x82")
    with pytest.raises(UnicodeDecodeError):
        parser.close()


def test_final_event_without_blank_line_is_kept_but_unterminated_line_is_not() -> None:
    assert [e.data for e in parse_all([b"data: [DONE]\n"])] == ["[DONE]"]
    assert parse_all([b"data: [DON"]) == []
