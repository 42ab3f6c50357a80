"""Hostile inputs shared by the unit and end-to-end tests of golive's input parsing."""

from __future__ import annotations

__all__ = ["bomb"]


def bomb(levels: int, width: int = 9, key: str = "tags", indent: str = "") -> str:
    """A YAML "billion laughs": each anchor lists the previous one ``width`` times, and
    ``key`` holds the last (``width ** levels`` strings once expanded). Every line starts
    with ``indent``, so the bomb can sit inside a mapping."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines.append(f"{key}: *l{levels - 1}")
    return "".join(f"{indent}{line}\n" for line in lines)
