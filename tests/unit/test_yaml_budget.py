"""YAML is loaded with a budget: alias bombs, self-referring aliases and deep nesting are
refused before anything is built from them; honest reuse still works."""

from __future__ import annotations

import pytest
import yaml

from golive._yaml import ALIAS_BUDGET, MAX_DEPTH, YamlLimitError, load_yaml
from hostile_inputs import bomb


def test_an_alias_bomb_is_refused_with_a_short_message() -> None:
    with pytest.raises(YamlLimitError) as info:
        load_yaml(bomb(9))  # 9**9 = 387 million strings once expanded
    message = str(info.value)
    assert "aliases" in message and f"{ALIAS_BUDGET:,}" in message
    assert len(message) < 400


def test_a_seven_level_bomb_is_refused_too() -> None:
    with pytest.raises(YamlLimitError):
        load_yaml(bomb(7))  # 4.8 million strings: 33 MB of JSON in every request body


def test_honest_reuse_of_a_block_is_accepted() -> None:
    text = (
        "defaults: &d {max_tokens: 64, temperature: 0}\n"
        "a: *d\n"
        "b: *d\n"
        "levels: &l [1, 2, 4, 8]\n"
        "c: [*l, *l]\n"
    )
    data = load_yaml(text)
    assert data["b"] == {"max_tokens": 64, "temperature": 0}
    assert data["c"] == [[1, 2, 4, 8], [1, 2, 4, 8]]
    # a small bomb stays within the budget
    assert len(load_yaml(bomb(3))["tags"]) == 9


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(YamlLimitError, match="infinite"):
        load_yaml("a: &a [1, *a]\n")


def test_nesting_past_the_limit_is_refused() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    load_yaml(ok)
    with pytest.raises(YamlLimitError, match="levels deep"):
        load_yaml("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    # depth reached through an alias counts as well
    deep = "[" * 40 + "x" + "]" * 40
    with pytest.raises(YamlLimitError, match="levels deep"):
        load_yaml(f"a: &a {deep}\nb: {'[' * 30}*a{']' * 30}\n")


def test_nesting_a_hundred_thousand_deep_is_an_error_not_a_crash() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("[" * 100_000 + "]" * 100_000)


def test_an_integer_python_cannot_convert_is_a_yaml_error() -> None:
    with pytest.raises(YamlLimitError, match="cannot convert"):
        load_yaml("samples: " + "1" * 5000 + "\n")


def test_empty_and_plain_documents() -> None:
    assert load_yaml("") is None
    assert load_yaml("a: 1\nb: [x, y]\n") == {"a": 1, "b": ["x", "y"]}
