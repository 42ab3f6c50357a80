"""Text hygiene for hostile model output: control characters, XML-illegal characters, excerpts."""

from __future__ import annotations

import re

__all__ = ["clean", "excerpt", "xml_safe"]

# C0 controls except tab/newline/carriage return, DEL and C1 controls: they can move a
# terminal's cursor (ANSI escapes start with \x1b), corrupt logs and break XML.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Everything XML 1.0 forbids: the controls above (minus C1, which XML allows but we drop too),
# lone surrogates, and U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """Replace control characters with U+FFFD so they stay visible but inert."""
    return _CONTROL.sub(REPLACEMENT, text)


def xml_safe(text: str) -> str:
    """Drop every character XML 1.0 cannot carry, even escaped."""
    return _XML_ILLEGAL.sub("", text)


def excerpt(text: str, limit: int = 80) -> str:
    """One line of at most ``limit`` characters: whitespace collapsed, controls neutralised."""
    one_line = _SPACE.sub(" ", clean(text)).strip()
    if len(one_line) <= limit:
        return one_line
    return one_line[: max(limit - 1, 0)].rstrip() + "…"
