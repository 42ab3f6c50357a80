"""The schema guard's JSON parse and repair: valid JSON is never altered, a repair never
rewrites the content of a string, and the pass stays linear on hostile shapes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from golive.guard._json_repair import parse_json, repair

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_a_string_that_looks_like_syntax_survives_a_repair() -> None:
    assert parse_json('{"msg": "a,}" , }') == ({"msg": "a,}"}, True, "")
    value, repaired, _ = parse_json('{"note": "x, y: 1, ]", "n": [1, 2,],}')
    assert value == {"note": "x, y: 1, ]", "n": [1, 2]} and repaired


@given(json_values)
@settings(max_examples=200, deadline=None)
def test_valid_json_is_returned_as_it_is(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=2, ensure_ascii=False)):
        assert parse_json(text) == (value, False, "")


@given(st.text(), json_values)
@settings(max_examples=200, deadline=None)
def test_repairing_a_trailing_comma_keeps_every_string_as_written(s: str, value: Any) -> None:
    broken = '{"msg": %s, "v": %s, }' % (json.dumps(s), json.dumps(value))  # noqa: UP031
    assert parse_json(broken) == ({"msg": s, "v": value}, True, "")
    cut = '{"msg": %s, "rest": [%s' % (json.dumps(s), json.dumps(s))  # noqa: UP031
    assert parse_json(cut) == ({"msg": s, "rest": [s]}, True, "")


def test_the_slips_it_repairs() -> None:
    assert parse_json("{'a': 'say \"hi\"', 'b': 'it\\'s',}")[0] == {"a": 'say "hi"', "b": "it's"}
    assert parse_json("{a: 1, unq-key: {x: [1, 2,],},}")[0] == {"a": 1, "unq-key": {"x": [1, 2]}}
    assert parse_json('```json\n{"a": 1, "b": "trunc')[0] == {"a": 1, "b": "trunc"}
    assert parse_json('{"a": "ends in a backslash\\')[0] == {"a": "ends in a backslash"}
    value, repaired, error = parse_json("not json at all")
    assert value is None and repaired and error.startswith("invalid JSON: Expecting value")


def test_hostile_shapes_end_in_a_value_or_an_error() -> None:
    # Shapes on which a general repairer's time grows with the square of the length.
    for shape in ("{]n", "[{]", "{", '"', "'", "a" * 40 + " ", ", "):
        text = shape * (20_000 // len(shape))
        value, repaired, error = parse_json(text)
        assert repaired and (error == "") == (value is not None)
        assert len(repair(text)) <= 2 * len(text) + 2
