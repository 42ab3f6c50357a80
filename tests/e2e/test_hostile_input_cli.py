"""`golive run` on odd text and hostile input files, as a user runs it: lone surrogates are
reported (exit 0/1 with every report written), bad inputs are exit 4 with one message."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from e2e_helpers import golive

from hostile_inputs import bomb
from servers.odd_text import odd_text_server

pytestmark = pytest.mark.e2e

KEY = "sk-proj-Zq8RvT4mW2xY9bN1cK7pL3hJ"
NOWHERE = "http://127.0.0.1:9/v1"  # never contacted: every case below fails before a request


def run(tmp_path: Path, *args: str, url: str = NOWHERE) -> subprocess.CompletedProcess[str]:
    return golive(
        "run",
        "--target",
        "openai",
        "--url",
        url,
        "--store",
        f"sqlite:///{tmp_path}/s.db",
        "--samples",
        "1",
        *args,
        cwd=tmp_path,
        timeout=180,
    )


def assert_input_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 4, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    assert len(lines[0]) < 1000
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_lone_surrogates_in_replies_cases_and_flags_are_reported(tmp_path: Path) -> None:
    suite = tmp_path / "cases.jsonl"
    suite.write_text(
        '{"id": "lone-\\ud800", "input": "hi \\ud800 there", "reference": "hello",'
        ' "assertions": [{"kind": "contains", "value": "never there"}]}\n'
        '{"id": "plain", "input": "plain", "reference": "hello"}\n'
    )
    # A command-line byte that is not UTF-8 reaches Python as a lone surrogate too.
    model = os.fsdecode(b"m\xff")
    with odd_text_server() as url:
        result = run(
            tmp_path,
            "--model",
            model,
            "--suite",
            str(suite),
            "--out",
            "report",
            "--set",
            "reporters=[terminal, html, json, junit, markdown]",
            url=f"{url}/v1",
        )
    assert result.returncode in (0, 1, 6), result.stderr[-3000:]
    assert "internal error" not in result.stderr
    report = tmp_path / "report"
    html = (report / "index.html").read_text(encoding="utf-8")
    junit = (report / "junit.xml").read_text(encoding="utf-8")
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    markdown = (report / "summary.md").read_text(encoding="utf-8")
    # the reply: the split emoji joined, the lone halves shown as escapes
    for text in (html, junit):
        assert "lone-\\ud800" in text  # the case id
        assert "hello \\ud800 \U0001f600 done" in text
    assert "hi \\ud800 there" in html  # the case input
    assert "udcff" in markdown  # the model, backslash escaped for Markdown
    assert summary["target"]["model"] == "m\\udcff"
    assert summary["verdict"] in ("go", "no-go", "inconclusive")


def test_a_line_nested_a_hundred_thousand_deep_is_an_input_error(tmp_path: Path) -> None:
    suite = tmp_path / "deep.jsonl"
    suite.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    result = run(tmp_path, "--model", "m", "--suite", str(suite))
    assert_input_error(result, "deep.jsonl:1", "nests more than 64 levels")


def test_out_naming_an_existing_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "hi"}\n')
    (tmp_path / "report").write_text("not a folder")
    result = run(tmp_path, "--model", "m", "--suite", "cases.jsonl", "--out", "report")
    assert_input_error(result, "out:", "existing file")


def test_dev_zero_and_a_link_to_it_are_refused(tmp_path: Path) -> None:
    link = tmp_path / "cases.jsonl"
    link.symlink_to("/dev/zero")
    for suite in ("/dev/zero", str(link)):
        result = run(tmp_path, "--model", "m", "--suite", suite)
        assert_input_error(result, "character device", "regular file")


def test_a_yaml_alias_bomb_in_a_case_is_refused(tmp_path: Path) -> None:
    suite = tmp_path / "cases.yaml"
    suite.write_text("- id: a\n  input: hi\n" + bomb(9, indent="  "))
    result = run(tmp_path, "--model", "m", "--suite", str(suite))
    assert_input_error(result, "aliases", "billion laughs")


def test_a_yaml_alias_bomb_in_extra_body_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "hi"}\n')
    config = tmp_path / "golive.yaml"
    config.write_text(
        f"target:\n  kind: openai\n  url: {NOWHERE}\n  model: m\n  extra_body:\n"
        + bomb(7, key="junk", indent="    ")
        + "suite: cases.jsonl\n"
    )
    result = golive("run", "-c", str(config), "--store", f"sqlite:///{tmp_path}/s.db", cwd=tmp_path)
    assert_input_error(result, "aliases")


def test_a_key_pasted_into_api_key_env_is_not_printed(tmp_path: Path) -> None:
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "hi"}\n')
    result = run(tmp_path, "--model", "m", "--suite", "cases.jsonl", "--api-key-env", KEY)
    assert_input_error(result, "api_key_env", "looks like a key itself (sk-…***)")
    assert KEY not in result.stdout + result.stderr
