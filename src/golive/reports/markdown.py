"""The Markdown reporter: ``summary.md``, also the GitHub Actions step summary under ``--ci``.

It renders the JSON summary (the versioned contract, not the run objects), so the same text
comes from a finished run or from a ``summary.json`` read back later: the verdict, the gates,
headline figures per family, failures by mode, the comparison with the baseline when the
summary has one, and the response cache's hits. Every string that came from a suite, a
config or a model is escaped: GitHub renders HTML and Markdown in step summaries, so a case
id or an output holding ``|``, ``<script>`` or ``[link](…)`` must show as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from golive.registry import ComponentArgs, reporter
from golive.reports._compare_md import comparison_markdown
from golive.reports._format import (
    fmt_ci,
    fmt_ci_ms,
    fmt_delta,
    fmt_num,
    fmt_pct,
    fmt_pctl_ms,
    fmt_rate,
)
from golive.reports._md import md_text, table
from golive.reports.base import ReportContext, write_atomic
from golive.reports.summary import build_summary
from golive.schemas import RunResult

__all__ = ["MarkdownArgs", "MarkdownReporter", "md_text", "render_markdown", "table"]


def _gates(summary: dict[str, Any]) -> list[str]:
    gates = summary.get("gates") or []
    if not gates:
        return ["_No gates._"]
    rows = [
        (
            md_text(g.get("name", "")),
            md_text(g.get("metric", "")),
            md_text(g.get("op", "")),
            fmt_num(g.get("threshold")),
            fmt_num(g.get("value")),
            fmt_ci(g.get("ci")),
            _gate_mark(g),
        )
        for g in gates
    ]
    return table(("gate", "metric", "op", "threshold", "value", "95% CI", "pass"), rows)


def _gate_mark(gate: dict[str, Any]) -> str:
    if gate.get("passed"):
        return "✅"
    if not gate.get("inconclusive"):
        return "❌"
    needed = gate.get("samples_needed")
    return "⚠️ inconclusive: " + (f"needs n ≥ {needed:,}" if needed else "needs n > 100,000")


def _headline(summary: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, str]] = []
    quality = summary.get("quality") or {}
    if "pass_rate" in quality:
        rows.append(("quality: sample pass rate", fmt_rate(quality["pass_rate"])))
    if "case_pass_rate" in quality:
        rows.append(("quality: case pass rate", fmt_rate(quality["case_pass_rate"])))
    failures = summary.get("failures") or {}
    for kind in ("visible", "silent"):
        if f"{kind}_rate" in failures:
            rows.append((f"{kind} failure rate", fmt_rate(failures[f"{kind}_rate"])))
    latency = summary.get("latency") or {}
    for family in ("ttft_ms", "e2e_ms"):
        if (latency.get(family) or {}).get("p95") is not None:
            rows.append(
                (
                    f"latency: {family[:-3]} p95 (n={latency.get('n', 0)} successful requests)",
                    _pctl(latency[family], "p95"),
                )
            )
    robustness = summary.get("robustness")
    if robustness:
        variants = robustness.get("variants") or {}
        rows.append(
            (
                f"robustness: variant pass rate ({variants.get('count', 0)} variants)",
                f"{fmt_rate(variants.get('pass_rate') or {})}, "
                f"{fmt_delta(variants.get('delta'))} vs canonical",
            )
        )
        worst = robustness.get("worst")
        if worst:
            rows.append(
                (
                    f"robustness: worst mutator {md_text(worst.get('mutator', ''))}",
                    fmt_rate(worst.get("pass_rate") or {}),
                )
            )
    adversarial = summary.get("adversarial")
    if adversarial:
        rows.append(
            (
                f"adversarial: attack success rate ({adversarial.get('variants', 0)} attacks)",
                fmt_rate(adversarial.get("attack_success_rate") or {}),
            )
        )
    load = summary.get("load")
    if load:
        rows.append(("load: capacity at SLO", _per_unit(load.get("capacity_at_slo"))))
        rows.append(("load: latency cliff", _per_unit(load.get("cliff"))))
    return table(("figure", "value [95% CI]"), rows) if rows else []


def _pctl(family: dict[str, Any], stat: str) -> str:
    """'212 ms [190, 240]'; '≥ 300 ms [300, ∞)' when n cannot bound it from above."""
    ci = (family.get("ci") or {}).get(stat)
    value = family.get(stat)
    if value is None:
        return "—"
    text = f"{fmt_pctl_ms(value, ci)} ms"
    return text if ci is None else f"{text} {fmt_ci_ms(ci)}"


def _per_unit(value: Any) -> str:
    return fmt_num(value) if isinstance(value, int | float) else "—"


def _load_levels(load: dict[str, Any]) -> list[str]:
    rows = []
    for level in load.get("levels") or []:
        key = level.get("key") or (
            f"c={level['concurrency']}" if "concurrency" in level else f"r={level.get('rate')}"
        )
        valid = (
            "yes"
            if level.get("valid", True)
            else f"**no**: {md_text(level.get('invalid_reason', ''))}"
        )
        rows.append(
            (
                md_text(key),
                str(level.get("requests", 0)),
                fmt_num(level.get("rps")),
                _pctl(level.get("ttft_from_schedule_ms") or {}, "p95"),
                _pctl(level.get("e2e_ms") or {}, "p95"),
                fmt_num(level.get("goodput_rps")),
                str(sum((level.get("errors") or {}).values())),
                valid,
            )
        )
    if not rows:
        return []
    header = ("level", "requests", "req/s", "TTFT p95 (queue-incl.) [95% CI]", "E2E p95 [95% CI]")
    lines = table((*header, "goodput req/s", "errors", "valid"), rows)
    lines += [
        "",
        "_Latencies over each level's successful requests; 95% CI from order statistics. "
        "≥ x, ∞: too few requests to bound that percentile from above._",
    ]
    for level in load.get("levels") or []:
        for line in level.get("slo_unsettled") or []:
            lines.append(f"- SLO not settled at {md_text(level.get('key', ''))}: {md_text(line)}")
    return lines


def _failures(summary: dict[str, Any]) -> list[str]:
    failures = summary.get("failures") or {}
    rows = [
        (md_text(mode), kind, str(count))
        for kind in ("visible", "silent")
        for mode, count in sorted((failures.get(kind) or {}).items())
        if count
    ]
    if not rows:
        return ["_No failures._"]
    return table(("mode", "kind", "findings"), rows)


def render_markdown(summary: dict[str, Any], *, title: str = "golive") -> str:
    """The whole Markdown document for one run summary (a ``summary.json`` dict)."""
    verdict = str(summary.get("verdict", "")).lower()
    mark = {"go": "✅ GO", "inconclusive": "⚠️ INCONCLUSIVE"}.get(verdict, "❌ NO-GO")
    target = summary.get("target") or {}
    quality = summary.get("quality") or {}
    about = ", ".join(f"{md_text(k)} {md_text(v)}" for k, v in sorted(target.items()))
    lines = [
        f"## {md_text(title)}: {mark}",
        "",
        f"Run `{md_text(summary.get('run_id', ''), 80)}` ({md_text(summary.get('status', ''))})"
        f" on {about or 'an unnamed target'}: {quality.get('cases', 0)} cases × "
        f"{quality.get('samples_per_case', 0)} samples.",
    ]
    if summary.get("status") == "interrupted":
        lines += ["", "> [!WARNING]", "> The run was interrupted: these figures are partial."]
    incomplete = summary.get("incomplete")
    if isinstance(incomplete, dict):
        reason = md_text(str(incomplete.get("reason")), 400)
        lines += ["", "> [!WARNING]", f"> Run incomplete: {reason}"]
    lines += ["", "### Gates", "", *_gates(summary)]
    if verdict == "inconclusive":
        lines += [
            "",
            "No gate failed, but the data cannot settle every gate yet: each inconclusive "
            "gate's interval still straddles its threshold. Add cases or samples (n above).",
        ]
    headline = _headline(summary)
    if headline:
        lines += ["", "### Headline figures", "", *headline]
    if summary.get("load"):
        lines += ["", "### Load levels", "", *_load_levels(summary["load"])]
    lines += ["", "### Failures by mode", "", *_failures(summary)]
    comparison = summary.get("comparison")
    if isinstance(comparison, dict):
        lines += ["", *comparison_markdown(comparison)]
    cache = summary.get("cache")
    if isinstance(cache, dict):
        hits, misses = int(cache.get("hits", 0)), int(cache.get("misses", 0))
        lines += [
            "",
            f"Response cache: {hits} hits, {misses} misses "
            f"({fmt_pct(hits / (hits + misses)) if hits + misses else '—'} replayed; "
            "replayed samples are left out of latency figures).",
        ]
    return "\n".join(lines) + "\n"


class MarkdownArgs(ComponentArgs):
    kind: Literal["markdown"] = "markdown"
    filename: str = Field(
        default="summary.md", pattern=r"^[\w.-]+$", description="File name in the report folder."
    )


@reporter("markdown", args=MarkdownArgs)
class MarkdownReporter:
    """Markdown summary (summary.md): verdict, gates, headline figures, failures by mode."""

    name = "markdown"

    def __init__(self, args: MarkdownArgs | None = None) -> None:
        self.args = args or MarkdownArgs()

    def write(self, result: RunResult, context: ReportContext) -> Path:
        context.out_dir.mkdir(parents=True, exist_ok=True)
        path = context.out_dir / self.args.filename
        write_atomic(path, render_markdown(build_summary(result)))
        return path
