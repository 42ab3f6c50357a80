"""Text-matching assertions: exact, contains, not_contains, regex (all → wrong_answer)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import Field, model_validator

from golive.errors import ConfigError
from golive.registry import scorer
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring._common import judged, quote
from golive.scoring.base import ScorerArgs

__all__ = [
    "ContainsArgs",
    "ExactArgs",
    "NotContainsArgs",
    "RegexArgs",
    "contains",
    "exact",
    "not_contains",
    "regex",
]


class ExactArgs(ScorerArgs):
    kind: Literal["exact"] = "exact"
    value: str
    """The output must equal this text."""
    ignore_case: bool = False
    """Compare case-insensitively."""
    strip: bool = True
    """Ignore leading and trailing whitespace."""


class ContainsArgs(ScorerArgs):
    kind: Literal["contains"] = "contains"
    value: str | None = None
    """The output must contain this text."""
    any_of: list[str] | None = None
    """…or at least one of these texts."""
    ignore_case: bool = True
    """Compare case-insensitively."""

    @model_validator(mode="after")
    def _one_of(self) -> ContainsArgs:
        if (self.value is None) == (not self.any_of):
            raise ValueError("give exactly one of `value` or a non-empty `any_of`")
        return self


class NotContainsArgs(ScorerArgs):
    kind: Literal["not_contains"] = "not_contains"
    value: str = Field(min_length=1)
    """The output must not contain this text."""
    ignore_case: bool = True
    """Compare case-insensitively."""


class RegexArgs(ScorerArgs):
    kind: Literal["regex"] = "regex"
    pattern: str
    """A Python regular expression, searched anywhere in the output."""
    must_match: bool = True
    """True: the pattern must be found; False: it must not be."""
    ignore_case: bool = False
    """Match case-insensitively."""


def _fold(text: str, ignore_case: bool) -> str:
    return text.casefold() if ignore_case else text


@dataclass
class _Exact:
    args: ExactArgs
    name: str = "exact"
    scope: Literal["sample"] = "sample"

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        out, want = observation.output, a.value
        if a.strip:
            out, want = out.strip(), want.strip()
        ok = _fold(out, a.ignore_case) == _fold(want, a.ignore_case)
        reason = "output equals the expected text" if ok else f"output is not {quote(a.value)}"
        return judged(self.name, ok, reason, FailureMode.WRONG_ANSWER, a.mode)


@dataclass
class _Contains:
    args: ContainsArgs
    name: str = "contains"
    scope: Literal["sample"] = "sample"

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        wanted = [a.value] if a.value is not None else list(a.any_of or [])
        out = _fold(observation.output, a.ignore_case)
        found = next((w for w in wanted if _fold(w, a.ignore_case) in out), None)
        if found is not None:
            return judged(
                self.name, True, f"contains {quote(found)}", FailureMode.WRONG_ANSWER, a.mode
            )
        what = quote(wanted[0]) if len(wanted) == 1 else f"any of {len(wanted)} expected texts"
        return judged(self.name, False, f"missing {what}", FailureMode.WRONG_ANSWER, a.mode)


@dataclass
class _NotContains:
    args: NotContainsArgs
    name: str = "not_contains"
    scope: Literal["sample"] = "sample"

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        present = _fold(a.value, a.ignore_case) in _fold(observation.output, a.ignore_case)
        reason = f"contains forbidden {quote(a.value)}" if present else f"no {quote(a.value)}"
        return judged(self.name, not present, reason, FailureMode.WRONG_ANSWER, a.mode)


@dataclass
class _Regex:
    args: RegexArgs
    compiled: re.Pattern[str] = field(init=False)
    name: str = "regex"
    scope: Literal["sample"] = "sample"

    def __post_init__(self) -> None:
        try:
            flags = re.IGNORECASE if self.args.ignore_case else 0
            self.compiled = re.compile(self.args.pattern, flags)
        except re.error as exc:
            raise ConfigError(
                f"invalid regular expression {self.args.pattern!r}: {exc}", field="pattern"
            ) from None

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        found = self.compiled.search(observation.output) is not None
        ok = found == a.must_match
        pattern = quote(a.pattern)
        if a.must_match:
            reason = f"matches {pattern}" if ok else f"does not match {pattern}"
        else:
            reason = f"no match for {pattern}" if ok else f"matches forbidden {pattern}"
        return judged(self.name, ok, reason, FailureMode.WRONG_ANSWER, a.mode)


@scorer("exact", args=ExactArgs)
def exact(args: ExactArgs) -> _Exact:
    """The output equals a text."""
    return _Exact(args)


@scorer("contains", args=ContainsArgs)
def contains(args: ContainsArgs) -> _Contains:
    """The output contains a text (or one of several)."""
    return _Contains(args)


@scorer("not_contains", args=NotContainsArgs)
def not_contains(args: NotContainsArgs) -> _NotContains:
    """The output does not contain a text."""
    return _NotContains(args)


@scorer("regex", args=RegexArgs)
def regex(args: RegexArgs) -> _Regex:
    """The output matches (or must not match) a regular expression."""
    return _Regex(args)
