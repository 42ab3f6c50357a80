"""Number formatting shared by the terminal and HTML reports (one look everywhere)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "UNBOUNDED_NOTE",
    "fmt_ci",
    "fmt_ci_ms",
    "fmt_delta",
    "fmt_delta_ci",
    "fmt_ms",
    "fmt_num",
    "fmt_pct",
    "fmt_pctl_ms",
    "fmt_rate",
    "fmt_unit",
    "has_unbounded",
]

DASH = "—"


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def fmt_pct(value: Any) -> str:
    """0.8333 -> '83.3%'."""
    return f"{value * 100:.1f}%" if _finite(value) else DASH


def fmt_num(value: Any) -> str:
    """A gate value or threshold in its own unit, 4 significant digits."""
    if not _finite(value):
        return DASH
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def fmt_ms(value: Any) -> str:
    if not _finite(value):
        return DASH
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


UNBOUNDED_NOTE = (
    "≥ x, ∞: too few requests to bound this percentile from above (95% CI from order "
    "statistics; an upper bound needs n ≥ 36 for p90, 72 for p95, 368 for p99)."
)


def _side(ci: Sequence[float | None] | None) -> tuple[float | None, float | None] | None:
    if not ci or len(ci) != 2:
        return None
    low, high = ci
    return (low if _finite(low) else None, high if _finite(high) else None)


def fmt_pctl_ms(value: Any, ci: Sequence[float | None] | None) -> str:
    """A latency percentile in ms as far as its 95% interval supports it: the number when
    both sides are bounded (or no interval is known), '≥ 812' when nothing bounds it from
    above, '≤ 40' when nothing bounds it from below, 'unbounded' when neither side is."""
    sides = _side(ci)
    if sides is None or (sides[0] is not None and sides[1] is not None):
        return fmt_ms(value)
    low, high = sides
    if low is not None:
        return f"≥ {fmt_ms(low)}"
    return f"≤ {fmt_ms(high)}" if high is not None else "unbounded"


def fmt_ci_ms(ci: Sequence[float | None] | None) -> str:
    """A percentile's 95% interval in ms: '[180, 260]'; an open side as ∞ ('[812, ∞)'),
    never a number; a dash when unknown."""
    sides = _side(ci)
    if sides is None:
        return DASH
    low, high = sides
    lo = "(-∞" if low is None else f"[{fmt_ms(low)}"
    hi = "∞)" if high is None else f"{fmt_ms(high)}]"
    return f"{lo}, {hi}"


def has_unbounded(ci: dict[str, Any] | None) -> bool:
    """Whether any percentile interval of a latency summary's ``ci`` has an open side."""
    return any(
        (s := _side(v)) is not None and None in s for v in (ci or {}).values() if v is not None
    )


def fmt_ci(ci: Sequence[float | None] | None, *, percent: bool = False) -> str:
    """'[71.2%, 91.0%]' or '[0.7, 0.9]'; a dash when unknown; a side the sample cannot
    bound (None, a latency percentile's) as ∞: '[812, ∞)'."""
    if not ci or len(ci) != 2:
        return DASH
    fmt = fmt_pct if percent else fmt_num
    low = "(-∞" if ci[0] is None else f"[{fmt(ci[0])}"
    high = "∞)" if ci[1] is None else f"{fmt(ci[1])}]"
    return f"{low}, {high}"


def fmt_rate(estimate: dict[str, Any]) -> str:
    """A summary rate dict as '83.3% [71.2%, 91.0%]'."""
    return f"{fmt_pct(estimate.get('value'))} {fmt_ci(estimate.get('ci'), percent=True)}"


def fmt_delta(estimate: dict[str, Any] | None) -> str:
    """A paired change of a rate in percentage points: '-27.8 pp'; a dash when unknown."""
    if not estimate or not _finite(estimate.get("value")):
        return DASH
    return f"{estimate['value'] * 100:+.1f} pp"


def fmt_delta_ci(estimate: dict[str, Any] | None) -> str:
    """Its interval in percentage points: '[-100.0, +33.3]'."""
    ci = (estimate or {}).get("ci")
    if not ci or len(ci) != 2:
        return DASH
    return f"[{ci[0] * 100:+.1f}, {ci[1] * 100:+.1f}]"


def fmt_unit(value: Any, unit: str, *, signed: bool = False) -> str:
    """A compared metric in its unit: a share as '83.3%' (a change: '+4.2 pts'), else ms."""
    if not _finite(value):
        return DASH
    if unit == "share":
        return f"{value * 100:+.1f} pts" if signed else f"{value:.1%}"
    digits = 1 if abs(value) < 10 else 0  # "+0.4 ms", not "+0 ms"
    return f"{value:+.{digits}f} ms" if signed else f"{value:.{digits}f} ms"
