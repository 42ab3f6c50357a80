"""Inline SVG chart primitives shared by the HTML report and the dashboard.

Pure functions from numbers to SVG strings: scales, axes, legends, reference marks, lines,
points, bars and bands. The load report's charts (``golive.reports._load_charts``) and the
dashboard's metric-over-runs chart (``golive.serve.charts``) are both built from these, so an
axis or an escape rule is written once.

No script and no ``style`` attribute (the report's and the dashboard's CSP forbid both):
colours and dashes come from CSS classes. Every piece of text is escaped here; class names and
ids are reduced to ``[a-z0-9 _-]`` so nothing from a run can leave an attribute.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = [
    "MAX_POINTS",
    "Mark",
    "Point",
    "Scale",
    "Series",
    "area",
    "axes",
    "band",
    "bars",
    "css_class",
    "downsample",
    "fmt_value",
    "legend",
    "line",
    "make_scale",
    "marks",
    "point",
    "polyline",
    "svg_open",
    "text",
]

MAX_POINTS = 200
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


def css_class(css: str) -> str:
    """``css`` reduced to ``[a-z0-9 _-]``: safe inside a quoted attribute."""
    return _UNSAFE.sub("", css.lower())


def text(x: float, y: float, content: str, css: str, anchor: str = "start") -> str:
    return (
        f'<text class="{css_class(css)}" x="{x}" y="{y}" text-anchor="{anchor}">'
        f"{escape(content)}</text>"
    )


def svg_open(
    chart_id: str,
    title: str,
    desc: str | None,
    *,
    width: int,
    height: int,
    css: str = "chart",
) -> list[str]:
    """The ``<svg>`` element's opening, its title and (when given) its description."""
    cid = css_class(chart_id).replace(" ", "-")
    labels = f"{cid}-t" if desc is None else f"{cid}-t {cid}-d"
    parts = [
        f'<svg class="{css_class(css)}" id="{cid}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{labels}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">{escape(title)}</title>',
    ]
    if desc is not None:
        parts[-1] += f'<desc id="{cid}-d">{escape(desc)}</desc>'
    return parts


def legend(items: Sequence[tuple[str, str]], *, left: float, right: float) -> tuple[list[str], int]:
    """Legend rows above the plot, wrapped between ``left`` and ``right``; returns the parts
    and the height they take."""
    parts: list[str] = []
    x, row = float(left), 0
    for name, css in items:
        width = 26 + len(name) * _CHAR_W + 14
        if x + width > right and x > left:
            x, row = float(left), row + 1
        y = 12 + row * 16
        parts.append(
            f'<line class="{css_class(css)}" x1="{x}" y1="{y - 4}" x2="{x + 20}" y2="{y - 4}"/>'
        )
        parts.append(text(round(x + 25, 1), y, name, "legend"))
        x += width
    return parts, (row + 1) * 16 + 6 if items else 0


def axes(
    x: Scale,
    y: Scale,
    x_ticks: Sequence[tuple[float, str]],
    x_label: str,
    y_label: str | None,
    *,
    y_fmt: Callable[[float], str] = fmt_value,
    min_gap: float = 30,
) -> list[str]:
    """Grid lines and labelled ticks on y, ``x_ticks`` (position, label) on x, both axes and
    their labels (no y label when ``y_label`` is None). An x tick closer than ``min_gap``
    pixels to the previous one is left out, so labels never overlap."""
    top, bottom, left, right = y.p1, y.p0, x.p0, x.p1
    parts = []
    for t in y.ticks():
        py = y(t)
        parts.append(f'<line class="grid" x1="{left}" y1="{py}" x2="{right}" y2="{py}"/>')
        parts.append(text(left - 6, round(py + 3.5, 1), y_fmt(t), "tick", "end"))
    last = -math.inf
    for value, label in x_ticks:
        px = x(value)
        if px - last < min_gap:
            continue
        last = px
        parts.append(f'<line class="axis" x1="{px}" y1="{bottom}" x2="{px}" y2="{bottom + 4}"/>')
        parts.append(text(px, bottom + 16, label, "tick", "middle"))
    parts.append(f'<line class="axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append(f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>')
    parts.append(text(round((left + right) / 2, 1), bottom + 34, x_label, "label", "middle"))
    if y_label is not None:
        mid = round((top + bottom) / 2, 1)
        parts.append(
            f'<text class="label" x="14" y="{mid}" text-anchor="middle" '
            f'transform="rotate(-90 14 {mid})">{escape(y_label)}</text>'
        )
    return parts


def marks(x: Scale, y: Scale, horizontal: Sequence[Mark], vertical: Sequence[Mark]) -> list[str]:
    """Labelled reference lines: ``horizontal`` at y values, ``vertical`` at x values."""
    parts = []
    for m in horizontal:
        if not y.lo <= m.value <= y.hi:
            continue
        py = y(m.value)
        parts.append(
            f'<line class="mark {css_class(m.css)}" x1="{x.p0}" y1="{py}" x2="{x.p1}" y2="{py}"/>'
        )
        # At the left: low loads usually sit under the SLO, so the label stays clear of lines.
        parts.append(text(x.p0 + 4, round(py - 4, 1), m.label, f"mark-label {m.css}"))
    for i, m in enumerate(vertical):
        px = x(m.value)
        parts.append(
            f'<line class="mark {css_class(m.css)}" x1="{px}" y1="{y.p1}" x2="{px}" y2="{y.p0}"/>'
        )
        # Alternate sides so that neighbouring marks (capacity just below the cliff) stay legible.
        anchor, dx = ("end", -4) if i % 2 else ("start", 4)
        parts.append(text(px + dx, round(y.p1 + 11, 1), m.label, f"mark-label {m.css}", anchor))
    return parts


def polyline(coords: Sequence[tuple[float, float]], css: str) -> str:
    """A line through pixel ``coords``."""
    joined = " ".join(f"{px},{py}" for px, py in coords)
    return f'<polyline class="line {css_class(css)}" points="{joined}"/>'


def point(px: float, py: float, css: str, r: float, tip: str = "") -> str:
    """A marker at pixel (``px``, ``py``) with ``tip`` as its tooltip (none when empty)."""
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return f'<circle class="{css_class(css)}" cx="{px}" cy="{py}" r="{r}">{title}</circle>'


def line(series: Series, x: Scale, y: Scale) -> list[str]:
    """A series: a line through its valid points, and a marker per point when it has them
    (invalid ones and unbounded ones get their own classes)."""
    valid = [p for p in series.points if p.valid]
    parts = []
    if len(valid) > 1:
        parts.append(polyline([(x(p.x), y(p.y)) for p in valid], series.css))
    if series.markers:
        for p in series.points:
            css = "pt " + css_class(series.css) + ("" if p.valid else " invalid")
            css += "" if p.at_least is None else " unbounded"
            parts.append(point(x(p.x), y(p.y), css, 3.5, p.note))
    return parts


def area(series: Series, x: Scale, y: Scale) -> str:
    """The region between ``series`` and y = 0 (empty below two points)."""
    if len(series.points) < 2:
        return ""
    coords = " ".join(f"{x(p.x)},{y(p.y)}" for p in series.points)
    base = y(0.0)
    ends = f"{x(series.points[-1].x)},{base} {x(series.points[0].x)},{base}"
    return f'<polygon class="area {css_class(series.css)}" points="{coords} {ends}"/>'


def band(upper: Sequence[tuple[float, float]], lower: Sequence[tuple[float, float]]) -> str:
    """A filled band between the pixel ``upper`` line (left to right) and ``lower`` (right to
    left)."""
    up = " ".join(f"{px},{py}" for px, py in upper)
    down = " ".join(f"{px},{py}" for px, py in lower)
    return f'<polygon class="band" points="{up} {down}"/>'


def bars(series: Series, x: Scale, y: Scale) -> list[str]:
    """A column per positive point of ``series`` (downsampled), 80% of the slot wide."""
    pts = downsample(series.points)
    if not pts:
        return []
    width = max(1.0, (x.p1 - x.p0) / max(len(pts), 1) * 0.8)
    parts = []
    for p in pts:
        if p.y > 0:
            top = y(p.y)
            parts.append(
                f'<rect class="bar {css_class(series.css)}" x="{round(x(p.x) - width / 2, 1)}" '
                f'y="{top}" width="{round(width, 1)}" height="{round(y(0.0) - top, 1)}"/>'
            )
    return parts
