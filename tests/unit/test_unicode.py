"""Lone UTF-16 surrogates are made writable where text enters golive, and stay visible."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from golive._unicode import SurrogateJoiner, clean_text, clean_tree

EMOJI = "\U0001f600"


def test_a_lone_surrogate_becomes_a_visible_escape() -> None:
    assert clean_text("a\ud800b") == "a\\ud800b"
    assert clean_text("\udc00") == "\\udc00"
    assert clean_text("x\ud800").encode("utf-8") == b"x\\ud800"


def test_a_surrogate_pair_becomes_its_character() -> None:
    assert clean_text("\ud83d\ude00!") == EMOJI + "!"
    # a low half before a high half is no pair: both stay visible
    assert clean_text("\ude00\ud83d") == "\\ude00\\ud83d"


def test_clean_text_leaves_ordinary_text_alone() -> None:
    text = "héllo " + EMOJI
    assert clean_text(text) is text


# Ordinary characters and surrogates, mixed.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    )
)


@given(st.lists(_TEXT, max_size=8))
def test_streamed_pieces_clean_like_the_whole_text(pieces: list[str]) -> None:
    joiner = SurrogateJoiner()
    streamed = "".join(joiner.feed(p) for p in pieces) + joiner.flush()
    whole = clean_text("".join(pieces))
    streamed.encode("utf-8")  # never raises
    assert streamed == whole


def test_the_joiner_keeps_an_emoji_split_across_pieces_whole() -> None:
    joiner = SurrogateJoiner()
    pieces = [joiner.feed("hi \ud83d"), joiner.feed("\ude00 there"), joiner.flush()]
    assert pieces == ["hi ", EMOJI + " there", ""]


def test_the_joiner_escapes_a_high_surrogate_left_at_the_end() -> None:
    joiner = SurrogateJoiner()
    assert joiner.feed("end \ud800") == "end "
    assert joiner.feed("") == ""  # still held
    assert joiner.flush() == "\\ud800"
    assert joiner.feed("\ud800x") == "\\ud800x"


def test_clean_tree_cleans_keys_and_values_and_keeps_clean_trees() -> None:
    raw = json.loads('{"id": "c\\ud800", "input": ["a", {"k\\udc00": "v"}], "n": 1}')
    assert clean_tree(raw) == {"id": "c\\ud800", "input": ["a", {"k\\udc00": "v"}], "n": 1}
    clean = {"id": "c", "tags": ["a", "b"]}
    assert clean_tree(clean) is clean
