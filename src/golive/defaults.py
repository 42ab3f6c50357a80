"""Defaults that several layers share: the config fills them in, the store and quality under
load fall back on them. A module of its own so that no layer imports ``config`` (the top) for
a constant."""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_GATES", "DEFAULT_SCORERS", "DEFAULT_STORE"]

DEFAULT_STORE = "sqlite:///.golive/golive.db"
DEFAULT_SCORERS: list[dict[str, Any]] = [
    {"kind": "semantic"},
    {"kind": "language"},
    {"kind": "refusal"},
    {"kind": "leaks"},
    {"kind": "consistency"},
]
DEFAULT_GATES: list[str] = [
    "quality.pass_rate.ci_low >= 0.8",
    "failures.visible_rate.ci_high <= 0.05",
    "failures.silent_rate.ci_high <= 0.1",
]
