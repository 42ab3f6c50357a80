"""Inline SVG chart of one metric over runs: the value as a line, its 95% interval as a band.

Pure function from numbers to an SVG string, built from the primitives the HTML report's
charts use (``golive.reports.charts``: scales, axes, lines, points, bands), styled by CSS
classes only (the dashboard's CSP allows no inline style or script). Every text is escaped
there; ids are reduced to ``[a-z0-9-]`` here so nothing from a run can leave an attribute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from golive.reports import charts as svg
from golive.reports.charts import Scale, fmt_value, make_scale
from golive.serve.views import MetricPoint

__all__ = ["is_rate", "metric_chart"]

WIDTH, HEIGHT = 560, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 14, 40
_ID_UNSAFE = re.compile(r"[^a-z0-9-]+")
_RATE_WORDS = ("rate", "consistency", ".share")


def is_rate(name: str) -> bool:
    """Whether ``name`` is a proportion (drawn on 0–100%)."""
    base = name.split("@", 1)[0]
    return any(word in base for word in _RATE_WORDS) and "rps" not in base


def _fmt(value: float, rate: bool) -> str:
    return f"{value * 100:.1f}%" if rate else fmt_value(value)


def _tip(p: MetricPoint, rate: bool) -> str:
    ci = f" [{_fmt(p.ci[0], rate)}, {_fmt(p.ci[1], rate)}]" if p.ci else ""
    n = f" n={p.n}" if p.n is not None else ""
    where = f" {p.branch}" if p.branch else ""
    when = p.started_at.strftime("%Y-%m-%d %H:%M")
    return f"{p.run_id} ({when}{where}): {_fmt(p.value, rate)}{ci}{n}"


def metric_chart(chart_id: str, name: str, points: Sequence[MetricPoint]) -> str:
    """The chart of ``name`` over ``points`` (oldest first), one point per run."""
    cid = _ID_UNSAFE.sub("-", chart_id.lower()).strip("-") or "chart"
    rate = is_rate(name)
    lows = [p.ci[0] for p in points if p.ci]
    highs = [p.ci[1] for p in points if p.ci]
    ys = [p.value for p in points] + lows + highs
    y = (
        Scale(0.0, 1.0, HEIGHT - _BOTTOM, _TOP)
        if rate and all(0.0 <= v <= 1.0 for v in ys)
        else make_scale(ys or [1.0], HEIGHT - _BOTTOM, _TOP, log=False)
    )
    if min(ys, default=0.0) < y.lo:  # deltas go below zero: widen the scale symmetrically
        top = max(abs(v) for v in ys)
        y = Scale(-top * 1.05, top * 1.05, HEIGHT - _BOTTOM, _TOP)
    n = len(points)
    x = Scale(-0.5, max(n - 0.5, 0.5), _LEFT, WIDTH - _RIGHT)
    parts = svg.svg_open(
        cid, f"{name} over {n} runs", None, width=WIDTH, height=HEIGHT, css="chart metric"
    )
    ticks = [(float(i), p.started_at.strftime("%m-%d %H:%M")) for i, p in enumerate(points)]
    parts += svg.axes(
        x,
        y,
        ticks,
        "run (oldest → newest)",
        None,
        y_fmt=(lambda t: f"{t * 100:.0f}%") if rate else fmt_value,
        min_gap=64,  # keep date labels apart
    )
    band = [(x(i), p.ci) for i, p in enumerate(points) if p.ci]
    if len(band) > 1:
        upper = [(px, y(ci[1])) for px, ci in band]
        lower = [(px, y(ci[0])) for px, ci in reversed(band)]
        parts.append(svg.band(upper, lower))
    for i, p in enumerate(points):
        if p.ci:  # a whisker too, so a lone run or a gap in the band still shows its interval
            px = x(i)
            parts.append(
                f'<line class="whisker" x1="{px}" y1="{y(p.ci[0])}" x2="{px}" y2="{y(p.ci[1])}"/>'
            )
    if n > 1:
        parts.append(svg.polyline([(x(i), y(p.value)) for i, p in enumerate(points)], "s-p95"))
    for i, p in enumerate(points):
        parts.append(svg.point(x(i), y(p.value), "pt s-p95", 4, _tip(p, rate)))
    parts.append("</svg>")
    return "".join(parts)
