"""The store's typed (de)serialiser for scores, findings and failure modes.

One pydantic ``TypeAdapter`` per frozen type writes the JSON columns (``scores_json``,
``findings_json``, ``case_scores_json``, ``case_findings_json``) and reads them back, so the
stored shape is the type's own and nothing mirrors it by hand.

A failure mode this golive does not know (written by a newer version, or a plugin's) is read
the same way everywhere (``rebuild`` and ``rebuild_load`` alike): as ``protocol_error``, a
failure that still counts, with the stored name kept in the text next to it (a finding's
detail, a score's reason, an error's message) and a finding's stored kind (visible or silent)
kept as written, so the silent and visible counts are unchanged. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import TypeAdapter

from golive.schemas import FailureMode, Finding, ObservationError, Score
from golive.store._sanitize import clean_json

__all__ = [
    "UNKNOWN_MODE_AS",
    "error_from_row",
    "findings_from_json",
    "findings_json",
    "read_mode",
    "scores_from_json",
    "scores_json",
]

# What a stored failure mode this golive does not know reads as: still a (visible) failure.
UNKNOWN_MODE_AS = FailureMode.PROTOCOL_ERROR

_SCORE = TypeAdapter(Score)
_FINDING = TypeAdapter(Finding)


def read_mode(value: Any) -> tuple[FailureMode | None, str | None]:
    """A stored failure mode, and the stored name when this golive does not know it.

    None (or an empty value) is no mode; an unknown name reads as ``UNKNOWN_MODE_AS``.
    """
    if value is None or value == "":
        return None, None
    try:
        return FailureMode(value), None
    except ValueError:
        return UNKNOWN_MODE_AS, str(value)


def _noted(text: str, unknown: str | None) -> str:
    if unknown is None:
        return text
    note = f"stored failure mode '{unknown}' is unknown to this golive"
    return f"{text} ({note})" if text else note


def error_from_row(mode: Any, message: str | None, status: int | None) -> ObservationError | None:
    """An observation's stored error columns as an ``ObservationError`` (None without one)."""
    read, unknown = read_mode(mode)
    if read is None:
        return None
    return ObservationError(read, _noted(message or "", unknown), status)


def scores_json(scores: Iterable[Score]) -> list[dict[str, Any]]:
    return [clean_json(_SCORE.dump_python(s, mode="json")) for s in scores]


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    return [clean_json(_FINDING.dump_python(f, mode="json")) for f in findings]


def scores_from_json(items: Iterable[Any]) -> tuple[Score, ...]:
    scores = []
    for item in items:
        if not isinstance(item, dict):
            continue
        mode, unknown = read_mode(item.get("mode"))
        reason = _noted(str(item.get("reason") or ""), unknown)
        # Missing keys read as before the adapter: no value, not applicable, no name.
        data = {"name": "", "value": None, "passed": None, **item, "mode": mode, "reason": reason}
        scores.append(_SCORE.validate_python(data))
    return tuple(scores)


def findings_from_json(items: Iterable[Any]) -> tuple[Finding, ...]:
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        mode, unknown = read_mode(item.get("mode"))
        if mode is None:
            continue  # a finding is a failure: one without a mode was never written
        detail = _noted(str(item.get("detail") or ""), unknown)
        found.append(
            _FINDING.validate_python(
                {
                    **item,
                    "mode": mode,
                    "kind": str(item.get("kind", "")),
                    "detail": detail,
                }
            )
        )
    return tuple(found)
