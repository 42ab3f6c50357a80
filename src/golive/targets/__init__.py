"""Targets: the systems golive tests (openai, http, python; the demo target, which starts the
demo application, lives above it in ``golive.demo.target``)."""

from golive.targets.base import OwnProcess, RawStreaming, StreamItem, Target

__all__ = ["OwnProcess", "RawStreaming", "StreamItem", "Target"]
