"""`golive perturb` end to end: the written suite loads, amplifies tenfold, is reproducible;
--list works without a suite; bad input exits 4 with one clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import golive

from golive.demo import demo_suite_path
from golive.diversity.expand import lineage
from golive.suite import load_suite

pytestmark = pytest.mark.e2e


def test_default_perturb_writes_a_loadable_suite_amplified_tenfold(tmp_path: Path) -> None:
    out = tmp_path / "variants.jsonl"
    result = golive("perturb", str(demo_suite_path()), "--seed", "3", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    canonical = load_suite(demo_suite_path()).cases
    written = load_suite(out).cases
    assert written[: len(canonical)] == canonical  # canonical cases first, unchanged
    variants = written[len(canonical) :]
    assert len(variants) >= 10 * len(canonical)
    by_case = {c.id: 0 for c in canonical}
    for variant in variants:
        info = lineage(variant)
        assert info is not None and variant.id == f"{info.of}~{info.mutator}~{info.index}"
        by_case[info.of] += 1
    assert min(by_case.values()) >= 10  # every case, not just on average
    summary = result.stdout.strip()
    assert f"{len(canonical)} cases → {len(variants)} variants" in summary
    assert "amplification" in summary and str(out) in summary

    again = tmp_path / "again.jsonl"
    rerun = golive("perturb", str(demo_suite_path()), "--seed", "3", "-o", str(again), cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert again.read_bytes() == out.read_bytes()


def test_chosen_mutators_per_case_and_json_summary_on_stdout_pipe(tmp_path: Path) -> None:
    suite = tmp_path / "cases.jsonl"
    suite.write_text(
        json.dumps({"id": "a", "input": "How do I reset my password?", "reference": "x"}) + "\n"
    )
    result = golive(
        "perturb", str(suite), "-m", "typos,slang", "-m", "angry", "--per-case", "2", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [c["id"] for c in lines] == [
        "a", "a~typos~0", "a~typos~1", "a~slang~0", "a~slang~1", "a~angry~0", "a~angry~1"
    ]  # fmt: skip
    summary = json.loads(result.stderr.strip().splitlines()[-1])
    assert summary == {
        "cases": 1, "variants": 6, "mutators": 3, "amplification": 6.0, "notes": [], "out": None
    }  # fmt: skip


def test_list_shows_every_mutator_without_a_suite(tmp_path: Path) -> None:
    table = golive("perturb", "--list", cwd=tmp_path, env={"COLUMNS": "200"})
    assert table.returncode == 0, table.stderr
    for name in ("typos", "homophones", "slang", "run_on", "chatter"):
        assert name in table.stdout
    listed = golive("perturb", "--list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["typos"]["family"] == "noise"
    assert rows["typos"]["expectation"] == "invariant"
    assert "→" in rows["typos"]["example"]
    assert all(row["description"] for row in rows.values())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cases.jsonl", "-m", "typo"], "Did you mean 'typos'"),
        (["missing.jsonl"], "not found"),
        ([], "pass the SUITE"),
        (["cases.jsonl", "--per-case", "0"], "per-case"),
    ],
)
def test_bad_input_exits_4_with_one_message(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "hi"}\n')
    result = golive("perturb", *args, cwd=tmp_path)
    assert result.returncode == 4
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_has_examples(tmp_path: Path) -> None:
    result = golive("perturb", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Examples" in result.stdout and "--list" in result.stdout


def test_generated_mutators_without_generator_are_skipped_with_a_note(tmp_path: Path) -> None:
    listed = golive("perturb", "--list", "--json", cwd=tmp_path)
    generated = [row["name"] for row in json.loads(listed.stdout) if row["needs_generator"]]
    if not generated:
        pytest.skip("no model-based mutator registered")
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "How do I reset my password?"}\n')
    out = tmp_path / "v.jsonl"
    result = golive(
        "perturb", "cases.jsonl", "-m", f"typos,{generated[0]}", "-o", str(out), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert f"note: {generated[0]}: skipped, no generator configured" in result.stderr
    assert [c.id for c in load_suite(out).cases] == ["a", "a~typos~0"]
