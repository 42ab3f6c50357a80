"""Targets: the systems golive tests (openai, http, python, demo)."""

from golive.targets.base import RawStreaming, StreamItem, Target

__all__ = ["RawStreaming", "StreamItem", "Target"]
