from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.errors import SuiteError
from golive.suite import load_suite, suite_hash


def write_jsonl(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_jsonl_and_yaml_load_the_same_cases(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "input": "hi", "reference": "hello", "tags": ["t"], "capability": "greet"},
        {
            "id": "b",
            "input": [{"role": "user", "content": "x"}],
            "assertions": [{"kind": "contains", "value": "x"}],
        },
    ]
    jsonl = load_suite(write_jsonl(tmp_path, rows))
    yaml_path = tmp_path / "cases.yaml"
    yaml_path.write_text("cases:\n" + "".join(f"  - {json.dumps(r)}\n" for r in rows))
    assert [c.id for c in jsonl.cases] == ["a", "b"]
    assert suite_hash(jsonl.cases) == suite_hash(load_suite(yaml_path).cases)
    assert jsonl.cases[1].user_text() == "x"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError) as info:
        load_suite(tmp_path / "nope.jsonl")
    assert "not found" in str(info.value) and info.value.exit_code == 4


def test_bad_json_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "a", "input": "x"}\n{"id": "b", input}\n')
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert f"{path}:2" in str(info.value)


def test_bad_case_names_the_line_and_field(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path, [{"id": "a", "input": "x"}, {"id": "b"}])
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert f"{path}:2" in str(info.value) and "input" in str(info.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(SuiteError) as info:
        load_suite(write_jsonl(tmp_path, [{"id": "a", "input": "x"}, {"id": "a", "input": "y"}]))
    assert "duplicate" in str(info.value)


def test_unknown_assertion_kind_is_rejected(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path, [{"id": "a", "input": "x", "assertions": [{"kind": "containz", "value": "x"}]}]
    )
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert "containz" in str(info.value) and "contains" in str(info.value)


def test_tag_selection(tmp_path: Path) -> None:
    suite = load_suite(
        write_jsonl(
            tmp_path,
            [
                {"id": "a", "input": "x", "tags": ["clean"]},
                {"id": "b", "input": "y", "tags": ["typo"]},
            ],
        )
    )
    assert [c.id for c in suite.select(["typo"]).cases] == ["b"]
    assert len(suite.select([])) == 2
