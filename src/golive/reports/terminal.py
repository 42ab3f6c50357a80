"""The terminal reporter: verdict, gates, quality, failure modes, latency, robustness per
mutator, attacks, guardrails before/after and worst cases (sections that did not run are left
out).

Everything that comes from the model, the suite or the target goes into rich ``Text``
objects or through ``rich.markup.escape`` after control characters are neutralised, so an
output containing ``[bold]`` or an ANSI escape cannot restyle or corrupt the terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from golive.registry import ComponentArgs, reporter
from golive.reports._cases import worst_cases
from golive.reports._format import (
    UNBOUNDED_NOTE,
    fmt_ci,
    fmt_ci_ms,
    fmt_delta,
    fmt_delta_ci,
    fmt_num,
    fmt_pct,
    fmt_pctl_ms,
    fmt_rate,
    has_unbounded,
)
from golive.reports._hardening import hardening_table
from golive.reports._robustness import by_delta
from golive.reports._text import clean, excerpt
from golive.reports.base import ReportContext
from golive.reports.summary import LATENCY_STATS, build_summary
from golive.schemas import RunResult

__all__ = ["TerminalArgs", "TerminalReporter", "render_terminal"]

_REPORT_FILES = ("index.html", "summary.json", "junit.xml")


def _t(value: object, style: str = "") -> Text:
    """User-controlled text as an inert rich Text (never parsed as markup)."""
    return Text(clean(str(value)), style=style)


def _banner(result: RunResult, summary: dict[str, Any]) -> Panel:
    go, label = result.verdict.go, result.verdict.label
    gates = summary["gates"]
    failed = sum(not g["passed"] and not g.get("inconclusive") for g in gates)
    color = {"go": "green", "inconclusive": "yellow"}.get(label, "red")
    headline = Text(f"  {label.upper()}  ", style=f"bold white on {color}")
    detail = f"all {len(gates)} gates passed" if go else f"{failed} of {len(gates)} gates failed"
    if label == "inconclusive":
        open_gates = [g for g in gates if g.get("inconclusive")]
        detail = (
            f"no gate failed; {len(open_gates)} of {len(gates)} cannot be settled by the data "
            f"yet ({_needs(max_needed(open_gates))})"
        )
    lines = [Text.assemble(headline, "  ", (detail, "bold"))]
    lines.append(
        Text.assemble(
            ("run ", "dim"),
            _t(result.run_id),
            ("  target ", "dim"),
            _t(", ".join(f"{k}={v}" for k, v in result.target.items()) or "—"),
        )
    )
    if result.status != "finished":
        lines.append(Text(f"{result.status.upper()}: partial results", style="bold yellow"))
    return Panel(Group(*lines), border_style=color, box=box.HEAVY)


def max_needed(gates: list[dict[str, Any]]) -> int | None:
    """The largest ``samples_needed`` among inconclusive gates (None: one needs > the cap)."""
    needed = [g.get("samples_needed") for g in gates if g.get("inconclusive")]
    return None if not needed or None in needed else max(n for n in needed if n is not None)


def _needs(n: int | None) -> str:
    from golive.gates import SAMPLES_CAP

    return f"needs n ≥ {n:,}" if n is not None else f"needs n > {SAMPLES_CAP:,}"


def _gate_result(g: dict[str, Any]) -> Text:
    if g["passed"]:
        return Text("PASS", style="bold green")
    if g.get("inconclusive"):
        return Text.assemble(
            ("INCONCLUSIVE", "bold yellow"), " ", (_needs(g.get("samples_needed")), "yellow")
        )
    return Text("FAIL", style="bold red")


def _gates(summary: dict[str, Any], console: Console) -> Table | Group:
    """The gates, each as written (a user copies it into --gate or golive.yaml): a table
    where every row fits the console whole, else (80-column CI logs) each expression on its
    own line with its figures under it."""
    gates = summary["gates"]
    table = Table(title="Gates", title_justify="left", box=box.SIMPLE_HEAD, expand=False)
    table.add_column("gate", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("95% CI", no_wrap=True)
    table.add_column("result", no_wrap=True)
    for g in gates:
        table.add_row(_t(g["name"]), fmt_num(g["value"]), fmt_ci(g["ci"]), _gate_result(g))
    if not gates:
        table.add_row("no gates configured", "", "", "")
    unbounded = console.options.update_width(10_000)  # the table's natural width
    if Measurement.get(console, unbounded, table).maximum <= console.width:
        return table
    lines: list[Text] = [Text("Gates (value, 95% CI, result)", style="italic")]
    for g in gates:
        lines.append(Text.assemble("  ", _t(g["name"], "bold")))
        figures = f"{fmt_num(g['value'])}  {fmt_ci(g['ci'])}  "
        lines.append(Text.assemble("      ", figures, _gate_result(g)))
    return Group(*lines, Text(""))


def _quality(summary: dict[str, Any]) -> Table:
    q = summary["quality"]
    table = Table(title="Quality", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("95% CI")
    table.add_column("n", justify="right")
    rows: list[tuple[Text, dict[str, Any]]] = [
        (Text("pass rate (samples)"), q["pass_rate"]),
        (Text("pass rate (cases)"), q["case_pass_rate"]),
    ]
    for cap, est in q["by_capability"].items():
        rows.append((Text.assemble(("  capability ", "dim"), _t(cap)), est))
    for label, est in rows:
        table.add_row(label, fmt_pct(est["value"]), fmt_ci(est["ci"], percent=True), str(est["n"]))
    c = q["consistency"]
    if c["n"]:
        table.add_row("consistency (mean)", fmt_num(c["value"]), fmt_ci(c["ci"]), str(c["n"]))
    return table


def _failures(summary: dict[str, Any]) -> Table:
    f = summary["failures"]
    table = Table(title="Failure modes", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column(f"visible ({fmt_pct(f['visible_rate']['value'])} of samples)", style="yellow")
    table.add_column("count", justify="right")
    table.add_column(f"silent ({fmt_pct(f['silent_rate']['value'])} of samples)", style="magenta")
    table.add_column("count", justify="right")
    visible = [(m, n) for m, n in f["visible"].items() if n]
    silent = [(m, n) for m, n in f["silent"].items() if n]
    visible.sort(key=lambda x: -x[1])
    silent.sort(key=lambda x: -x[1])
    for i in range(max(len(visible), len(silent), 1)):
        v = visible[i] if i < len(visible) else ("none" if i == 0 else "", "")
        s = silent[i] if i < len(silent) else ("none" if i == 0 else "", "")
        table.add_row(v[0], str(v[1]), s[0], str(s[1]))
    return table


def _latency(summary: dict[str, Any]) -> Table:
    lat = summary["latency"]
    families = (("TTFT", "ttft_ms"), ("E2E", "e2e_ms"))
    unbounded = any(has_unbounded(lat[key].get("ci")) for _, key in families)
    table = Table(
        # One population for the whole table (summary.json's latency.population).
        title=f"Latency, ms (n={lat['n']} successful requests with content; 95% CI)",
        title_justify="left",
        caption=UNBOUNDED_NOTE if unbounded else None,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("")
    for stat in LATENCY_STATS:
        table.add_column(stat, justify="right")
    for label, key in families:
        family = lat[key]
        cis = family.get("ci") or {}
        table.add_row(label, *(fmt_pctl_ms(family[stat], cis.get(stat)) for stat in LATENCY_STATS))
        if cis:
            table.add_row(
                "  95% CI",
                *(fmt_ci_ms(cis.get(stat)) if stat in cis else "" for stat in LATENCY_STATS),
                style="dim",
            )
    return table


def _fmt_delta(estimate: dict[str, Any] | None) -> str:
    """'-27.8 pp [-100.0, +33.3]'."""
    text = fmt_delta(estimate)
    return text if text == "—" else f"{text} {fmt_delta_ci(estimate)}"


def _delta_style(estimate: dict[str, Any] | None) -> str:
    ci = (estimate or {}).get("ci")
    if not ci:
        return ""
    # Colour only what the interval shows: a drop whose interval excludes zero.
    return "red" if ci[1] < 0 else "green" if ci[0] > 0 else ""


def _robustness(summary: dict[str, Any]) -> Table | Text | None:
    rob = summary.get("robustness")
    if rob is None:
        return None
    variants, canonical = rob["variants"], rob["canonical"]
    amplification = rob["amplification"]
    factor = f"×{amplification:.1f}" if amplification is not None else "—"
    head = (
        f"Robustness (amplification {factor}: {variants['count']} variants of "
        f"{canonical['cases']} cases)"
    )
    if not rob["mutators"]:
        return Text(f"{head}: no meaning-preserving mutator ran.")
    table = Table(title=f"{head}, worst Δ first", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("mutator", overflow="fold", max_width=28)
    table.add_column("family")
    table.add_column("pass rate [95% CI]", justify="right")
    table.add_column("Δ vs canonical [95% CI]", justify="right")
    table.add_column("silent", justify="right")
    table.add_column("n", justify="right")
    table.add_row(
        Text("canonical", style="bold"),
        "",
        fmt_rate(canonical["pass_rate"]),
        "",
        "",
        str(canonical["pass_rate"]["n"]),
    )
    table.add_row(
        Text("all variants", style="bold"),
        "",
        fmt_rate(variants["pass_rate"]),
        Text(_fmt_delta(variants["delta"]), style=_delta_style(variants["delta"])),
        "",
        str(variants["pass_rate"]["n"]),
        end_section=True,
    )
    for name, m in by_delta(rob):
        table.add_row(
            _t(name),
            _t(m["family"]),
            fmt_rate(m["pass_rate"]),
            Text(_fmt_delta(m["delta"]), style=_delta_style(m["delta"])),
            fmt_pct(m["silent_rate"]["value"]),
            str(m["pass_rate"]["n"]),
        )
    return table


def _attacks(summary: dict[str, Any]) -> Table | None:
    adv = summary.get("adversarial")
    if adv is None:
        return None
    table = Table(
        title=f"Attacks ({adv['variants']} variants)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("attack", overflow="fold", max_width=28)
    table.add_column("success (hijack/leak)", justify="right")
    table.add_column("95% CI")
    table.add_column("n", justify="right")
    rows = [(Text("all attacks", style="bold"), adv["attack_success_rate"])]
    ranked = sorted(adv["by_attack"].items(), key=lambda x: (-(x[1]["value"] or 0.0), x[0]))
    rows += [(_t(name), est) for name, est in ranked]
    for i, (label, est) in enumerate(rows):
        style = "bold red" if est["value"] else ""
        table.add_row(
            label,
            Text(fmt_pct(est["value"]), style=style),
            fmt_ci(est["ci"], percent=True),
            str(est["n"]),
            end_section=i == 0,
        )
    return table


def _worst(result: RunResult, limit: int) -> Table | None:
    # The user's own cases: failing variants are summarised per mutator above.
    views = worst_cases(result, limit, variants=False)
    if not views:
        return None
    table = Table(title=f"Worst {len(views)} cases", title_justify="left", box=box.SIMPLE_HEAD)
    # Narrow terminals squeeze the excerpt first: case ids (up to 30 characters) and mode
    # names stay whole; modes wrap between names.
    ids = max(len(clean(v.result.case.id)) for v in views)
    names = max((len(m) for v in views for m in v.modes), default=0)
    table.add_column("case", overflow="fold", min_width=min(ids, 30), max_width=max(ids, 16))
    table.add_column("failed", justify="right", no_wrap=True)
    table.add_column("modes", overflow="fold", min_width=min(names, 20), max_width=30)
    table.add_column("output excerpt", overflow="ellipsis", no_wrap=True, min_width=8, max_width=60)
    for v in views:
        sample = v.first_failure
        if sample is None:
            text = excerpt(v.result.samples[0].observation.output) if v.result.samples else ""
        elif sample.observation.error is not None:
            text = f"error: {excerpt(sample.observation.error.message)}"
        else:
            text = excerpt(sample.observation.output) or "(empty)"
        table.add_row(
            _t(v.result.case.id),
            f"{v.failed_samples}/{len(v.result.samples)}",
            ", ".join(v.modes),
            # escape() as well as Text: the excerpt may be re-used as markup by callers.
            Text.from_markup(f"[dim]{escape(text)}[/dim]"),
        )
    return table


def render_terminal(
    result: RunResult, console: Console, *, worst: int = 5, report_dir: Path | None = None
) -> None:
    """Print the run summary to ``console``."""
    summary = build_summary(result)
    console.print(_banner(result, summary))
    console.print(_gates(summary, console))
    # A scan (or a load test) has no cases of its own: no empty quality tables for it.
    own_cases = summary["quality"]["cases"] > 0
    if own_cases:
        console.print(_quality(summary))
        console.print(_failures(summary))
        console.print(_latency(summary))
    hardening = summary.get("hardening")
    for extra in (
        _robustness(summary) if own_cases else None,
        _attacks(summary),
        hardening_table(hardening) if hardening is not None else None,
    ):
        if extra is not None:
            console.print(extra)
    if result.load is not None:
        from golive.reports.load_terminal import render_load

        render_load(console, result.load, status=result.status)
    table = _worst(result, worst)
    if table is not None:
        console.print(table)
    if report_dir is not None:
        present = [report_dir / name for name in _REPORT_FILES if (report_dir / name).exists()]
        target = present[0] if present else report_dir
        console.print(Text.assemble(("Report: ", "bold"), _t(target)))


class TerminalArgs(ComponentArgs):
    kind: Literal["terminal"] = "terminal"
    worst: int = Field(default=5, ge=0, le=100, description="How many of the worst cases to list.")


@reporter("terminal", args=TerminalArgs)
class TerminalReporter:
    """Summary in the terminal: verdict, gates, failure modes, latency, robustness, worst cases."""

    name = "terminal"

    def __init__(self, args: TerminalArgs | None = None) -> None:
        self.args = args or TerminalArgs()

    def write(self, result: RunResult, context: ReportContext) -> None:
        render_terminal(result, context.console, worst=self.args.worst, report_dir=context.out_dir)
