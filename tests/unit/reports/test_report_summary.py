"""summary.json: the versioned contract, validated against its JSON Schema."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from golive.registry import registry
from golive.reports import SCHEMA_VERSION, build_summary, load_schema, write_summary
from golive.reports.base import ReportContext
from golive.reports.json import JsonArgs, JsonReporter
from golive.reports.summary import wilson
from golive.schemas import (
    SILENT_MODES,
    VISIBLE_MODES,
    CaseResult,
    FailureMode,
    Metric,
    RunResult,
    Verdict,
)

Factory = Callable[..., RunResult]


def _validate(summary: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.FormatChecker()
    )
    errors = sorted(validator.iter_errors(summary), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def _at(tree: dict[str, Any], dotted: str) -> dict[str, Any]:
    for key in dotted.split("."):
        tree = tree[key]
    return tree


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_summary_validates_against_schema(run_result: RunResult) -> None:
    summary = build_summary(run_result)
    _validate(summary)
    assert summary["schema_version"] == SCHEMA_VERSION == "1.5"
    assert summary["verdict"] == "no-go"
    assert summary["status"] == "finished"


def test_schema_rejects_a_broken_summary(run_result: RunResult) -> None:
    summary = build_summary(run_result)
    del summary["failures"]["silent"]["pii_leak"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(summary, load_schema())


def test_schema_mode_names_match_the_taxonomy() -> None:
    props = load_schema()["properties"]["failures"]["properties"]
    assert props["visible"]["required"] == [m.value for m in VISIBLE_MODES]
    assert props["silent"]["required"] == [m.value for m in SILENT_MODES]


def test_every_mode_is_present_with_zero_counts(run_result: RunResult) -> None:
    failures = build_summary(run_result)["failures"]
    assert list(failures["visible"]) == [m.value for m in VISIBLE_MODES]
    assert list(failures["silent"]) == [m.value for m in SILENT_MODES]
    assert failures["visible"]["transport_error"] == 0
    assert failures["silent"]["pii_leak"] == 0


def test_counts_and_rates(run_result: RunResult) -> None:
    summary = build_summary(run_result)
    failures = summary["failures"]
    assert failures["visible"]["timeout"] == 1
    assert failures["visible"]["empty_output"] == 1
    assert failures["silent"]["wrong_answer"] == 2
    assert failures["silent"]["instruction_hijacked"] == 3
    assert failures["silent"]["language_mismatch"] == 3
    assert failures["silent"]["inconsistent"] == 1
    # 21 samples: 2 with a visible finding, 8 with a silent one (the inconsistency is per case).
    assert failures["visible_rate"]["n"] == 21
    assert failures["visible_rate"]["value"] == pytest.approx(2 / 21)
    assert failures["silent_rate"]["value"] == pytest.approx(8 / 21)
    q = summary["quality"]
    assert q["pass_rate"]["value"] == pytest.approx(11 / 21)
    assert q["pass_rate"]["ci"] == pytest.approx(list(wilson(11, 21) or ()))
    assert q["case_pass_rate"]["value"] == pytest.approx(1 / 7)
    assert q["case_pass_rate"]["n"] == 7
    assert set(q["by_capability"]) == {"refunds", "security", "shipping"}
    assert q["by_capability"]["security"]["value"] == 0.0
    assert q["by_capability"]["security"]["ci"][0] == 0.0
    assert q["by_scorer"]["semantic"]["n"] == 20
    assert (q["cases"], q["samples"], q["samples_per_case"]) == (7, 21, 3)
    assert summary["latency"]["n"] == 20
    assert summary["latency"]["ttft_ms"]["max"] == pytest.approx(1900.0)
    assert [g["passed"] for g in summary["gates"]] == [False, False, True]


def test_every_rate_carries_ci_and_n(run_result: RunResult) -> None:
    summary = build_summary(run_result)
    q, f = summary["quality"], summary["failures"]
    rates = [q["pass_rate"], q["case_pass_rate"], f["visible_rate"], f["silent_rate"]]
    rates += [*q["by_capability"].values(), *q["by_scorer"].values()]
    for est in rates:
        assert set(est) == {"value", "ci", "n"}
        low, high = est["ci"]
        assert 0.0 <= low <= est["value"] <= high <= 1.0


def test_derived_from_cases_when_metrics_are_missing(run_result: RunResult) -> None:
    """A run without metrics (a third-party runner, an early interrupt) still gets every key,
    and the values derived from the cases agree with the runner's."""
    full = build_summary(run_result)
    bare = build_summary(replace(run_result, metrics={}))
    caps = full["quality"]["by_capability"]
    assert set(bare["quality"]["by_capability"]) == set(caps)
    assert set(bare["quality"]["by_scorer"]) == {
        "semantic",
        "instruction_hijacked",
        "language_mismatch",
        "empty_output",
    }
    _validate(bare)
    assert bare["failures"] == full["failures"]
    for key in ("pass_rate", "case_pass_rate", *(f"by_capability.{c}" for c in caps)):
        b, f = _at(bare["quality"], key), _at(full["quality"], key)
        assert (b["value"], b["n"]) == (pytest.approx(f["value"]), f["n"])
        assert b["ci"] == pytest.approx(f["ci"])
    assert bare["quality"]["consistency"] == {"value": None, "ci": None, "n": 0}
    assert bare["latency"]["n"] == full["latency"]["n"]
    for family in ("ttft_ms", "e2e_ms"):
        b, f = bare["latency"][family], full["latency"][family]
        assert b["ci"] == f["ci"] and (b["n"], b["population"]) == (f["n"], f["population"])
        stats = ("p50", "p90", "p95", "p99", "max", "mean")
        assert [b[s] for s in stats] == pytest.approx([f[s] for s in stats])
    assert bare["metrics"] == {}


def test_interrupted_run(result_factory: Factory, run_result: RunResult) -> None:
    cases = list(run_result.cases)
    # The run stopped before the last two cases got any sample.
    cut = [*cases[:5], *(CaseResult(c.case, ()) for c in cases[5:])]
    result = result_factory(cases=cut, status="interrupted")
    summary = build_summary(result)
    _validate(summary)
    assert summary["status"] == "interrupted"
    assert summary["quality"]["cases"] == 7
    assert summary["quality"]["samples"] == 15
    assert summary["quality"]["case_pass_rate"]["n"] == 5  # cases with no sample are not counted


def test_empty_run_is_schema_valid(result_factory: Factory) -> None:
    empty = replace(result_factory(), cases=(), metrics={}, verdict=Verdict(True, ()))
    summary = build_summary(empty)
    _validate(summary)
    assert summary["verdict"] == "go"
    assert summary["quality"]["pass_rate"] == {"value": None, "ci": None, "n": 0}
    assert summary["latency"]["ttft_ms"]["p95"] is None
    assert sum(summary["failures"]["visible"].values()) == 0


def test_non_finite_numbers_become_null(run_result: RunResult) -> None:
    metrics = dict(run_result.metrics)
    metrics["quality.consistency"] = Metric("quality.consistency", math.nan, None, 0)
    metrics["latency.ttft_ms.max"] = Metric("latency.ttft_ms.max", math.inf, None, 20)
    summary = build_summary(replace(run_result, metrics=metrics))
    _validate(summary)
    assert summary["quality"]["consistency"]["value"] is None
    assert summary["latency"]["ttft_ms"]["max"] is None
    json.dumps(summary, allow_nan=False)  # raises if any NaN/Infinity slipped through


def test_mode_counts_from_metrics_are_zero_filled(run_result: RunResult) -> None:
    metrics = {k: v for k, v in run_result.metrics.items() if not k.startswith("failures.mode.")}
    metrics["failures.mode.pii_leak.count"] = Metric("failures.mode.pii_leak.count", 4.0, None, 4)
    failures = build_summary(replace(run_result, metrics=metrics))["failures"]
    assert failures["silent"]["pii_leak"] == 4
    assert failures["silent"]["wrong_answer"] == 0  # the runner's metrics are the source of truth
    assert len(failures["visible"]) + len(failures["silent"]) == len(FailureMode)


def test_write_summary_is_strict_utf8_json(run_result: RunResult, tmp_path: Path) -> None:
    path = write_summary(run_result, tmp_path / "nested" / "out.json")
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "schema_version": "1.5"')
    assert json.loads(text) == json.loads(json.dumps(build_summary(run_result)))
    assert "úteis" not in text  # references are not part of the summary…
    assert run_result.target["model"] in text  # …but the target fingerprint is


def test_json_reporter_writes_summary_json(run_result: RunResult, tmp_path: Path) -> None:
    reporter = registry.build("reporter", JsonArgs())
    assert isinstance(reporter, JsonReporter)
    out = tmp_path / "report"
    path = reporter.write(run_result, ReportContext(out, Console(quiet=True)))
    assert path == out / "summary.json"
    _validate(json.loads(path.read_text(encoding="utf-8")))


def test_all_reporters_are_registered() -> None:
    assert {"terminal", "html", "json", "junit"} <= set(registry.names("reporter"))


def test_latency_percentiles_carry_intervals_and_population(run_result: RunResult) -> None:
    latency = build_summary(run_result)["latency"]
    assert latency["population"] == "ok"
    for family in ("ttft_ms", "e2e_ms"):
        summary = latency[family]
        assert summary["population"] == "ok" and summary["n"] == latency["n"] == 20
        low, high = summary["ci"]["p50"]
        assert low <= summary["p50"] <= high
        # 20 requests bound no p95 or p99 from above: null, never a number.
        assert summary["ci"]["p99"][1] is None and summary["ci"]["p95"][1] is None
        assert summary["ci"]["p99"][0] is not None


def test_an_unbounded_side_is_null_in_metrics_and_gates_too(run_result: RunResult) -> None:
    from golive.reports._format import fmt_ci

    summary = build_summary(run_result)
    _validate(summary)
    low, high = summary["metrics"]["latency.ttft_ms.p99"]["ci"]
    assert low is not None and high is None  # not dropped to null as a whole, not a number
    assert fmt_ci([low, high]) == f"[{low:g}, ∞)"
