"""Moved to ``golive.transport.sse``; kept for the modules that still import it from here."""

from golive.transport.sse import SSEEvent, SSEParser

__all__ = ["SSEEvent", "SSEParser"]
