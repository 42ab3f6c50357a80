"""`golive compare` and `golive run --baseline` end to end: real runs of the demo into one
SQLite store, then exit codes, the JSON comparison and the summary's `comparison` key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import golive

from golive.demo import demo_suite_path

pytestmark = pytest.mark.e2e

# The clean cases the demo answers from its knowledge base: what a wrong-article bug breaks.
FAST = ["--set", "target.settings.fast=true", "--samples", "3", "--concurrency", "8"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compare")
    clean = [line for line in demo_suite_path().read_text().splitlines() if '"clean"' in line]
    (path / "cases.jsonl").write_text("\n".join(clean[:12]) + "\n")
    return path


def run(workdir: Path, name: str, *extra: str) -> tuple[int, str, dict[str, object]]:
    store = f"sqlite:///{workdir}/golive.db"
    result = golive(
        "run", "--target", "demo", "--suite", "cases.jsonl", *FAST,
        "--store", store, "--out", str(workdir / name), *extra,
        cwd=workdir,
    )  # fmt: skip
    summary = json.loads((workdir / name / "summary.json").read_text())
    return result.returncode, result.stdout + result.stderr, summary


def test_compare_and_baseline_gate(workdir: Path) -> None:
    store = f"sqlite:///{workdir}/golive.db"
    _, _, first = run(workdir, "first")
    # Same system, same seed: an A/A pair. --baseline latest is the first run.
    _, out, second = run(workdir, "second", "--baseline", "latest")
    comparison = second["comparison"]
    assert isinstance(comparison, dict) and comparison["regressed"] is False
    assert comparison["base"]["id"] == first["run_id"]
    assert "no significant regression" in out

    same = golive("compare", str(first["run_id"]), "latest", "--store", store, cwd=workdir)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "with 12 cases × 3 samples a drop of" in same.stdout

    # A planted regression: every answer comes from a wrong article.
    broken = ["--set", "target.settings.wrong_article_rate=1.0"]
    code, out, third = run(workdir, "third", "--baseline", str(second["run_id"]), *broken)
    assert code == 1 and third["verdict"] == "no-go"
    gate = [g for g in third["gates"] if g["metric"] == "comparison.regressions"]  # type: ignore[index, union-attr]
    assert gate and gate[0]["passed"] is False
    assert "REGRESSION" in out

    report = workdir / "cmp"
    bad = golive(
        "compare", str(second["run_id"]), "latest", "--store", store,
        "--json", str(workdir / "c.json"), "--out", str(report),
        cwd=workdir,
    )  # fmt: skip
    assert bad.returncode == 1, bad.stdout + bad.stderr
    data = json.loads((workdir / "c.json").read_text())
    assert data["regressed"] is True and data["head"]["id"] == third["run_id"]
    rate = next(m for m in data["metrics"] if m["name"] == "quality.pass_rate")
    assert rate["status"] == "regression" and rate["delta"] < -0.3
    assert any("config hash" in w for w in data["warnings"])
    assert (report / "comparison.md").read_text().startswith("### golive compare: **regression**")


def test_bad_references_exit_4_without_a_traceback(workdir: Path) -> None:
    store = f"sqlite:///{workdir}/golive.db"
    for ref in ("no-such-run", "branch:no-such-branch"):
        result = golive("compare", ref, "latest", "--store", store, cwd=workdir)
        assert result.returncode == 4
        assert "Traceback" not in result.stderr and "error:" in result.stderr
    missing = golive("compare", "a", "b", "--store", f"sqlite:///{workdir}/nope.db", cwd=workdir)
    assert missing.returncode == 4 and not (workdir / "nope.db").exists()
    # A run id that is not in the store is a mistake: exit 4 before any request.
    baseline = golive(
        "run", "--target", "demo", "--suite", "cases.jsonl", *FAST,
        "--store", store, "--baseline", "no-such-run", "--out", str(workdir / "bad"),
        cwd=workdir,
    )  # fmt: skip
    assert baseline.returncode == 4 and "no-such-run" in baseline.stderr
    assert not (workdir / "bad").exists()


def test_the_first_run_on_a_branch_becomes_the_baseline(workdir: Path) -> None:
    code, out, summary = run(workdir, "first-on-branch", "--baseline", "branch:no-such-branch")
    assert code in (0, 1)  # judged by its gates, not refused
    assert "Nothing to compare with" in out and "no-such-branch" in out
    assert "comparison" not in summary
    assert all(g["metric"] != "comparison.regressions" for g in summary["gates"])
