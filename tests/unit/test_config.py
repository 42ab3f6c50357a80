from __future__ import annotations

from pathlib import Path

import pytest

import fakes  # noqa: F401  (registers the fake target)
from golive.config import DEFAULT_GATES, load_plan, plan_from_dict
from golive.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "golive.yaml"
    path.write_text(text)
    return path


def test_defaults_are_sensible() -> None:
    plan = plan_from_dict({"target": {"kind": "fake"}})
    assert plan.samples == 3
    assert plan.gates == DEFAULT_GATES
    assert [s.kind for s in plan.scorers] == [
        "semantic",
        "language",
        "refusal",
        "leaks",
        "consistency",
    ]
    assert plan.store.startswith("sqlite:///")


def test_unknown_field_names_the_field_and_suggests(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_plan(write(tmp_path, "target: {kind: fake}\nsampels: 3\n"))
    message = str(info.value)
    assert message.startswith("sampels:")
    assert "samples" in message
    assert info.value.exit_code == 4


def test_bad_value_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_plan(write(tmp_path, "target: {kind: fake}\nsamples: 0\n"))
    assert str(info.value).startswith("samples:")


def test_unknown_target_kind_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        plan_from_dict({"target": {"kind": "opnai"}})
    message = str(info.value)
    assert message.startswith("target.kind:")
    assert "'openai'" in message


def test_target_fields_are_validated_with_their_path() -> None:
    with pytest.raises(ConfigError) as info:
        plan_from_dict({"target": {"kind": "openai", "model": "m"}})
    assert str(info.value).startswith("target.url:")


def test_scorer_errors_name_the_list_index() -> None:
    with pytest.raises(ConfigError) as info:
        plan_from_dict(
            {"target": {"kind": "fake"}, "scorers": [{"kind": "semantic"}, {"kind": "nope"}]}
        )
    assert str(info.value).startswith("scorers[1].kind:")


def test_invalid_yaml_gives_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_plan(write(tmp_path, "target: {kind: fake\nsamples: 3\n"))
    assert "line" in str(info.value)


def test_missing_config_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_plan(tmp_path / "absent.yaml")
    assert "golive init" in str(info.value)


def test_overrides_apply_dotted_paths_and_suite_is_relative_to_the_config(tmp_path: Path) -> None:
    plan = load_plan(
        write(tmp_path, "target: {kind: fake}\nsuite: cases.jsonl\n"),
        {"samples": 5, "request.max_tokens": 64},
    )
    assert plan.samples == 5
    assert plan.request.max_tokens == 64
    assert plan.suite == tmp_path / "cases.jsonl"


def test_bad_gate_is_rejected_at_load() -> None:
    with pytest.raises(ConfigError) as info:
        plan_from_dict({"target": {"kind": "fake"}, "gates": ["quality.pass_rate is high"]})
    assert "gate" in str(info.value)
