"""An in-process fake target: the transport-layer seam for unit tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Literal

from golive.errors import TargetFailure
from golive.registry import ComponentArgs, target
from golive.schemas import Chunk, FailureMode, Request, StreamEnd, Usage
from golive.targets.base import StreamItem

Reply = str | TargetFailure
Script = Callable[[Request], Reply]


class FakeTarget:
    """Answers each request with ``script(request)``: a text (streamed word by word) or a
    ``TargetFailure`` to raise. Counts calls and peak concurrency."""

    def __init__(
        self, script: Script, *, gate: asyncio.Event | None = None, block_after: int | None = None
    ) -> None:
        self.script = script
        self.gate = gate
        self.block_after = block_after  # requests after this many hang until cancelled
        self.calls: list[Request] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self.started = False
        self.closed = False
        self._call_waiters: list[tuple[int, asyncio.Event]] = []

    async def wait_for_calls(self, n: int) -> None:
        """Return once ``n`` requests have reached the target."""
        if len(self.calls) < n:
            event = asyncio.Event()
            self._call_waiters.append((n, event))
            await event.wait()

    async def start(self) -> None:
        self.started = True

    async def validate(self) -> str | None:
        return None

    async def stream(self, request: Request) -> AsyncIterator[StreamItem]:
        self.calls.append(request)
        for n, event in self._call_waiters:
            if len(self.calls) >= n:
                event.set()
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # yield, so that concurrency is real
            if self.gate is not None:
                await self.gate.wait()
            if self.block_after is not None and len(self.calls) > self.block_after:
                await asyncio.Event().wait()
            reply = self.script(request)
            if isinstance(reply, TargetFailure):
                raise reply
            words = reply.split(" ")
            for i, word in enumerate(words):
                yield Chunk(word if i == 0 else " " + word, time.perf_counter_ns())
            yield StreamEnd("stop", Usage(prompt_tokens=10, completion_tokens=len(words)))
        finally:
            self.in_flight -= 1

    async def close(self) -> None:
        self.closed = True

    def fingerprint(self) -> dict[str, str]:
        return {"kind": "fake"}


def failure(mode: FailureMode, message: str = "scripted") -> TargetFailure:
    return TargetFailure(mode, message)


class FakeTargetArgs(ComponentArgs):
    """Args of the fake target; tests pass the FakeTarget itself to the runner."""

    kind: Literal["fake"] = "fake"


@target("fake", args=FakeTargetArgs)
def _fake_factory(args: FakeTargetArgs) -> FakeTarget:
    return FakeTarget(lambda request: "fake answer")
