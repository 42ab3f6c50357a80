"""What golive sends and what it saw: requests, stream chunks and observations.

Times are ``time.perf_counter_ns()`` readings, taken when each chunk arrived; they are
kept, not reconstructed. Wall-clock time only labels runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from golive.schemas._case import Message
from golive.schemas._failure import FailureMode

__all__ = ["Chunk", "Observation", "ObservationError", "Request", "StreamEnd", "Usage"]


@dataclass(frozen=True, slots=True)
class Request:
    """One call to a target."""

    messages: tuple[Message, ...]
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of content as it arrived; ``t_ns`` is ``perf_counter_ns()`` at arrival."""

    text: str
    t_ns: int


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The last item a target yields when the stream finished properly."""

    finish_reason: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class ObservationError:
    """How the target failed, as a failure mode (never an exception)."""

    mode: FailureMode
    message: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """One sample of one case: what was asked, what came back, and when."""

    case_id: str
    sample: int
    request: Request
    output: str
    t_sched_ns: int
    t_send_ns: int
    chunk_times_ns: tuple[int, ...] = ()
    t_end_ns: int | None = None
    finish_reason: str | None = None
    usage: Usage | None = None
    error: ObservationError | None = None
    # Replayed from the response cache: the output is real, its times are those of the
    # original call, so latency metrics leave it out.
    cached: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def ttft_ms(self) -> float | None:
        """c_1 − t_send."""
        if not self.chunk_times_ns:
            return None
        return (self.chunk_times_ns[0] - self.t_send_ns) / 1e6

    @property
    def e2e_ms(self) -> float | None:
        """c_K − t_send; for a failed call, time until the failure was seen."""
        end = self.chunk_times_ns[-1] if self.chunk_times_ns else self.t_end_ns
        return None if end is None else (end - self.t_send_ns) / 1e6
