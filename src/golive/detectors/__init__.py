"""Detectors that both scoring and guard use: personal data (``pii``) and the language of a
text (``language``). Below scoring and guard, above schemas and the basics: it imports neither.

Importing it loads nothing heavy: lingua, phonenumbers and python-stdnum load on first use.
"""

from __future__ import annotations
