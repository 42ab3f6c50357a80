"""The load test in the terminal: a progress bar per level, then one table row per level and
the capacity at the SLO, the cliff, the cold start and the abandonment estimate."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from golive.events import Event, LevelFinished, LevelStarted, LoadNote
from golive.load.analysis import slo_unsettled
from golive.load.engine import LevelPlan
from golive.load.quality import quality_json
from golive.reports.load_summary import level_summary
from golive.schemas import LevelResult, LoadResult

__all__ = ["LevelProgress", "render_load"]


class LevelProgress:
    """A subscriber to the load events (``run_load``'s bus): one bar per level, advanced by a
    2 Hz timer (cheap enough not to disturb the measurement; the monitor would show it if it
    did), and the load test's notes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[done]}"),
            TimeRemainingColumn(),
            console=console,
            auto_refresh=False,
            transient=False,
        )
        self._task: Any = None
        self._started = 0.0
        self._duration = 0.0
        self._ticker: asyncio.Task[None] | None = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, LevelStarted):
            self.started(event.plan)
        elif isinstance(event, LevelFinished):
            self.finished(event.level)
        elif isinstance(event, LoadNote):
            self.note(event.text)

    def started(self, plan: LevelPlan) -> None:
        label = f"c={plan.concurrency}" if plan.concurrency is not None else f"r={plan.rate:g}/s"
        self._duration = plan.duration_s
        self._started = time.monotonic()
        if self._task is None:
            self.progress.start()
        self._task = self.progress.add_task(
            f"level {plan.index + 1} {label}", total=plan.duration_s, done=""
        )
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            if self._task is not None:
                done = min(time.monotonic() - self._started, self._duration)
                self.progress.update(self._task, completed=done)
                self.progress.refresh()

    def finished(self, level: LevelResult) -> None:
        n = sum(1 for r in level.records if not r.warmup)
        flag = "" if level.health.valid else " [red]invalid[/]"
        self.progress.update(self._task, completed=self._duration, done=f"{n} requests{flag}")
        self.progress.refresh()

    def note(self, text: str) -> None:
        self.console.print(f"[yellow]note:[/] {escape(text)}")

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        with contextlib.suppress(Exception):
            self.progress.stop()


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 10_000:
        return f"{value / 1000:.2f} s"
    return f"{value:.0f}" if value >= 1_000 else f"{value:.1f}"


def _pctl(summary: dict[str, Any], stat: str) -> str:
    """A percentile as far as its 95% interval supports it: '≥ 812.0' when nothing bounds it
    from above at this n (never the interpolated number)."""
    ci = (summary.get("ci") or {}).get(stat)
    value = summary[stat]
    if ci is None or value is None or (ci[0] is not None and ci[1] is not None):
        return _ms(value)
    return f"≥{_ms(ci[0])}" if ci[0] is not None else "unbounded"


def _pass(quality: dict[str, Any] | None) -> str:
    if quality is None:
        return "-"
    rate = quality["pass_rate"]
    return f"{round(rate['value'] * rate['n'])}/{rate['n']}"


def _print_quality(console: Console, load: LoadResult) -> None:
    """One line per scored level: pass rate with its CI, truncated share, failures by mode."""
    console.print("quality under load (replies sampled over each level, scored like the suite):")
    for level in load.levels:
        if level.quality is None:
            continue
        q = quality_json(level.quality)
        rate = q["pass_rate"]
        low, high = rate["ci"]
        modes = ", ".join(f"{k} {v}" for k, v in q["failures"].items()) or "none"
        base = q["baseline_pass_rate"]
        same = "" if base is None else f" (the same prompts without load: {base:.0%})"
        console.print(
            escape(
                f"  {level.key}: pass {rate['value']:.0%} [{low:.0%}–{high:.0%}] "
                f"of {rate['n']}{same}, truncated {q['truncated_share']:.0%}, failures: {modes}"
            ),
            highlight=False,
        )


def render_load(console: Console, load: LoadResult, *, status: str = "finished") -> None:
    """Print the per-level tables and the load test's figures."""
    scored = any(level.quality is not None for level in load.levels)
    reasons: list[str] = []
    rows: list[dict[str, str]] = []
    for level in load.levels:
        s = level_summary(level, load.slo)
        t, q = s["ttft_ms"], s["ttft_from_schedule_ms"]
        valid = "yes"
        if not s["valid"]:
            reasons.append(f"{s['key']}: {s.get('invalid_reason', '')}")
            valid = f"[red]no ({len(reasons)})[/]"
        rows.append(
            {
                "level": s["key"],
                "req": str(s["requests"]),
                "rps": f"{s['rps']:.1f}",
                "TTFT\np50": _pctl(t, "p50"),
                "TTFT\np95": _pctl(t, "p95"),
                "TTFT\np99": _pctl(t, "p99"),
                "q\np50": _pctl(q, "p50"),
                "q\np95": _pctl(q, "p95"),
                "q\np99": _pctl(q, "p99"),
                "E2E\np95": _pctl(s["e2e_ms"], "p95"),
                "TPOT\np50": _pctl(s["tpot_ms"], "p50"),
                "ITL\np99": _pctl(s["itl_ms"], "p99"),
                "tok/s": f"{s['output_tps']:.0f}",
                "good\nrps": f"{s['goodput_rps']:.1f}",
                "errors": escape(", ".join(f"{k} {v}" for k, v in s["errors"].items()) or "0"),
                "lag\np99": _ms(s["client_lag_ms_p99"]),
                "CPU\n%": f"{s['client_cpu_pct'] or 0:.0f}",
                "valid": valid,
                "qual\npass": _pass(s.get("quality")) if scored else "",
            }
        )
    latency = (
        "level",
        "req",
        "rps",
        "TTFT\np50",
        "TTFT\np95",
        "TTFT\np99",
        "q\np50",
        "q\np95",
        "q\np99",
        "valid",
    )
    rest = (
        "level",
        "E2E\np95",
        "TPOT\np50",
        "ITL\np99",
        "tok/s",
        "good\nrps",
        "errors",
        "lag\np99",
        "CPU\n%",
        *(("qual\npass",) if scored else ()),
    )
    # One wide table when it fits; two narrower ones on an 80-column terminal or a CI log.
    groups = [latency + rest[1:]] if console.width >= 150 else [latency, rest]
    titles = [
        "load test (ms over successful requests; q = from schedule, queue-inclusive)",
        "throughput and client",
    ]
    for i, columns in enumerate(groups):
        table = Table(
            title=titles[i] if len(groups) > 1 else titles[0],
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for name in columns:
            left = name in ("level", "errors", "valid")
            table.add_column(name, justify="left" if left else "right", no_wrap=not left)
        for row in rows:
            table.add_row(*(row[name] for name in columns))
        console.print(table)
    for i, reason in enumerate(reasons, 1):
        console.print(f"[red]({i}) invalid[/] {escape(reason)}")
    if any("≥" in row[name] for row in rows for name in latency):
        console.print(
            "≥ x: too few requests to bound that percentile from above (95% CI from order "
            "statistics; p95 needs 72 requests, p99 368)"
        )
    for level in load.levels:
        for line in slo_unsettled(level, load.slo) if load.slo else ():
            console.print(
                f"[yellow]{level.key}: SLO not settled[/] {escape(line)}", highlight=False
            )
    if scored:
        _print_quality(console, load)
    if load.slo:
        slo = ", ".join(f"{k} <= {v:g} ms" for k, v in load.slo.items())
        cap = "none met it" if load.capacity_at_slo is None else f"{load.capacity_at_slo:g}"
        console.print(f"capacity at SLO ({escape(slo)}): [bold]{cap}[/]")
    cliff = "not reached" if load.cliff is None else f"{load.cliff:g}"
    console.print(f"latency cliff: {cliff}")
    if load.cold_start_ms is not None:
        console.print(f"cold start (launch → first token): {load.cold_start_ms:.0f} ms")
    if load.abandonment:
        shares = ", ".join(f"{k} {v:.1%}" for k, v in load.abandonment.items())
        console.print(f"estimated users abandoning: {shares}")
    console.print(f"output tokens counted from: {load.token_source}")
    if status == "interrupted":
        console.print("[yellow]interrupted: the levels that finished are reported[/]")
