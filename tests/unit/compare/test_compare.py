"""compare_runs on hand-built runs: statuses, flakiness, warnings, JSON, Markdown, refs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from sqlalchemy import insert

from compare_fakes import observations, run_row
from golive.compare import compare_runs, compare_stored, resolve_run
from golive.compare._baseline import with_comparison
from golive.errors import ConfigError
from golive.reports.summary import load_schema
from golive.schemas import RunResult, Verdict
from golive.store import open_store
from golive.store.models import ObservationRecord, RunRecord

ALL = [True] * 3
NONE = [False] * 3


def outcomes(n: int, passes: list[bool], prefix: str = "c") -> list[tuple[str, list[bool]]]:
    return [(f"{prefix}{i:02d}", passes) for i in range(n)]


def test_identical_runs_are_not_a_regression() -> None:
    data = outcomes(30, ALL) + outcomes(10, [True, False, True], prefix="f")
    c = compare_runs(run_row("a"), run_row("b"), observations("a", data), observations("b", data))
    assert not c.regressed and not c.regressions and not c.improvements
    rate = c.metric("quality.pass_rate")
    assert rate is not None and rate.delta == 0 and rate.status == "unchanged"
    assert {x.case_id for x in c.flaky} == {f"f{i:02d}" for i in range(10)}
    assert all("flips across samples" in (x.flaky_reason or "") for x in c.flaky)


def test_a_broken_share_of_cases_fails_the_gate_through_the_pass_rate() -> None:
    base = outcomes(40, ALL)
    head = outcomes(32, ALL) + [(f"c{i:02d}", NONE) for i in range(32, 40)]
    c = compare_runs(run_row("a"), run_row("b"), observations("a", base), observations("b", head))
    rate = c.metric("quality.pass_rate")
    assert rate is not None and rate.status == "regression" and rate.gating
    assert rate.delta == pytest.approx(-0.2) and rate.p_value == pytest.approx(2**-8)
    assert rate.ci is not None and rate.ci[1] < 0
    assert c.regressed and not c.regressions  # 3 samples: no single case is significant
    assert [x.case_id for x in c.dropped] == [f"c{i:02d}" for i in range(32, 40)]


def test_one_case_with_many_samples_is_a_case_regression() -> None:
    base = [*outcomes(20, ALL), ("x", [True] * 20)]
    head = [*outcomes(20, ALL), ("x", [False] * 20)]
    c = compare_runs(run_row("a"), run_row("b"), observations("a", base), observations("b", head))
    assert [x.case_id for x in c.regressions] == ["x"]
    assert c.regressed and c.regressions[0].q_value is not None
    assert c.regressions[0].q_value < 0.01


def test_an_improvement_never_fails_the_gate() -> None:
    base = outcomes(40, NONE)
    head = outcomes(40, ALL)
    c = compare_runs(run_row("a"), run_row("b"), observations("a", base), observations("b", head))
    assert not c.regressed
    rate = c.metric("quality.pass_rate")
    assert rate is not None and rate.status == "improvement"


def test_new_and_removed_cases_and_warnings() -> None:
    base = [("old", ALL), ("both", ALL)]
    head = [("both", ALL), ("new", NONE)]
    c = compare_runs(
        run_row("a", config_hash="1", target={"kind": "openai", "url": "http://x/v1"}),
        run_row("b", config_hash="2", status="interrupted"),
        observations("a", base),
        observations("b", head),
    )
    status = {x.case_id: x.status for x in c.cases}
    assert status == {"both": "unchanged", "new": "new", "old": "removed"}
    text = " | ".join(c.warnings)
    assert "1 new, 1 removed" in text and "config hash" in text
    assert "targets differ" in text and "interrupted" in text
    assert not c.regressed  # a new failing case is not a regression of anything


def test_latency_needs_significance_and_a_practical_size_and_is_not_gated() -> None:
    data = outcomes(40, ALL)
    fast = [100.0 + i % 7 for i in range(120)]
    slightly = [v + 5 for v in fast]  # significant but 5 ms: not a regression
    slow = [v * 2 for v in fast]
    a = observations("a", data, ttft_ms=fast)

    c = compare_runs(run_row("a"), run_row("b"), a, observations("b", data, ttft_ms=slightly))
    p50 = c.metric("latency.ttft_ms.p50")
    assert p50 is not None and p50.significant and p50.status == "unchanged"

    c = compare_runs(run_row("a"), run_row("b"), a, observations("b", data, ttft_ms=slow))
    p95 = c.metric("latency.e2e_ms.p95")
    assert p95 is not None and p95.status == "regression" and p95.unit == "ms"
    assert not p95.gating and not c.regressed
    gated = compare_runs(
        run_row("a"), run_row("b"), a, observations("b", data, ttft_ms=slow), gate_latency=True
    )
    assert gated.regressed and gated.metric_regressions


def test_mde_statement_names_the_suite_size() -> None:
    data = outcomes(40, ALL)
    c = compare_runs(run_row("a"), run_row("b"), observations("a", data), observations("b", data))
    assert c.mde.cases == 40 and c.mde.samples == 3 and c.mde.points is not None
    assert c.mde.statement.startswith("with 40 cases × 3 samples a drop of ")
    assert "80% power" in c.mde.statement
    tiny = compare_runs(run_row("a"), run_row("b"), *(observations(r, data[:2]) for r in "ab"))
    assert tiny.mde.points is None and "add cases" in tiny.mde.statement


def test_json_goes_into_a_summary_that_validates() -> None:
    base = outcomes(12, ALL)
    head = outcomes(6, ALL) + [(f"c{i:02d}", NONE) for i in range(6, 12)]
    c = compare_runs(
        run_row("a"),
        run_row("b"),
        observations("a", base, ttft_ms=[50.0, 60.0]),
        observations("b", head, ttft_ms=[55.0, 70.0]),
    )
    now = datetime.now(UTC)
    result = RunResult("b", "finished", now, now, {"kind": "demo"}, {}, (), {}, Verdict(True, ()))
    judged = with_comparison(result, c)
    assert not judged.verdict.go and judged.verdict.gates[-1].metric == "comparison.regressions"
    from golive.reports.summary import build_summary

    summary = build_summary(judged)
    assert summary["comparison"]["regressed"] is True
    jsonschema.Draft202012Validator(load_schema()).validate(summary)


def test_markdown_escapes_hostile_case_ids() -> None:
    hostile = "x](http://evil)|<img src=x onerror=alert(1)>"
    base = [*outcomes(10, ALL), (hostile, [True] * 20)]
    head = [*outcomes(10, ALL), (hostile, [False] * 20)]
    md = compare_runs(
        run_row("a"), run_row("b"), observations("a", base), observations("b", head)
    ).to_markdown()
    assert "<img" not in md and "](http" not in md
    assert "&lt;img" in md and "\\]\\(http" in md and "\\|" in md
    assert md.startswith("### golive compare: **regression**")


def _insert_run(store: Any, run_id: str, minutes: int, **values: Any) -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    row = {
        "id": run_id,
        "kind": "eval",
        "status": "finished",
        "started_at": at,
        "heartbeat_at": at,
        "finished_at": at,
        **values,
    }
    with store.engine.begin() as conn:
        conn.execute(insert(RunRecord), row)
        conn.execute(
            insert(ObservationRecord),
            [
                {
                    "run_id": run_id,
                    "case_id": f"c{i}",
                    "sample": 0,
                    "output": "",
                    "status": "ok",
                    "t_sched_ns": 0,
                    "t_send_ns": 0,
                    "passed": True,
                    "created_at": at,
                }
                for i in range(3)
            ],
        )


def test_refs_resolve_by_id_prefix_latest_and_branch(store_url: str) -> None:
    with open_store(store_url) as store:
        _insert_run(store, "run-main-old", 0, git_branch="main")
        _insert_run(store, "run-main-new", 1, git_branch="main")
        _insert_run(store, "run-feature", 2, git_branch="feature/x")
        _insert_run(store, "run-broken", 3, git_branch="main", status="interrupted")
        _insert_run(store, "load-run", 4, git_branch="main", kind="load")
        assert resolve_run(store, "branch:main").id == "run-main-new"
        assert resolve_run(store, "branch:feature/x").id == "run-feature"
        assert resolve_run(store, "latest").id == "run-feature"
        assert resolve_run(store, "run-main-o").id == "run-main-old"
        assert resolve_run(store, "run-broken").status == "interrupted"  # by id: any status
        for bad in ("branch:nope", "branch:", "missing", "run-main"):
            with pytest.raises(ConfigError):
                resolve_run(store, bad)
        c = compare_stored(store, "branch:main", "latest")
        assert c.base.id == "run-main-new" and c.head.id == "run-feature"
        assert not c.regressed and len(c.cases) == 3


def test_the_pass_rate_is_the_suites_cases_and_variants_are_shown_beside_it() -> None:
    suite = outcomes(40, ALL)
    variants_base = [(f"c{i:02d}~typos~0", [True]) for i in range(40)]
    variants_head = [(f"c{i:02d}~typos~0", [i % 2 == 0]) for i in range(40)]
    c = compare_runs(
        run_row("a"),
        run_row("b"),
        observations("a", suite + variants_base),
        observations("b", suite + variants_head),
    )
    quality, robustness = c.metric("quality.pass_rate"), c.metric("robustness.pass_rate")
    assert quality is not None and quality.delta == 0 and quality.gating
    assert robustness is not None and robustness.delta == -0.5 and not robustness.gating
    assert robustness.status == "regression"
    assert c.mde.cases == 40 and c.mde.samples == 3  # the suite's size, not the variants'
    assert not c.metric_regressions
