"""Inline SVG charts for the load report: pure functions from numbers to escaped SVG strings.

No script and no ``style`` attribute (the report's CSP forbids both): colours and dashes come
from CSS classes in report.css. Every piece of text is escaped here; class names and ids are
reduced to ``[a-z0-9 _-]`` so nothing from a run can leave an attribute.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

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

MAX_POINTS = 200
WIDTH, HEIGHT = 520, 300
_LEFT, _RIGHT, _BOTTOM, _TOP = 60, 20, 42, 14
_CHAR_W = 6.2  # average width of an 11 px label, to lay out the legend without a browser
_UNSAFE = re.compile(r"[^a-z0-9 _-]")


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    valid: bool = True
    note: str = ""  # the point's tooltip
    # A percentile its level's n cannot bound from above: its lower bound (drawn faded, the
    # data table says '≥ x'); None when the interval is bounded or there is none.
    at_least: float | None = None


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: tuple[Point, ...]
    css: str  # CSS classes: colour and dash (see report.css, ``svg.chart``)
    markers: bool = True


@dataclass(frozen=True, slots=True)
class Mark:
    """A reference line: an SLO (horizontal on latency charts) or a load (vertical)."""

    value: float
    label: str
    css: str  # "slo" | "cliff" | "capacity" | "warmup"


@dataclass(frozen=True, slots=True)
class Scale:
    lo: float
    hi: float
    p0: float  # pixel of lo
    p1: float  # pixel of hi
    log: bool = False

    def __call__(self, v: float) -> float:
        if self.log:
            lo, hi = math.log10(self.lo), math.log10(self.hi)
            f = (math.log10(max(v, self.lo)) - lo) / (hi - lo)
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return round(self.p0 + min(1.0, max(0.0, f)) * (self.p1 - self.p0), 1)

    def ticks(self) -> list[float]:
        if self.log:
            k0, k1 = round(math.log10(self.lo)), round(math.log10(self.hi))
            mults = (1.0, 2.0, 5.0) if k1 - k0 <= 2 else (1.0,)
            vals = [m * 10.0**k for k in range(k0, k1 + 1) for m in mults]
            return [v for v in vals if self.lo <= v <= self.hi * 1.0001]
        step = _nice_step((self.hi - self.lo) / 5)
        count = math.floor((self.hi - self.lo) / step + 1e-9)
        return [self.lo + i * step for i in range(count + 1)]


def _nice_step(raw: float) -> float:
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def make_scale(values: Sequence[float], p0: float, p1: float, *, log: bool | None = None) -> Scale:
    """A scale over ``values`` from 0 (linear) or their decade (log); log when ``log`` is
    None and the positive values span more than 50×."""
    finite = [v for v in values if math.isfinite(v)]
    positive = [v for v in finite if v > 0]
    if log is None:
        log = bool(positive) and max(positive) / min(positive) > 50
    if log and positive:
        lo = 10.0 ** math.floor(math.log10(min(positive)))
        hi = 10.0 ** math.ceil(math.log10(max(positive)))
        return Scale(lo, hi if hi > lo else lo * 10, p0, p1, log=True)
    top = max(finite, default=1.0)
    step = _nice_step(top / 5) if top > 0 else 0.2
    return Scale(0.0, max(step * math.ceil(top * 1.04 / step), step), p0, p1)


def fmt_value(v: float) -> str:
    if not math.isfinite(v):
        return "—"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.3g}"


def downsample(points: Sequence[Point], limit: int = MAX_POINTS) -> tuple[Point, ...]:
    """At most ``limit`` points, evenly spaced by index, keeping the first and the last."""
    n = len(points)
    if n <= limit:
        return tuple(points)
    step = (n - 1) / (limit - 1)
    return tuple(points[round(i * step)] for i in range(limit))


def _cls(css: str) -> str:
    return _UNSAFE.sub("", css.lower())


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> str:
    return f'<text class="{_cls(css)}" x="{x}" y="{y}" text-anchor="{anchor}">{escape(text)}</text>'


def _open(chart_id: str, title: str, desc: str, height: int = HEIGHT) -> list[str]:
    cid = _cls(chart_id).replace(" ", "-")
    return [
        f'<svg class="chart" id="{cid}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>',
    ]


def _legend(items: Sequence[tuple[str, str]]) -> tuple[list[str], int]:
    """Legend rows above the plot; returns the parts and the height they take."""
    parts: list[str] = []
    x, row = float(_LEFT), 0
    for name, css in items:
        width = 26 + len(name) * _CHAR_W + 14
        if x + width > WIDTH - _RIGHT and x > _LEFT:
            x, row = float(_LEFT), row + 1
        y = 12 + row * 16
        parts.append(
            f'<line class="{_cls(css)}" x1="{x}" y1="{y - 4}" x2="{x + 20}" y2="{y - 4}"/>'
        )
        parts.append(_text(round(x + 25, 1), y, name, "legend"))
        x += width
    return parts, (row + 1) * 16 + 6 if items else 0


def _axes(x: Scale, y: Scale, x_ticks: Sequence[float], x_label: str, y_label: str) -> list[str]:
    top, bottom, left, right = y.p1, y.p0, x.p0, x.p1
    parts = []
    for t in y.ticks():
        py = y(t)
        parts.append(f'<line class="grid" x1="{left}" y1="{py}" x2="{right}" y2="{py}"/>')
        parts.append(_text(left - 6, round(py + 3.5, 1), fmt_value(t), "tick", "end"))
    last = -math.inf
    for t in x_ticks:
        px = x(t)
        if px - last < 30:  # labels closer than this would overlap
            continue
        last = px
        parts.append(f'<line class="axis" x1="{px}" y1="{bottom}" x2="{px}" y2="{bottom + 4}"/>')
        parts.append(_text(px, bottom + 16, fmt_value(t), "tick", "middle"))
    parts.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    parts.append(_text(round((left + right) / 2, 1), bottom + 34, x_label, "label", "middle"))
    mid = round((top + bottom) / 2, 1)
    parts.append(
        f'<text class="label" x="14" y="{mid}" text-anchor="middle" '
        f'transform="rotate(-90 14 {mid})">{escape(y_label)}</text>'
    )
    return parts


def _marks(x: Scale, y: Scale, horizontal: Sequence[Mark], vertical: Sequence[Mark]) -> list[str]:
    parts = []
    for m in horizontal:
        if not y.lo <= m.value <= y.hi:
            continue
        py = y(m.value)
        parts.append(
            f'<line class="mark {_cls(m.css)}" x1="{x.p0}" y1="{py}" x2="{x.p1}" y2="{py}"/>'
        )
        # At the left: low loads usually sit under the SLO, so the label stays clear of lines.
        parts.append(_text(x.p0 + 4, round(py - 4, 1), m.label, f"mark-label {m.css}"))
    for i, m in enumerate(vertical):
        px = x(m.value)
        parts.append(
            f'<line class="mark {_cls(m.css)}" x1="{px}" y1="{y.p1}" x2="{px}" y2="{y.p0}"/>'
        )
        # Alternate sides so that neighbouring marks (capacity just below the cliff) stay legible.
        anchor, dx = ("end", -4) if i % 2 else ("start", 4)
        parts.append(_text(px + dx, round(y.p1 + 11, 1), m.label, f"mark-label {m.css}", anchor))
    return parts


def _line(series: Series, x: Scale, y: Scale) -> list[str]:
    valid = [p for p in series.points if p.valid]
    parts = []
    if len(valid) > 1:
        coords = " ".join(f"{x(p.x)},{y(p.y)}" for p in valid)
        parts.append(f'<polyline class="line {_cls(series.css)}" points="{coords}"/>')
    if series.markers:
        for p in series.points:
            css = "pt " + _cls(series.css) + ("" if p.valid else " invalid")
            css += "" if p.at_least is None else " unbounded"
            tip = f"<title>{escape(p.note)}</title>" if p.note else ""
            parts.append(
                f'<circle class="{css}" cx="{x(p.x)}" cy="{y(p.y)}" r="3.5">{tip}</circle>'
            )
    return parts


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
    parts = _open(chart_id, title, desc) + legend + _axes(x, y, xs, x_label, y_label)
    parts += _marks(x, y, slo, loads)
    for s in series:
        parts += _line(s, x, y)
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
    parts += _axes(x, y, ticks, x_label, "share of requests ≤ x") + _marks(x, y, (), slo)
    for c in curves:
        parts += _line(c, x, y)
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
    parts = _open(chart_id, title, f"{len(every)} counts over time", HEIGHT) + legend
    parts += _axes(x, y, x.ticks(), x_label, y_label) + _marks(x, y, (), marks)
    if series and len(series[0].points) > 1:
        first = series[0]
        coords = " ".join(f"{x(p.x)},{y(p.y)}" for p in first.points)
        base = y(0.0)
        ends = f"{x(first.points[-1].x)},{base} {x(first.points[0].x)},{base}"
        parts.append(f'<polygon class="area {_cls(first.css)}" points="{coords} {ends}"/>')
    if bars is not None and bars.points:
        pts = downsample(bars.points)
        width = max(1.0, (x.p1 - x.p0) / max(len(pts), 1) * 0.8)
        for p in pts:
            if p.y > 0:
                top = y(p.y)
                parts.append(
                    f'<rect class="bar {_cls(bars.css)}" x="{round(x(p.x) - width / 2, 1)}" '
                    f'y="{top}" width="{round(width, 1)}" height="{round(y(0.0) - top, 1)}"/>'
                )
    for s in series:
        parts += _line(s, x, y)
    parts.append("</svg>")
    return "".join(parts)
