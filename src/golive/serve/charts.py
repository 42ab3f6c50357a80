"""Inline SVG chart of one metric over runs: the value as a line, its 95% interval as a band.

Pure function from numbers to an SVG string, styled by CSS classes only (the dashboard's CSP
allows no inline style or script). Every text is escaped here; ids are reduced to
``[a-z0-9-]`` so nothing from a run can leave an attribute.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from golive.reports._load_charts import Scale, fmt_value, make_scale
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
    parts = [
        f'<svg class="chart metric" id="{cid}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{cid}-t" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">{escape(name)} over {n} runs</title>',
    ]
    parts += _axes(x, y, points, rate)
    band = [(x(i), p.ci) for i, p in enumerate(points) if p.ci]
    if len(band) > 1:
        upper = " ".join(f"{px},{y(ci[1])}" for px, ci in band)
        lower = " ".join(f"{px},{y(ci[0])}" for px, ci in reversed(band))
        parts.append(f'<polygon class="band" points="{upper} {lower}"/>')
    for i, p in enumerate(points):
        if p.ci:  # a whisker too, so a lone run or a gap in the band still shows its interval
            px = x(i)
            parts.append(
                f'<line class="whisker" x1="{px}" y1="{y(p.ci[0])}" x2="{px}" y2="{y(p.ci[1])}"/>'
            )
    if n > 1:
        coords = " ".join(f"{x(i)},{y(p.value)}" for i, p in enumerate(points))
        parts.append(f'<polyline class="line s-p95" points="{coords}"/>')
    for i, p in enumerate(points):
        parts.append(
            f'<circle class="pt s-p95" cx="{x(i)}" cy="{y(p.value)}" r="4">'
            f"<title>{escape(_tip(p, rate))}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _axes(x: Scale, y: Scale, points: Sequence[MetricPoint], rate: bool) -> list[str]:
    left, right, top, bottom = x.p0, x.p1, y.p1, y.p0
    parts = []
    for t in y.ticks():
        py = y(t)
        parts.append(f'<line class="grid" x1="{left}" y1="{py}" x2="{right}" y2="{py}"/>')
        label = f"{t * 100:.0f}%" if rate else fmt_value(t)
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{round(py + 3.5, 1)}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
    last = -1e9
    for i, p in enumerate(points):
        px = x(i)
        if px - last < 64:  # keep date labels apart
            continue
        last = px
        label = p.started_at.strftime("%m-%d %H:%M")
        parts.append(f'<line class="axis" x1="{px}" y1="{bottom}" x2="{px}" y2="{bottom + 4}"/>')
        parts.append(
            f'<text class="tick" x="{px}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    parts.append(
        f'<text class="label" x="{round((left + right) / 2, 1)}" y="{bottom + 34}" '
        'text-anchor="middle">run (oldest → newest)</text>'
    )
    return parts
