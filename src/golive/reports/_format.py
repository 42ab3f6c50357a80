"""Number formatting shared by the terminal and HTML reports (one look everywhere)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "fmt_ci",
    "fmt_delta",
    "fmt_delta_ci",
    "fmt_ms",
    "fmt_num",
    "fmt_pct",
    "fmt_rate",
    "fmt_unit",
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


def fmt_ci(ci: Sequence[float] | None, *, percent: bool = False) -> str:
    """'[71.2%, 91.0%]' or '[0.7, 0.9]'; a dash when unknown."""
    if not ci or len(ci) != 2:
        return DASH
    fmt = fmt_pct if percent else fmt_num
    return f"[{fmt(ci[0])}, {fmt(ci[1])}]"


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
