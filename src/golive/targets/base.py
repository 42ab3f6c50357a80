"""The Target protocol: how golive talks to the system under test.

``stream`` is an async generator: it yields ``Chunk``s (content with its arrival time from
``time.perf_counter_ns()``) and, when the target finished properly, one final ``StreamEnd``.
A misbehaving target makes the transport raise ``TargetFailure`` with the failure mode; the
runner records it. A stream that stops without ``StreamEnd`` is ``truncated``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from golive.schemas import Chunk, Request, StreamEnd
from golive.transport.route import RawRoute

__all__ = ["RawStreaming", "StreamItem", "Target"]

StreamItem = Chunk | StreamEnd


@runtime_checkable
class Target(Protocol):
    async def start(self) -> None:
        """Acquire resources (sessions, a server golive manages). Called once."""

    async def validate(self) -> str | None:
        """A quick reachability check: None when fine, else what is wrong (not raised).

        Raises ``ConfigError`` only when the configuration is certainly wrong (the server
        lists its models and the configured one is not among them). ``stream`` may raise
        ``ConfigError`` too, for the same reason, when the run's first request shows it.
        """

    def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        """Send one request and yield what comes back as it arrives."""

    async def close(self) -> None:
        """Release everything ``start`` acquired. Safe to call twice."""

    def fingerprint(self) -> dict[str, str]:
        """What identifies the target in reports: kind, URL, model. Never a secret."""


@runtime_checkable
class RawStreaming(Protocol):
    """An optional capability: a target that speaks plain HTTP hands out a ``RawRoute`` (how
    to encode a request, where to send it, how to decode the reply), so the load engine sends
    its requests itself over the fast, kernel-stamped path and decodes after the level.

    The engine checks for this protocol, never for a concrete class.
    """

    def raw_route(self) -> RawRoute | None:
        """The route once started, or None when this target cannot be driven raw (not
        started, or its configuration needs the full ``stream`` path)."""
