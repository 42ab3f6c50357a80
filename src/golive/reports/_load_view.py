"""The load section of the HTML report: level rows, marks and charts prepared from a LoadResult.

Metrics are the level's own (``LevelResult.metrics``); a level without them has them computed
by ``golive.load.metrics.level_metrics``, the one definition of every latency metric.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from markupsafe import Markup

from golive.load.abandonment import DEFAULT_CURVE, AbandonmentCurve, level_abandonment
from golive.load.analysis import level_value, slo_unsettled
from golive.load.metrics import level_metrics
from golive.reports._format import fmt_ci_ms
from golive.reports._load_charts import (
    MAX_POINTS,
    Mark,
    Point,
    Series,
    cdf_chart,
    downsample,
    fmt_value,
    latency_chart,
    timeseries_chart,
)
from golive.schemas import LevelResult, LoadResult, Metric
from golive.stats import percentile

__all__ = ["Chart", "DataTable", "LevelRow", "LoadView", "describe_curve", "load_view"]

_PCTS = ("p50", "p95", "p99")
_CDF_QUANTILES = (10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 100.0)
_PALETTE = 8  # lv0…lv7 in report.css, light (low load) to dark (high load)


@dataclass(frozen=True, slots=True)
class DataTable:
    """The numbers behind a chart, for screen readers and for copying."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    svg: Markup  # built by _load_charts, which escapes every text it writes
    table: DataTable


@dataclass(frozen=True, slots=True)
class LevelRow:
    label: str
    value: float
    metrics: dict[str, float]  # metric name -> value (only the metrics the level has)
    errors: dict[str, int]  # failure mode -> count
    valid: bool
    reason: str
    lag_p99_ms: float
    cpu_pct: float
    abandoned: float | None  # expected share of users lost
    slo_missed: tuple[str, ...]
    # Percentile SLOs met by the point estimate but not by its 95% interval (not settled).
    slo_unsettled: tuple[str, ...] = ()
    # metric name -> its 95% interval (percentiles only; ±inf on a side n cannot bound)
    cis: dict[str, tuple[float, float]] = field(default_factory=dict)

    def m(self, name: str) -> float | None:
        return self.metrics.get(name)

    def ci(self, name: str) -> list[float | None] | None:
        """The interval of ``name`` as summary.json has it: an unbounded side is None."""
        ci = self.cis.get(name)
        if ci is None:
            return None
        return [v if math.isfinite(v) else None for v in ci]


@dataclass(frozen=True, slots=True)
class LoadView:
    axis: str
    open_loop: bool
    levels: tuple[LevelRow, ...]
    slo: tuple[tuple[str, float], ...]
    capacity: str | None
    cliff: str | None
    cold_start_ms: float | None
    abandoned_at_capacity: float | None
    curve: str
    token_source: str
    tokenizer: str
    latency: tuple[Chart, ...]
    cdf: Chart | None
    timeseries: tuple[Chart, ...]


def _label(level: LevelResult) -> str:
    if level.concurrency is not None:
        return f"c={level.concurrency}"
    return f"{level_value(level):g} rps"


def describe_curve(curve: AbandonmentCurve = DEFAULT_CURVE) -> str:
    """The abandonment curve in one line of words."""
    (t0, p0), *rest = curve.points
    parts = [f"{p0 * 100:.0f}% up to {t0:g} s"]
    parts += [f"rising linearly to {p * 100:.0f}% at {t:g} s" for t, p in rest]
    if curve.tail_per_s > 0:
        parts.append(f"then +{curve.tail_per_s * 100:g} points per extra second, up to 100%")
    return "P(user leaves | waits t for the first token): " + ", ".join(parts) + "."


def _row(level: LevelResult, metrics: dict[str, Metric], load: LoadResult) -> LevelRow:
    values = {k: m.value for k, m in metrics.items() if math.isfinite(m.value)}
    errors = {
        k.removeprefix("errors."): int(v) for k, v in values.items() if k.startswith("errors.")
    }
    missed = tuple(
        f"{key} = {fmt_value(values[key])} > {fmt_value(bound)}"
        if key in values
        else f"{key} unknown"
        for key, bound in load.slo.items()
        if key not in values or values[key] > bound
    )
    abandoned = load.abandonment.get(level.key)
    if abandoned is None and any(not r.warmup for r in level.records):
        abandoned = level_abandonment(level).lost
    return LevelRow(
        label=_label(level),
        value=level_value(level),
        metrics=values,
        errors=errors,
        valid=level.health.valid,
        reason=level.health.reason,
        lag_p99_ms=level.health.lag_ms_p99,
        cpu_pct=level.health.cpu_pct,
        abandoned=abandoned,
        slo_missed=missed,
        slo_unsettled=tuple(slo_unsettled(level, load.slo)) if load.slo else (),
        cis={k: m.ci for k, m in metrics.items() if m.ci is not None and ".p" in k},
    )


def _latency_series(rows: Sequence[LevelRow], metric: str, suffix: str, dash: str) -> list[Series]:
    out = []
    for stat in _PCTS:
        name = f"{stat} {suffix}".strip()
        points = []
        for r in rows:
            v = r.m(f"{metric}.{stat}")
            if v is None:
                continue
            note = f"{name} at {r.label}: {fmt_value(v)} ms"
            ci = r.ci(f"{metric}.{stat}")
            at_least = None  # set where n cannot bound it from above (-inf: nor from below)
            if ci is not None and ci[1] is None:
                at_least = -math.inf if ci[0] is None else ci[0]
            if ci is not None and ci[1] is None:
                shown = "unbounded" if ci[0] is None else f"≥ {_cell(ci[0])} ms"
                note = (
                    f"{name} at {r.label}: {shown} (95% CI {fmt_ci_ms(ci)}: too few requests "
                    "to bound it from above)"
                )
            if not r.valid:
                note = f"{r.label} invalid (the client was the bottleneck): {r.reason}. {note}"
            points.append(Point(r.value, v, r.valid, note, at_least=at_least))
        if points:
            out.append(Series(name, tuple(points), f"s-{stat} {dash}".strip()))
    return out


def _latency_charts(
    rows: Sequence[LevelRow], view: dict[str, Any], load: LoadResult
) -> list[Chart]:
    values = [r.value for r in rows if r.value > 0]
    log_x = bool(values) and max(values) / min(values) > 10
    loads = []
    if load.cliff is not None:
        loads.append(Mark(load.cliff, f"cliff {fmt_value(load.cliff)}", "cliff"))
    if load.capacity_at_slo is not None:
        loads.append(
            Mark(load.capacity_at_slo, f"capacity {fmt_value(load.capacity_at_slo)}", "capacity")
        )
    charts = []
    panels: list[tuple[str, str, list[Series]]] = []
    if view["open_loop"]:
        ttft = _latency_series(rows, "ttft_from_schedule_ms", "from schedule", "")
        ttft += _latency_series(rows, "ttft_ms", "from send", "dashed")
    else:
        ttft = _latency_series(rows, "ttft_ms", "", "")
    panels.append(("ttft", "Time to first token vs load", ttft))
    panels.append(("e2e", "End-to-end latency vs load", _latency_series(rows, "e2e_ms", "", "")))
    for key, title, series in panels:
        if not series:
            continue
        slo = [
            Mark(bound, f"SLO {name} ≤ {fmt_value(bound)} ms", "slo")
            for name, bound in load.slo.items()
            if name.startswith(f"{key}_") or name.startswith(f"{key}.")
        ]
        svg = latency_chart(
            f"load-{key}", title, series, x_label=view["axis"], log_x=log_x, slo=slo, loads=loads
        )
        headers = ("level", "valid", *(f"{s.name} (ms)" for s in series))
        by_x = [{p.x: p for p in s.points} for s in series]
        table_rows = tuple(
            (
                r.label,
                "yes" if r.valid else f"no: {r.reason}",
                *(_point_cell(b.get(r.value)) for b in by_x),
            )
            for r in rows
        )
        charts.append(Chart(Markup(svg), DataTable(title, headers, table_rows)))
    return charts


def _cell(v: float | None) -> str:
    return "—" if v is None else fmt_value(v)


def _point_cell(p: Point | None) -> str:
    """A chart point's value for its data table; '≥ x' where n cannot bound it from above."""
    if p is None:
        return "—"
    if p.at_least is None:
        return fmt_value(p.y)
    return f"≥ {fmt_value(p.at_least)}" if math.isfinite(p.at_least) else "unbounded"


def _cdf(levels: Sequence[LevelResult], load: LoadResult, open_loop: bool) -> Chart | None:
    name = "ttft_from_schedule_ns" if open_loop else "ttft_ns"
    curves, rows = [], []
    for i, level in enumerate(levels):
        ms = sorted(
            v / 1e6
            for r in level.records  # streamed, never all in memory (load.spill)
            if not r.warmup and r.error is None and (v := getattr(r, name)) is not None
        )
        if not ms:
            continue
        n = len(ms)
        pts = downsample([Point(v, (k + 1) / n) for k, v in enumerate(ms)], MAX_POINTS)
        shade = round(i * (_PALETTE - 1) / max(len(levels) - 1, 1))
        css = f"lv{shade}" + ("" if level.health.valid else " dashed")
        label = _label(level) + ("" if level.health.valid else " (invalid)")
        curves.append(Series(label, pts, css, markers=False))
        rows.append((label, str(n), *(fmt_value(percentile(ms, q)) for q in _CDF_QUANTILES)))
    if not curves:
        return None
    what = "queue-inclusive TTFT (c₁ − t_sched)" if open_loop else "TTFT (c₁ − t_send)"
    slo = [
        Mark(b, f"SLO {k} ≤ {fmt_value(b)} ms", "slo")
        for k, b in load.slo.items()
        if k.startswith("ttft")
    ]
    svg = cdf_chart(
        "load-cdf", f"Distribution of {what} per level", curves, x_label=f"{what}, ms", slo=slo
    )
    headers = ("level", "n", *(f"p{q:g} (ms)" if q < 100 else "max (ms)" for q in _CDF_QUANTILES))
    return Chart(Markup(svg), DataTable(f"Quantiles of {what}", headers, tuple(rows)))


def _bucket_s(span_s: float) -> float:
    for step in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0):
        if span_s / step <= MAX_POINTS:
            return step
    return span_s / MAX_POINTS


def _upto(ordered: np.ndarray[Any, Any], t: int) -> int:
    """How many of the sorted ``ordered`` are <= ``t``."""
    return int(np.searchsorted(ordered, t, side="right"))


def _timeseries(level: LevelResult) -> Chart | None:
    if not level.records:
        return None
    # One streamed pass into packed arrays (8 bytes a request; the records stay on disk).
    columns: tuple[array[int], ...] = (array("q"), array("q"), array("q"), array("q"))
    for r in level.records:
        columns[0].append(r.t_sched_ns)
        columns[1].append(r.t_send_ns)
        columns[2].append(r.t_end_ns)
        if r.error is not None:
            columns[3].append(r.t_end_ns)
    scheds, sends, ends, failed = (np.sort(np.frombuffer(c, dtype=np.int64)) for c in columns)
    t0 = int(scheds[0])
    span_s = max(int(ends[-1]) - t0, 1) / 1e9
    bucket = _bucket_s(span_s)
    step = int(bucket * 1e9)
    inflight, queued, errors, table = [], [], [], []
    for k in range(math.ceil(span_s / bucket) + 1):
        t = t0 + k * step
        x = round(k * bucket, 3)
        # A sample at each bucket edge: sent but not finished, due but not yet sent.
        fly = _upto(sends, t) - _upto(ends, t)
        wait = _upto(scheds, t) - _upto(sends, t)
        err = _upto(failed, t) - _upto(failed, t - step) if k else 0
        inflight.append(Point(x, fly))
        queued.append(Point(x, wait))
        errors.append(Point(x, err))
        table.append((f"{x:g}", str(fly), str(wait), str(err)))
    marks = [Mark(level.warmup_s, "warm-up ends", "warmup")] if level.warmup_s > 0 else []
    label = _label(level) + ("" if level.health.valid else " (invalid)")
    svg = timeseries_chart(
        f"load-ts-{level.index}",
        f"In flight, queued and errors over time at {label}",
        [
            Series("in flight", tuple(inflight), "s-flight"),
            Series("queued in client", tuple(queued), "s-queued"),
        ],
        bars=Series(f"errors per {bucket:g} s", tuple(errors), "s-errors"),
        marks=marks,
    )
    headers = ("t (s)", "in flight", "queued", f"errors in the last {bucket:g} s")
    return Chart(Markup(svg), DataTable(f"Time series at {label}", headers, tuple(table)))


def _picked(levels: Sequence[LevelResult], load: LoadResult) -> list[LevelResult]:
    """Levels worth a time series: at capacity, at the cliff, and the highest load."""
    wanted = {load.capacity_at_slo, load.cliff, max(level_value(lv) for lv in levels)}
    picked = {level_value(lv): lv for lv in levels if level_value(lv) in wanted}
    return [picked[v] for v in sorted(picked)]


def load_view(result: object) -> LoadView | None:
    """The load section of ``result`` (a RunResult); None when it ran no load test."""
    load = getattr(result, "load", None)
    if not isinstance(load, LoadResult) or not load.levels:
        return None
    levels = sorted(load.levels, key=level_value)
    rows = tuple(_row(lv, lv.metrics or level_metrics(lv, load.slo), load) for lv in levels)
    open_loop = any(lv.concurrency is None for lv in levels)
    axis = "arrival rate (requests/s)" if open_loop else "concurrency (users)"
    view: dict[str, Any] = {"open_loop": open_loop, "axis": axis}
    at_cap = load.abandonment.get("at_capacity")
    if at_cap is None and load.capacity_at_slo is not None:
        at_cap = next((r.abandoned for r in rows if r.value == load.capacity_at_slo), None)
    tokenizers = sorted({lv.tokenizer for lv in levels if lv.tokenizer})
    series = [c for lv in _picked(levels, load) if (c := _timeseries(lv)) is not None]
    return LoadView(
        axis=axis,
        open_loop=open_loop,
        levels=rows,
        slo=tuple(load.slo.items()),
        capacity=None if load.capacity_at_slo is None else fmt_value(load.capacity_at_slo),
        cliff=None if load.cliff is None else fmt_value(load.cliff),
        cold_start_ms=load.cold_start_ms,
        abandoned_at_capacity=at_cap,
        curve=describe_curve(),
        token_source=load.token_source,
        # Named where it counted the tokens, as in summary.json (and so in a stored run).
        tokenizer=", ".join(tokenizers) if load.token_source == "tokenizer" else "",
        latency=tuple(_latency_charts(rows, view, load)),
        cdf=_cdf(levels, load, open_loop),
        timeseries=tuple(series),
    )
