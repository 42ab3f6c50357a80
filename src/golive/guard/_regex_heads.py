"""Moved to ``golive.detectors._regex_heads`` (the PII recognizers use it too, below guard);
this name stays for the injection heuristics until they import it from there."""

from __future__ import annotations

from golive.detectors._regex_heads import required_literals

__all__ = ["required_literals"]
