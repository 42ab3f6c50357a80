"""The failure taxonomy as data: names are a stable contract used by reports and JSON."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SILENT_MODES", "VISIBLE_MODES", "FailureKind", "FailureMode"]


class FailureKind(StrEnum):
    VISIBLE = "visible"
    SILENT = "silent"


class FailureMode(StrEnum):
    # visible
    TRANSPORT_ERROR = "transport_error"
    TIMEOUT = "timeout"
    HTTP_ERROR = "http_error"
    RATE_LIMITED = "rate_limited"
    PROTOCOL_ERROR = "protocol_error"
    TRUNCATED = "truncated"
    EMPTY_OUTPUT = "empty_output"
    OVERSIZED = "oversized"
    SCHEMA_VIOLATION = "schema_violation"
    # silent
    WRONG_ANSWER = "wrong_answer"
    INCONSISTENT = "inconsistent"
    LANGUAGE_MISMATCH = "language_mismatch"
    INSTRUCTION_HIJACKED = "instruction_hijacked"
    PII_LEAK = "pii_leak"
    PROMPT_LEAK = "prompt_leak"
    UNSAFE_COMPLIANCE = "unsafe_compliance"
    OVER_REFUSAL = "over_refusal"


VISIBLE_MODES: tuple[FailureMode, ...] = (
    FailureMode.TRANSPORT_ERROR,
    FailureMode.TIMEOUT,
    FailureMode.HTTP_ERROR,
    FailureMode.RATE_LIMITED,
    FailureMode.PROTOCOL_ERROR,
    FailureMode.TRUNCATED,
    FailureMode.EMPTY_OUTPUT,
    FailureMode.OVERSIZED,
    FailureMode.SCHEMA_VIOLATION,
)
SILENT_MODES: tuple[FailureMode, ...] = tuple(m for m in FailureMode if m not in VISIBLE_MODES)
