"""Literal strings a regex cannot match without: a cheap ``in`` test that skips most searches.

Python's ``re`` tries a pattern such as ``\\b(?:ignore|disregard) ...`` at every position of
the text; 46 such patterns over a few variants of one message cost the proxy a quarter of a
millisecond per request. Nearly every pattern names its words, and a match must contain one
of them, so ``any(s in text for s in heads)`` (a fast substring scan in C) rules a pattern out
before its search runs. Derived from the parsed pattern, never written by hand, so the table
cannot drift from the patterns.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

__all__ = ["required_literals"]

# re's parser is private (stable since 3.11). Should a Python lack it or change its shape,
# required_literals answers None: every pattern is searched, as without the prefilter.
try:
    c: Any = importlib.import_module("re._constants")
    _parser: Any = importlib.import_module("re._parser")
    _ZERO_WIDTH = {c.AT, c.ASSERT, c.ASSERT_NOT}
    _REPEATS = {c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)}
except (ImportError, AttributeError):  # pragma: no cover - no such Python yet
    _parser = None

_MIN_CHARS = 3  # shorter ASCII heads ("a ", "to") are in almost every text: no use as a filter


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one; None when no such
    set of strings of 3+ characters is found (the pattern must always be searched).

    Case-insensitive and verbose patterns get None: their literals are not the text's.
    """
    if (
        _parser is None
        or flags & (re.IGNORECASE | re.VERBOSE)
        or "(?i" in pattern
        or "(?x" in pattern
    ):
        return None
    try:
        return _sequence(list(_parser.parse(pattern, flags)))
    except (re.error, TypeError, ValueError, AttributeError, IndexError):
        return None  # a pattern re rejects, or a parse tree of a shape this does not know


def _sequence(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """Every item of a sequence is required: the most selective item's set serves."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if len(run) >= _MIN_CHARS or (len(run) >= 2 and not run[0].isascii()):  # 2 CJK: a word
            candidates.append(frozenset(["".join(run)]))
        run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        end_run()
        if op in _ZERO_WIDTH:
            continue
        found: frozenset[str] | None = None
        if op is c.SUBPATTERN:
            found = _sequence(list(av[-1]))
        elif op is c.BRANCH:
            found = _branch(av[1])
        elif op in _REPEATS and av[0] >= 1:
            found = _sequence(list(av[2]))
        if found is not None:
            candidates.append(found)
    end_run()
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


def _branch(alternatives: list[Any]) -> frozenset[str] | None:
    """One alternative is required: the union of theirs, if every one has a set."""
    out: set[str] = set()
    for alternative in alternatives:
        found = _sequence(list(alternative))
        if found is None:
            return None
        out |= found
    return frozenset(out)
