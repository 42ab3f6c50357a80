"""Targets: the systems golive tests (openai, http, python, demo)."""

from golive.targets.base import StreamItem, Target

__all__ = ["StreamItem", "Target"]
