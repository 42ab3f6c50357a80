"""What the PII recognizers share: the span they report, and the labels ("order no.",
"version") that say the digits after them are something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Span", "labelled_other", "labelled_version"]


@dataclass(frozen=True, slots=True)
class Span:
    kind: str
    start: int
    end: int
    score: float
    reason: str


# Digits introduced as an order, invoice or tracking number are that, even when they happen to
# pass a checksum or look like a phone number.
_NOT_PII_CONTEXT = re.compile(
    r"\b(?:order|invoice|tracking|serial|sku|ticket|ref|reference|part|lot|batch|isbn|ean"
    r"|lottery|lotto)"
    r"\b\W{0,3}(?:no\.?|number|#|id)?\W{0,3}$",
    re.IGNORECASE,
)


def labelled_other(text: str, start: int) -> bool:
    """Whether the words just before ``start`` name the digits there as something else."""
    return _NOT_PII_CONTEXT.search(text[max(0, start - 24) : start]) is not None


_VERSION_CONTEXT = re.compile(
    r"\b(?:version|versions|ver|release|build|firmware|v)\s*[:=#]?\s*$", re.IGNORECASE
)


def labelled_version(text: str, start: int) -> bool:
    """Whether the digits at ``start`` follow "version", "v", "release" or "build": a version
    string ("v 10.2.0.1"), not an address or a phone number."""
    return _VERSION_CONTEXT.search(text[max(0, start - 20) : start]) is not None
