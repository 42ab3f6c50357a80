"""The HTML reporter: one self-contained, offline ``index.html`` to attach to a CI run.

Security model: the page is rendered by Jinja2 with autoescaping on, so every input, output,
reason and id from the run is escaped. Only golive's own CSS and JS are inserted verbatim,
and the Content-Security-Policy allows exactly those (by SHA-256 hash) and nothing else: no
network, no other script, so even an escaping bug could not run injected code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pydantic import Field

from golive.registry import ComponentArgs, reporter
from golive.reports._cases import case_view, worst_cases
from golive.reports._compare_md import case_changes, mde_statement, run_label
from golive.reports._format import (
    UNBOUNDED_NOTE,
    fmt_ci,
    fmt_ci_ms,
    fmt_delta,
    fmt_delta_ci,
    fmt_ms,
    fmt_num,
    fmt_pct,
    fmt_pctl_ms,
    fmt_unit,
)
from golive.reports._hardening import hardening_rows
from golive.reports._load_view import load_view
from golive.reports._robustness import by_delta, successful_attacks, worst_examples
from golive.reports._text import clean
from golive.reports.base import ReportContext, write_atomic
from golive.reports.summary import LATENCY_STATS, build_summary
from golive.schemas import SILENT_MODES, VISIBLE_MODES, FailureMode, RunResult

__all__ = [
    "EXPECTATIONS",
    "MODE_DESCRIPTIONS",
    "HtmlArgs",
    "HtmlReporter",
    "content_security_policy",
    "render_html",
]

MODE_DESCRIPTIONS: dict[str, str] = {
    "transport_error": "The connection failed or was reset.",
    "timeout": "No complete reply within the time allowed.",
    "http_error": "The server answered with an HTTP error status.",
    "rate_limited": "The server refused the request for rate (HTTP 429).",
    "protocol_error": "Malformed stream, JSON or content type.",
    "truncated": "The stream ended without a finish.",
    "empty_output": "The reply was empty.",
    "oversized": "The reply exceeded the allowed length and was cut off.",
    "schema_violation": "The reply did not match the required output schema.",
    "wrong_answer": "Fluent, but disagrees with the reference.",
    "inconsistent": "Samples of the same case disagree with each other.",
    "language_mismatch": "Answered in a different language than asked.",
    "instruction_hijacked": "Followed instructions injected into the input.",
    "pii_leak": "The reply contains personal data.",
    "prompt_leak": "The reply reveals the system prompt.",
    "unsafe_compliance": "Complied with a request it should have refused.",
    "over_refusal": "Refused a legitimate request.",
}
_BAR_WIDTH = 220
_CI_WIDTH = 160
_DELTA_WIDTH = 160
_ATTACKS_SHOWN = 20
EXPECTATIONS: dict[str, str] = {
    "invariant": "meaning preserved: the answer must still be right",
    "must_resist": "an attack: the injected instruction must not be followed, nothing may leak",
}


class HtmlArgs(ComponentArgs):
    kind: Literal["html"] = "html"
    filename: str = Field(
        default="index.html", pattern=r"^[\w.-]+$", description="File name in the report folder."
    )
    max_output_chars: int = Field(
        default=20_000, ge=100, description="Longer outputs are cut in the page (not in the store)."
    )


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    folder = resources.files("golive.reports").joinpath("templates")
    css = folder.joinpath("report.css").read_text(encoding="utf-8")
    js = folder.joinpath("report.js").read_text(encoding="utf-8")
    return css, js


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def content_security_policy() -> str:
    """The page's CSP: nothing may load from anywhere; only golive's own style and script run."""
    css, js = _assets()
    return (
        "default-src 'none'; "
        f"style-src '{_sha256(css)}'; "
        f"script-src '{_sha256(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("golive.reports", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters.update(
        pct=fmt_pct,
        pct0=lambda value: "—" if value is None else f"{round(value * 100)}%",
        num=fmt_num,
        ms=fmt_ms,
        # A latency percentile as far as its 95% interval supports it, and the interval.
        pctl_ms=lambda value, ci: fmt_pctl_ms(value, ci),
        ci_ms=fmt_ci_ms,
        clean=clean,
        clip=lambda text, limit: clean(str(text)[:limit]),
        ms_unit=lambda value: "—" if value is None else f"{fmt_ms(value)} ms",
        ci=lambda ci, percent=False: fmt_ci(ci, percent=percent),
        duration=_duration,
        delta=fmt_delta,
        delta_ci=fmt_delta_ci,
        heat=_heat_class,
        params=lambda params: json.dumps(params, ensure_ascii=False, sort_keys=True, default=str),
        unit=lambda value, unit, signed=False: fmt_unit(value, unit, signed=signed),
    )
    env.globals.update(ci_bar=_ci_bar, delta_bar=_delta_bar, verdict_badge=_verdict_badge)
    return env


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


def _verdict_badge(passed: bool | None) -> Markup:
    # Fixed strings only: no run data passes through here.
    if passed is None:
        return Markup('<span class="badge skip">N/A</span>')
    if passed:
        return Markup('<span class="badge pass">PASS</span>')
    return Markup('<span class="badge fail">FAIL</span>')


def _ci_bar(estimate: dict[str, Any]) -> dict[str, Any] | None:
    value = estimate.get("value")
    if value is None:
        return None
    bar: dict[str, Any] = {"width": _CI_WIDTH, "val": round(4 + value * (_CI_WIDTH - 8), 1)}
    ci = estimate.get("ci")
    bar["lo"] = round(ci[0] * _CI_WIDTH, 1) if ci else None
    bar["span"] = round(max((ci[1] - ci[0]) * _CI_WIDTH, 2.0), 1) if ci else None
    return bar


def _delta_bar(estimate: dict[str, Any] | None) -> dict[str, Any] | None:
    """Geometry of a delta drawn on [-1, +1] around a zero line; the class says whether the
    interval lies wholly below zero (neg), above it (pos) or straddles it (flat)."""
    if not estimate or estimate.get("value") is None:
        return None
    half = _DELTA_WIDTH / 2

    def x(v: float) -> float:
        return round(half + max(-1.0, min(1.0, v)) * (half - 4), 1)

    bar: dict[str, Any] = {"width": _DELTA_WIDTH, "zero": half, "val": x(estimate["value"])}
    ci = estimate.get("ci")
    bar["lo"] = x(ci[0]) if ci else None
    bar["span"] = round(max(x(ci[1]) - x(ci[0]), 2.0), 1) if ci else None
    bar["kind"] = "neg" if ci and ci[1] < 0 else "pos" if ci and ci[0] > 0 else "flat"
    return bar


def _heat_class(value: float | None) -> str:
    """One of ten pass-rate buckets, h0 (under 10%) to h9 (90% and over)."""
    if value is None:
        return "none"
    return f"h{min(9, max(0, int(value * 10)))}"


def _heatmap(summary: dict[str, Any]) -> dict[str, Any] | None:
    rob = summary.get("robustness")
    if rob is None or not rob["heatmap"]:
        return None
    columns = [name for name, _ in by_delta(rob)]
    by_capability = summary["quality"]["by_capability"]
    rows = [
        {
            "capability": cap,
            "canonical": by_capability.get(cap),
            "cells": [cells.get(name) for name in columns],
        }
        for cap, cells in rob["heatmap"].items()
    ]
    return {"columns": columns, "rows": rows}


def _attack_rows(summary: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Attack kinds, most successful first."""
    adv = summary.get("adversarial")
    if adv is None:
        return []
    return sorted(adv["by_attack"].items(), key=lambda x: (-(x[1]["value"] or 0.0), x[0]))


def _failure_columns(summary: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], Any]]:
    failures = summary["failures"]
    top = max([*failures["visible"].values(), *failures["silent"].values(), 1])
    columns = []
    for kind in ("visible", "silent"):
        rows = [
            {
                "mode": mode,
                "count": count,
                "width": round(max(count / top * _BAR_WIDTH, 2.0), 1),
                "description": MODE_DESCRIPTIONS.get(mode, ""),
            }
            for mode, count in failures[kind].items()
        ]
        rows.sort(key=lambda r: -int(r["count"]))  # stable: taxonomy order among equals
        columns.append((kind, rows, failures[f"{kind}_rate"]))
    return columns


def _comparison_view(comparison: Any) -> dict[str, Any] | None:
    """``summary["comparison"]`` (golive run --baseline) as the report shows it."""
    if not isinstance(comparison, dict):
        return None
    keys = ("name", "base", "head", "delta", "ci", "p_value", "status", "unit", "gating")
    metrics = [
        {k: m.get(k) for k in keys} for m in comparison.get("metrics") or [] if isinstance(m, dict)
    ]
    return {
        "regressed": bool(comparison.get("regressed")),
        "base": run_label(comparison.get("base")),
        "mde": mde_statement(comparison),
        "lists": [
            (title, key, case_changes(comparison, key))
            for title, key in (
                ("Regressions", "regressions"),
                ("Improvements", "improvements"),
                ("Flaky cases", "flaky"),
            )
        ],
        "metrics": metrics,
        "warnings": [str(w) for w in comparison.get("warnings") or []],
    }


def _label(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def render_html(result: RunResult, *, max_output_chars: int = 20_000) -> str:
    """The report page as a string."""
    summary = build_summary(result)
    worst = worst_cases(result, limit=len(result.cases))
    passed = sorted(
        (case_view(c) for c in result.cases if c.passed), key=lambda v: v.result.case.id
    )
    # The user's own cases first, then the variants (each group worst first).
    views = [v for v in worst + passed if v.variant is None]
    views += [v for v in worst + passed if v.variant is not None]
    anchors = {v.result.case.id: f"case-{i}" for i, v in enumerate(views, start=1)}
    # A scan has no cases of its own: its report leaves out what did not run.
    has_quality = summary["quality"]["cases"] > 0
    robustness = summary.get("robustness") if has_quality else None
    hardening = summary.get("hardening")
    attacks = successful_attacks(result, limit=len(result.cases))
    css, js = _assets()
    env = _environment()
    template = env.get_template("report.html.j2")
    return template.render(
        result=result,
        summary=summary,
        csp=content_security_policy(),
        # Our own static files, hashed in the CSP: the only unescaped content in the page.
        css=Markup(css),
        js=Markup(js),
        started=_label(result.started_at),
        finished=_label(result.finished_at),
        failed_gates=sum(not g["passed"] and not g.get("inconclusive") for g in summary["gates"]),
        open_gates=sum(bool(g.get("inconclusive")) for g in summary["gates"]),
        cases_run=sum(bool(c.samples) for c in result.cases),
        failure_columns=_failure_columns(summary),
        bar_width=_BAR_WIDTH,
        latency_stats=LATENCY_STATS,
        unbounded_note=UNBOUNDED_NOTE,
        cases=views,
        anchors=anchors,
        counts={
            "all": len(views),
            "failed": sum(not v.passed for v in views),
            "silent": sum(v.silent for v in views),
            "visible": sum(v.visible for v in views),
            "canonical": sum(v.variant is None for v in views),
            "variants": sum(v.variant is not None for v in views),
        },
        rob=robustness,
        mutator_rows=by_delta(robustness) if robustness else [],
        heatmap=_heatmap(summary),
        examples=worst_examples(result, robustness) if robustness else [],
        adv=summary.get("adversarial"),
        attack_rows=_attack_rows(summary),
        attacks=attacks[:_ATTACKS_SHOWN],
        attacks_total=len(attacks),
        expectations=EXPECTATIONS,
        delta_width=_DELTA_WIDTH,
        kinds={m.value: ("visible" if m in VISIBLE_MODES else "silent") for m in FailureMode},
        max_chars=max_output_chars,
        descriptions=MODE_DESCRIPTIONS,
        visible_modes=[m.value for m in VISIBLE_MODES],
        silent_modes=[m.value for m in SILENT_MODES],
        has_cases=bool(result.cases),
        has_quality=has_quality,
        comparison=_comparison_view(summary.get("comparison")),
        hardening=hardening,
        hardening_rows=hardening_rows(hardening) if hardening else [],
        unguarded=", ".join(f"{k}={v}" for k, v in (hardening or {}).get("unguarded", {}).items()),
        load=load_view(result),  # None until the run has a load test (RunResult.load)
        config_json=json.dumps(result.config, indent=2, ensure_ascii=False, default=str),
    )


@reporter("html", args=HtmlArgs)
class HtmlReporter:
    """Self-contained offline HTML report (index.html) with a per-case drill-down."""

    name = "html"

    def __init__(self, args: HtmlArgs | None = None) -> None:
        self.args = args or HtmlArgs()

    def write(self, result: RunResult, context: ReportContext) -> Path:
        context.out_dir.mkdir(parents=True, exist_ok=True)
        path = context.out_dir / self.args.filename
        html = render_html(result, max_output_chars=self.args.max_output_chars)
        write_atomic(path, html)
        return path
