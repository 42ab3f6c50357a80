"""Text entering golive is made encodable once, at the boundary: replies and case inputs.

JSON may carry lone UTF-16 surrogates (``"\\ud800"``), which a Python ``str`` holds but no
UTF-8 writer accepts; a stream that splits an emoji's surrogate pair across two chunks
produces them too. Valid pairs are joined into their character; a lone surrogate becomes
the visible six-character escape ``\\ud800``, so reports show what the target sent.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["SurrogateJoiner", "clean_text", "clean_tree"]

_ANY_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR_OR_LONE = re.compile("([\ud800-\udbff][\udc00-\udfff])|[\ud800-\udfff]")


def _fix(match: re.Match[str]) -> str:
    pair = match.group(1)
    if pair:
        high, low = ord(pair[0]), ord(pair[1])
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return f"\\u{ord(match.group()):04x}"


def clean_text(text: str) -> str:
    """``text`` with surrogate pairs joined and each lone surrogate written as ``\\udXXX``.

    Text without surrogates (nearly all of it) is returned as is, after one scan.
    """
    if text.isascii() or _ANY_SURROGATE.search(text) is None:
        return text
    return _PAIR_OR_LONE.sub(_fix, text)


def clean_tree(value: Any) -> Any:
    """``value`` (parsed JSON or YAML) with every string in it, keys included, cleaned.

    Containers are rebuilt only when something in them changed.
    """
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        items = [clean_tree(v) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        pairs = [(clean_tree(k), clean_tree(v)) for k, v in value.items()]
        changed = any(
            k2 is not k or v2 is not v
            for (k2, v2), (k, v) in zip(pairs, value.items(), strict=True)
        )
        return dict(pairs) if changed else value
    return value


class SurrogateJoiner:
    """Cleans a stream's pieces one by one, keeping an emoji split across two of them whole.

    A piece ending in a high surrogate holds it back until the next piece, which may start
    with its low half; ``flush`` gives back whatever is still held at the end.
    """

    __slots__ = ("_held",)

    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        if self._held:
            text, self._held = self._held + text, ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            text, self._held = text[:-1], text[-1]
        return clean_text(text)

    def flush(self) -> str:
        held, self._held = self._held, ""
        return clean_text(held)
