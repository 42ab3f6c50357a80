"""The load report's inline SVG charts: latency against load, CDFs and counts over time.

Built from the shared primitives in ``golive.reports.charts`` (which escape every text and
sanitise every class and id); this module only lays the three charts out.
"""

from __future__ import annotations

from collections.abc import Sequence

from golive.reports import charts as svg
from golive.reports.charts import (
    MAX_POINTS,
    Mark,
    Point,
    Scale,
    Series,
    downsample,
    fmt_value,
    make_scale,
)

__all__ = [
    "MAX_POINTS",
    "Mark",
    "Point",
    "Scale",
    "Series",
    "cdf_chart",
    "downsample",
    "fmt_value",
    "latency_chart",
    "make_scale",
    "timeseries_chart",
]

WIDTH, HEIGHT = 520, 300
_LEFT, _RIGHT, _BOTTOM, _TOP = 60, 20, 42, 14


def _open(chart_id: str, title: str, desc: str) -> list[str]:
    return svg.svg_open(chart_id, title, desc, width=WIDTH, height=HEIGHT)


def _legend(items: Sequence[tuple[str, str]]) -> tuple[list[str], int]:
    return svg.legend(items, left=_LEFT, right=WIDTH - _RIGHT)


def _ticks(values: Sequence[float]) -> list[tuple[float, str]]:
    return [(v, fmt_value(v)) for v in values]


def _load_scale(xs: Sequence[float], log: bool) -> Scale:
    """A load axis fitted to the levels with a margin (not from 0 or a whole decade)."""
    lo, hi = min(xs, default=1.0), max(xs, default=1.0)
    if log and lo > 0:
        return Scale(lo / 1.25, hi * 1.25, _LEFT, WIDTH - _RIGHT, log=True)
    pad = (hi - lo) * 0.05 or max(abs(hi) * 0.1, 1.0)
    return Scale(lo - pad, hi + pad, _LEFT, WIDTH - _RIGHT)


def latency_chart(
    chart_id: str,
    title: str,
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str = "milliseconds",
    log_x: bool = False,
    slo: Sequence[Mark] = (),
    loads: Sequence[Mark] = (),
) -> str:
    """Latency percentiles against load, with SLO lines and cliff/capacity marks."""
    xs = sorted({p.x for s in series for p in s.points} | {m.value for m in loads})
    ys = [p.y for s in series for p in s.points] + [m.value for m in slo]
    legend, lh = _legend([(s.name, s.css) for s in series])
    top = _TOP + lh
    x = _load_scale(xs, log_x)
    y = make_scale(ys, HEIGHT - _BOTTOM, top)
    desc = f"{len(series)} series over {len(xs)} load levels"
    parts = _open(chart_id, title, desc) + legend + svg.axes(x, y, _ticks(xs), x_label, y_label)
    parts += svg.marks(x, y, slo, loads)
    for s in series:
        parts += svg.line(s, x, y)
    parts.append("</svg>")
    return "".join(parts)


def cdf_chart(
    chart_id: str,
    title: str,
    curves: Sequence[Series],
    *,
    x_label: str = "time to first token (ms)",
    slo: Sequence[Mark] = (),
) -> str:
    """One empirical CDF per curve (points: latency, share ≤ it), SLOs as vertical lines."""
    curves = [Series(c.name, downsample(c.points), c.css, markers=False) for c in curves]
    xs = [p.x for c in curves for p in c.points] + [m.value for m in slo]
    legend, lh = _legend([(c.name, c.css) for c in curves])
    x = make_scale(xs, _LEFT, WIDTH - _RIGHT)
    y = Scale(0.0, 1.0, HEIGHT - _BOTTOM, _TOP + lh)
    ticks = x.ticks()
    parts = _open(chart_id, title, f"{len(curves)} distributions") + legend
    parts += svg.axes(x, y, _ticks(ticks), x_label, "share of requests ≤ x") + svg.marks(
        x, y, (), slo
    )
    for c in curves:
        parts += svg.line(c, x, y)
    parts.append("</svg>")
    return "".join(parts)


def timeseries_chart(
    chart_id: str,
    title: str,
    series: Sequence[Series],
    *,
    bars: Series | None = None,
    x_label: str = "seconds since the level started",
    y_label: str = "requests",
    marks: Sequence[Mark] = (),
) -> str:
    """Counts over time: ``series`` as lines (the first one shaded), ``bars`` as columns."""
    series = [Series(s.name, downsample(s.points), s.css, markers=False) for s in series]
    every = [*series, bars] if bars is not None else series
    xs = [p.x for s in every for p in s.points]
    legend, lh = _legend([(s.name, s.css) for s in every])
    x = make_scale(xs, _LEFT, WIDTH - _RIGHT, log=False)
    y = make_scale(
        [p.y for s in every for p in s.points] or [1.0], HEIGHT - _BOTTOM, _TOP + lh, log=False
    )
    parts = _open(chart_id, title, f"{len(every)} counts over time") + legend
    parts += svg.axes(x, y, _ticks(x.ticks()), x_label, y_label) + svg.marks(x, y, (), marks)
    if series:
        parts.append(svg.area(series[0], x, y))
    if bars is not None:
        parts += svg.bars(bars, x, y)
    for s in series:
        parts += svg.line(s, x, y)
    parts.append("</svg>")
    return "".join(parts)
