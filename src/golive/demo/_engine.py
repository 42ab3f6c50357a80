"""A simulated inference engine: cold start, prefill, continuous batching and a FIFO queue.

One asyncio scheduler loop runs the model. Each step it admits waiting requests into the batch
(up to ``max_batch``), pays their prefill (``prefill_ms_per_token`` per prompt token), then
decodes one token for every running sequence in ``decode_ms_base + decode_ms_per_seq * batch``.
So one user sees a quick first token, and many users see the queue and the slower steps: the
shape of latency under load that golive measures. Until ``cold_start_s`` after ``start()``
the model is still loading and nothing runs. Time comes from a ``Clock`` so tests can run the
engine on virtual time and assert exact timings.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from golive.demo._settings import DemoSettings

__all__ = [
    "Clock",
    "Engine",
    "EngineFull",
    "Generation",
    "MonotonicClock",
    "TokenEvent",
    "VirtualClock",
]

# When the loop falls this far behind its schedule (a busy host), it resets the schedule
# instead of emitting a burst of late steps at once.
_MAX_LAG_S = 0.005


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``now() >= deadline``."""
        ...


class MonotonicClock:
    """Real time."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))


class VirtualClock:
    """Virtual time for tests: sleeping jumps the clock forward instead of waiting."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    async def sleep_until(self, deadline: float) -> None:
        self._now = max(self._now, deadline)
        await asyncio.sleep(0)


class EngineFull(Exception):
    """The batch and the queue are full: the server answers 429."""


@dataclass(frozen=True, slots=True)
class TokenEvent:
    """One decoded token and the engine time it was emitted at."""

    text: str
    t: float


class Generation:
    """One request's sequence: iterate it for its tokens as the engine decodes them."""

    def __init__(self, tokens: Sequence[str], prompt_tokens: int, submitted_at: float) -> None:
        self.tokens = tuple(tokens)
        self.prompt_tokens = prompt_tokens
        self.submitted_at = submitted_at
        self.emitted = 0
        self.cancelled = False
        self.aborted = False
        self._events: asyncio.Queue[TokenEvent | None] = asyncio.Queue()

    @property
    def done(self) -> bool:
        return self.emitted >= len(self.tokens)

    def cancel(self) -> None:
        """The client went away: the engine drops the sequence at its next step."""
        self.cancelled = True

    def _emit(self, t: float) -> None:
        self._events.put_nowait(TokenEvent(self.tokens[self.emitted], t))
        self.emitted += 1
        if self.done:
            self._events.put_nowait(None)

    def _abort(self) -> None:
        self.aborted = True
        self._events.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[TokenEvent]:
        while (event := await self._events.get()) is not None:
            yield event


class Engine:
    """The scheduler loop and its queue. ``submit`` never waits; iterate the Generation."""

    def __init__(self, settings: DemoSettings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or MonotonicClock()
        self._scale = 1.0 / settings.effective_speed / 1000.0  # simulated ms -> real seconds
        self._waiting: deque[Generation] = deque()
        self._running: list[Generation] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ready_at: float | None = None
        self.peak_batch = 0
        self.steps = 0

    @property
    def ready(self) -> bool:
        return self.ready_at is not None and self.clock.now() >= self.ready_at

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def start(self) -> None:
        """Start loading the model (the cold start counts from now) and the scheduler."""
        if self._task is None:
            self.ready_at = self.clock.now() + self.settings.effective_cold_start_s
            self._task = asyncio.create_task(self._loop(), name="golive-demo-engine")

    async def stop(self) -> None:
        """Stop the scheduler; unfinished generations end without their remaining tokens."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for generation in [*self._running, *self._waiting]:
            generation._abort()
        self._running.clear()
        self._waiting.clear()

    def has_capacity(self) -> bool:
        """Whether ``submit`` would accept one more request now."""
        capacity = self.settings.max_batch + self.settings.max_queue
        if len(self._running) + len(self._waiting) >= capacity:
            # Clients that left while queued must not hold their places.
            self._waiting = deque(g for g in self._waiting if not g.cancelled)
        return len(self._running) + len(self._waiting) < capacity

    def submit(self, tokens: Sequence[str], prompt_tokens: int) -> Generation:
        """Queue a sequence; raises EngineFull when batch and queue are both full."""
        if not self.has_capacity():
            capacity = self.settings.max_batch + self.settings.max_queue
            raise EngineFull(f"{capacity} requests already in flight")
        generation = Generation(tokens, prompt_tokens, self.clock.now())
        if not generation.tokens:
            generation._events.put_nowait(None)
            return generation
        self._waiting.append(generation)
        self._wake.set()
        return generation

    async def _loop(self) -> None:
        assert self.ready_at is not None
        await self.clock.sleep_until(self.ready_at)
        t = self.clock.now()
        while True:
            self._running = [g for g in self._running if not g.cancelled]
            if not self._running and not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                t = self.clock.now()  # idle time is not owed to the schedule
                continue
            t = self._step_deadline(t)
            await self.clock.sleep_until(t)
            now = self.clock.now()
            if now - t > _MAX_LAG_S:
                t = now
            self.steps += 1
            for generation in self._running:
                if not generation.cancelled:
                    generation._emit(t)
            self._running = [g for g in self._running if not g.done]

    def _step_deadline(self, t: float) -> float:
        """Admit what fits in the batch and return when this step's tokens are ready."""
        s = self.settings
        prefill_tokens = 0
        while self._waiting and len(self._running) < s.max_batch:
            generation = self._waiting.popleft()
            if not generation.cancelled:
                self._running.append(generation)
                prefill_tokens += generation.prompt_tokens
        self.peak_batch = max(self.peak_batch, len(self._running))
        step_ms = (
            prefill_tokens * s.prefill_ms_per_token
            + s.decode_ms_base
            + s.decode_ms_per_seq * len(self._running)
        )
        return t + step_ms * self._scale
