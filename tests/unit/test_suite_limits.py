"""Suites are read as a bounded stream of regular-file lines; odd text and odd shapes are
input errors with one clear message (exit 4), never a crash or a machine out of memory."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from golive.errors import SuiteError
from golive.suite import MAX_DEPTH, SuiteLimits, load_suite
from hostile_inputs import bomb


def test_dev_zero_and_a_link_to_it_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "cases.jsonl"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/zero"), link):
        with pytest.raises(SuiteError, match="character device; pass a regular file") as info:
            load_suite(path)
        assert info.value.exit_code == 4


def test_a_line_nested_a_hundred_thousand_deep_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "ok", "input": "x"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(SuiteError, match=r"cases.jsonl:2: the case nests more than 64") as info:
        load_suite(path)
    assert info.value.exit_code == 4
    # deep enough to parse, too deep to keep
    deep = {"id": "d", "input": "x", "metadata": {"m": json.loads("[" * 70 + "]" * 70)}}
    path.write_text(json.dumps(deep) + "\n")
    with pytest.raises(SuiteError, match=f"more than {MAX_DEPTH} levels"):
        load_suite(path)


def test_line_and_total_limits_are_enforced_and_configurable(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    rows = [{"id": f"c{i}", "input": "x" * 100} for i in range(10)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert len(load_suite(path)) == 10
    with pytest.raises(SuiteError, match=r"cases.jsonl:1: the line is longer than the limit of 50"):
        load_suite(path, SuiteLimits(max_line_bytes=50))
    with pytest.raises(SuiteError, match=r"suite_limits\.max_bytes") as info:
        load_suite(path, SuiteLimits(max_bytes=500))
    assert "larger than the limit of 500 bytes" in str(info.value)
    yaml_path = tmp_path / "cases.yaml"
    yaml_path.write_text("cases:\n" + "".join(f"  - {json.dumps(r)}\n" for r in rows))
    with pytest.raises(SuiteError, match="larger than the limit of 500 bytes"):
        load_suite(yaml_path, SuiteLimits(max_bytes=500))


def test_a_yaml_alias_bomb_in_tags_is_refused_fast_with_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("- id: a\n  input: hi\n" + bomb(9, indent="  "))
    started = time.perf_counter()
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    # generous bound: the old code took 20 s and 1.9 GB, and printed 312 MB
    assert time.perf_counter() - started < 5
    assert "aliases" in str(info.value) and len(str(info.value)) < 1000


def test_lone_surrogates_in_a_case_become_visible_escapes(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        '{"id": "c\\ud800", "input": "hi \\ud83d\\ude00 \\udc00", "tags": ["t\\ud800"]}\n'
    )
    case = load_suite(path).cases[0]
    assert case.id == "c\\ud800"
    assert case.input == "hi \U0001f600 \\udc00"
    assert case.tags == ["t\\ud800"]
    case.model_dump_json().encode("utf-8")  # writable everywhere


def test_an_error_quoting_a_huge_value_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps({"id": "a", "input": "x", "capability": ["y" * 100_000]}) + "\n")
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert "capability" in str(info.value) and len(str(info.value)) < 600
    path.write_text(
        json.dumps({"id": "i" * 100_000, "input": "x"})
        + "\n"
        + json.dumps({"id": "i" * 100_000, "input": "x"})
        + "\n"
    )
    with pytest.raises(SuiteError, match="duplicate case id") as info:
        load_suite(path)
    assert "(100,000 chars)" in str(info.value) and len(str(info.value)) < 800
