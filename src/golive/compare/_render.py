"""A comparison in the terminal: regressions first, then improvements, flaky cases, metric
changes, the detectable effect and warnings. Every user- or model-supplied string goes in as
``rich.text.Text``, never as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from golive.reports._format import fmt_unit as format_value

if TYPE_CHECKING:
    from golive.compare._model import CaseChange, Comparison
    from golive.store.queries import RunRow

__all__ = ["render_comparison"]

_STYLE = {"regression": "bold red", "improvement": "green", "unchanged": "", "new": "cyan"}


def render_comparison(
    comparison: Comparison, console: Console, *, all_cases: bool = False, max_cases: int = 30
) -> None:
    """Print ``comparison``; ``all_cases`` lists unchanged cases too."""
    wide = console.width >= 110
    console.print(_renderable(comparison, all_cases=all_cases, max_cases=max_cases, wide=wide))


def _renderable(c: Comparison, *, all_cases: bool, max_cases: int, wide: bool) -> RenderableType:
    base = Text.assemble(
        (f"base {c.base.id}", ""), (f" ({c.base.target_label}, {_when(c)[0]})", "dim")
    )
    head = Text.assemble(
        (f"head {c.head.id}", ""), (f" ({c.head.target_label}, {_when(c)[1]})", "dim")
    )
    # Narrow (CI logs): one line per run, so no run id is split by the wrap.
    parts: list[RenderableType] = (
        [Text.assemble(("compare ", "bold"), base, "  →  ", head)]
        if wide
        else [Text.assemble(("compare ", "bold"), base), Text.assemble("     → ", head)]
    )
    parts.append(_metrics_table(c, wide=wide))
    ungated = [m.name for m in c.metrics if not m.gating]
    if ungated:
        parts.append(Text("* reported, not gated: " + ", ".join(ungated), style="dim"))
    sections: list[tuple[str, list[CaseChange]]] = [
        ("regressions", c.regressions),
        ("improvements", c.improvements),
    ]
    if c.metric_regressions and not c.regressions:
        # No case is significant alone: show where the pass-rate drop comes from.
        sections.append(("cases that dropped (none significant alone)", c.dropped))
    sections.append(
        ("flaky", [x for x in c.flaky if not (c.metric_regressions and x in c.dropped)])
    )
    if all_cases:
        shown = {x.case_id for _, xs in sections for x in xs}
        rest = [x for x in c.cases if x.case_id not in shown]
        sections.append(("other cases", rest))
    for title, items in sections:
        if items:
            parts.append(_cases_table(title, items, max_cases))
    parts.append(Text(c.mde.statement, style="dim"))
    for warning in c.warnings:
        parts.append(Text.assemble(("warning: ", "yellow"), warning))
    if c.regressed:
        n = len(c.regressions)
        what = [m.name for m in c.metric_regressions] + ([f"{n} case(s)"] if n else [])
        parts.append(Text("REGRESSION: " + ", ".join(what), style="bold red"))
    else:
        parts.append(Text("no significant regression", style="bold green"))
    return Group(*parts)


def _when(c: Comparison) -> tuple[str, str]:
    def one(run: RunRow) -> str:
        stamp = run.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"{stamp}, {run.git_branch}" if run.git_branch else stamp

    return one(c.base), one(c.head)


def _metrics_table(c: Comparison, *, wide: bool) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", title_justify="left")
    table.add_column("metric", no_wrap=True)
    # On a narrow terminal the interval goes (it is in --json): every figure stays whole.
    columns = (
        ("base", "head", "change", "interval", "p") if wide else ("base", "head", "change", "p")
    )
    for name in columns:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for m in c.metrics:
        interval = "-"
        if m.ci is not None:
            lo = format_value(m.ci[0], m.unit, signed=True)
            hi = format_value(m.ci[1], m.unit, signed=True)
            interval = f"[{lo}, {hi}]"
        status = m.status + ("" if m.gating else "*")
        cells = [
            Text(m.name),
            Text(format_value(m.base, m.unit)),
            Text(format_value(m.head, m.unit)),
            Text(format_value(m.delta, m.unit, signed=True)),
            *([Text(interval)] if wide else []),
            Text("-" if m.p_value is None else f"{m.p_value:.2g}"),
            Text(status, style=_STYLE.get(m.status, "") if m.gating else "dim"),
        ]
        table.add_row(*cells)
    return table


def _cases_table(title: str, items: list[CaseChange], max_cases: int) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", title=title, title_justify="left")
    # Case ids stay whole up to 40 characters: the note wraps first. (No min_width: rich then
    # crops the wrapped columns.)
    longest = max((len(x.case_id) for x in items[:max_cases]), default=4)
    table.add_column("case", overflow="fold", no_wrap=longest <= 40)
    for name in ("base", "head", "q"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("note", overflow="fold")
    for x in items[:max_cases]:
        table.add_row(
            Text(x.case_id, style=_STYLE.get(x.status, "")),
            Text(f"{x.base_passed}/{x.base_n}" if x.base_n else "-"),
            Text(f"{x.head_passed}/{x.head_n}" if x.head_n else "-"),
            Text("-" if x.q_value is None else f"{x.q_value:.3g}"),
            Text(x.flaky_reason or x.status),
        )
    if len(items) > max_cases:
        table.add_row(Text(f"… {len(items) - max_cases} more (see --json)"), "", "", "", "")
    return table
