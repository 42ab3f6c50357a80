"""The Target protocol: how golive talks to the system under test.

``stream`` is an async generator: it yields ``Chunk``s (content with its arrival time from
``time.perf_counter_ns()``) and, when the target finished properly, one final ``StreamEnd``.
A misbehaving target makes the transport raise ``TargetFailure`` with the failure mode; the
runner records it. A stream that stops without ``StreamEnd`` is ``truncated``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from golive.schemas import Chunk, Request, StreamEnd
from golive.transport.route import RawRoute

if TYPE_CHECKING:
    from golive.registry import ComponentArgs

__all__ = ["OwnProcess", "RawStreaming", "StreamItem", "Target", "in_own_process"]

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


@runtime_checkable
class OwnProcess(Protocol):
    """An optional capability of a target's args: a target that starts the server under test
    itself (the demo) can start it in a child process rather than in golive's own. A load test
    asks for that, so that it measures the server and not golive's event loop serving it.

    The load engine checks for this protocol, never for a concrete class.
    """

    def in_own_process(self) -> ComponentArgs:
        """These args with the server in its own process (the same args when it already is)."""


def in_own_process(args: ComponentArgs) -> ComponentArgs:
    """``args`` with the server in its own process where the target can do that (``OwnProcess``);
    any other target's args unchanged."""
    return args.in_own_process() if isinstance(args, OwnProcess) else args
