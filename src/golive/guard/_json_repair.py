"""Parse a model's JSON output, with one deterministic repair attempt for common slips."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["parse_json", "repair", "strip_fences"]

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)(?:```|$)", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_UNQUOTED_KEY = re.compile(r"([{,]\s*)([A-Za-z_][\w-]*)\s*:")


def strip_fences(text: str) -> str:
    m = _FENCE.search(text)
    return (m.group(1) if m else text).strip()


def _close(text: str) -> str:
    """Close a truncated document: an open string, then open brackets in reverse order."""
    stack: list[str] = []
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            stack.append("]" if ch == "[" else "}")
        elif ch in "]}" and stack:
            stack.pop()
    out = text + ('"' if in_str else "")
    out = re.sub(r"[,:]\s*$", "", out.rstrip())
    return out + "".join(reversed(stack))


def repair(text: str) -> str:
    """One deterministic pass: single quotes, unquoted keys, trailing commas, truncation."""
    s = text
    if '"' not in s and "'" in s:
        s = s.replace("'", '"')
    s = _UNQUOTED_KEY.sub(r'\1"\2":', s)
    s = _close(s)
    return _TRAILING_COMMA.sub(r"\1", s)


def parse_json(text: str) -> tuple[Any, bool, str]:
    """(value, repaired, error). ``error`` is "" when parsing succeeded."""
    body = strip_fences(text)
    try:
        return json.loads(body), False, ""
    except (ValueError, RecursionError) as exc:
        first = str(exc)[:200] if not isinstance(exc, RecursionError) else "nested too deeply"
    try:
        return json.loads(repair(body)), True, ""
    except (ValueError, RecursionError):
        return None, True, f"invalid JSON: {first}"
