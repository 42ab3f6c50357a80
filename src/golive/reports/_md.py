"""Markdown building blocks for untrusted text: one inert line per value, and tables."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from golive.reports._text import excerpt

__all__ = ["md_text", "table"]

# Markdown punctuation that can start emphasis, links, images, code, headings or table
# cells. ``<``/``>``/``&`` are HTML-escaped instead; list markers (``-``, ``+``, ``1.``) only
# act at the start of a line, where escaped text never goes.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~])")


def md_text(value: object, limit: int = 200) -> str:
    """Untrusted text as inert Markdown: one line (a newline would end a table row), HTML
    escaped, Markdown punctuation backslash-escaped, controls neutralised, cut to ``limit``."""
    one_line = excerpt(str(value), limit)
    escaped = html.escape(one_line, quote=True)
    # Escape Markdown after HTML: the `&` and `;` of the entities just made stay literal.
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GitHub table; cells are used as given (escape untrusted ones with ``md_text``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines
