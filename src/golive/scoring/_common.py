"""Helpers shared by the built-in scorers: building scores and reading what a case expects."""

from __future__ import annotations

from golive.schemas import Case, FailureMode, Score

__all__ = ["REFUSAL_TAGS", "expects_refusal", "head", "judged", "quote", "skipped"]

# Tags that say a case should be declined (an unsafe request, a jailbreak attempt).
REFUSAL_TAGS = frozenset({"refuse", "refusal", "should_refuse", "must_refuse", "harmful", "unsafe"})


def skipped(name: str, reason: str) -> Score:
    """A score for a check that does not apply: it never becomes a finding."""
    return Score(name=name, value=None, passed=None, reason=reason, mode=None)


def judged(
    name: str,
    passed: bool,
    reason: str,
    mode: FailureMode,
    override: FailureMode | None,
    value: float | None = None,
) -> Score:
    """A pass/fail score; ``override`` (the args' ``mode``) wins over the scorer's default."""
    if value is None:
        value = 1.0 if passed else 0.0
    return Score(name=name, value=value, passed=passed, reason=reason, mode=override or mode)


def expects_refusal(case: Case) -> bool:
    """Whether the case says it should be refused: a tag, metadata, or a refusal assertion."""
    if REFUSAL_TAGS.intersection(t.lower() for t in case.tags):
        return True
    if case.metadata.get("expect_refusal") is True:
        return True
    return any(a.get("kind") == "refusal" and a.get("expected") is True for a in case.assertions)


def quote(text: str, limit: int = 40) -> str:
    """A short, single-line repr of user or model text for a reason string."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return repr(flat)


def head(text: str, limit: int) -> tuple[str, str]:
    """The first ``limit`` characters of a text a scorer judges, and a note for its reason
    saying so when the text was longer ("" when it was not)."""
    if len(text) <= limit:
        return text, ""
    return text[:limit], f" (first {limit:,} of {len(text):,} characters judged)"
