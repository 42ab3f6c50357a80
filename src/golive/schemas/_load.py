"""What the load engine is asked to run, one ``LevelPlan`` per level, and what it records: one
``RequestRecord`` per request, one ``LevelResult`` per concurrency or rate, one ``LoadResult``
per load test.

Times are ``time.perf_counter_ns()`` readings. ``t_sched_ns`` is when the request was due
(open loop: its arrival time on the schedule; closed loop: when its user became ready), so
queue-inclusive latencies cannot hide a queue (coordinated omission).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from golive.schemas._failure import FailureMode
from golive.schemas._metric import Metric

__all__ = [
    "ClientHealth",
    "LevelPlan",
    "LevelQuality",
    "LevelResult",
    "LoadResult",
    "RequestRecord",
    "ResponseSample",
    "TokenSource",
]

TokenSource = Literal["usage", "tokenizer", "none"]


@dataclass(frozen=True)
class LevelPlan:
    """One level. Open loop: ``rate`` and ``arrivals_s``; closed loop: ``concurrency``."""

    index: int
    profile: str
    duration_s: float
    concurrency: int | None = None  # closed loop: users, each waits for its reply
    rate: float | None = None  # open loop: nominal requests per second (a label)
    arrivals_s: tuple[float, ...] | None = None  # open loop: offsets from the level start
    warmup_s: float = 0.0  # requests scheduled before this are recorded, not measured
    max_concurrency: int | None = None  # open loop: more wait in a FIFO, t_sched kept
    max_requests: int | None = None  # most requests scheduled in the level
    think_time_s: float = 0.0  # closed loop: pause between a reply and the next request
    prompt_indices: tuple[int, ...] | None = None  # trace replay: the prompt of each arrival
    request_timeout_s: float = 60.0  # a stalled request ends as ``timeout`` after this
    grace_s: float = 5.0  # in-flight requests may finish this long after the duration

    def __post_init__(self) -> None:
        if (self.concurrency is None) == (self.arrivals_s is None):
            raise ValueError("a level is either closed loop (concurrency) or open (arrivals_s)")
        if self.concurrency is not None and self.concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        if self.duration_s <= 0 or self.warmup_s < 0 or self.warmup_s >= self.duration_s:
            raise ValueError("need duration_s > 0 and 0 <= warmup_s < duration_s")


@dataclass(frozen=True, slots=True, eq=False)
class RequestRecord:
    level: int  # index of the level in LoadResult.levels
    t_sched_ns: int
    t_send_ns: int
    # Arrival of each chunk that carried content. Kept as a packed array of int64 (8 bytes a
    # chunk, where a tuple of ints takes 40): a 10-minute level at 256 streams holds ~200k
    # requests of 64 chunks, 120 MB this way instead of 550.
    chunk_times_ns: Sequence[int]
    t_end_ns: int  # when the request finished (success or failure)
    output_tokens: int | None
    token_source: TokenSource
    error: FailureMode | None = None
    warmup: bool = False  # warm-up requests are recorded but excluded from metrics
    prompt_index: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.chunk_times_ns, array):
            object.__setattr__(self, "chunk_times_ns", array("q", self.chunk_times_ns))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestRecord):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # the chunk times are a mutable array

    @property
    def ttft_ns(self) -> int | None:
        return self.chunk_times_ns[0] - self.t_send_ns if self.chunk_times_ns else None

    @property
    def ttft_from_schedule_ns(self) -> int | None:
        return self.chunk_times_ns[0] - self.t_sched_ns if self.chunk_times_ns else None


@dataclass(frozen=True, slots=True)
class ClientHealth:
    """Was the client itself the bottleneck during a level?"""

    lag_ms_p99: float
    lag_ms_max: float
    cpu_pct: float  # client process CPU over the level, percent of one core
    valid: bool
    reason: str = ""
    # A level spread over processes: each worker's CPU (cpu_pct is then their sum).
    worker_cpu_pct: tuple[float, ...] = ()
    # Kernel-stamped levels: how long each read waited between its stamp and the loop
    # handling it, and each request between its due time and its send (None: the chunk
    # times came from the loop, judged by lag_ms_p99 instead). See load.monitor.
    read_delay_ms_p99: float | None = None
    read_delay_ms_max: float | None = None
    send_delay_ms_p99: float | None = None


@dataclass(frozen=True, slots=True)
class ResponseSample:
    """One reply kept for quality under load (a bounded sample per level, spread over it)."""

    prompt_index: int
    output: str
    finish_reason: str | None  # "stop", "length" (cut by max_tokens), …; None when it failed
    error: FailureMode | None = None
    t_sched_ns: int = 0


@dataclass(frozen=True)
class LevelQuality:
    """The level's sampled replies scored like the quality suite (see ``load.quality``)."""

    n: int  # samples scored
    passed: int  # samples without findings
    truncated: int  # cut by max_tokens (finish "length") or a stream that broke off
    failures: dict[str, int]  # failure mode -> samples with that finding
    # The pass rate the same prompts had in the run's quality suite (None: no such run), so
    # a level's pass rate is compared on its own prompt mix, not on the suite's.
    baseline_pass_rate: float | None = None


@dataclass(frozen=True)
class LevelResult:
    """One level: a concurrency (closed loop) or a rate (open loop)."""

    index: int
    concurrency: int | None
    rate: float | None
    profile: str
    duration_s: float
    # In schedule order. From the engine: a ``load.spill.SpillRecords`` (on disk, streamed
    # when iterated, 8 bytes of memory a request); rebuilt from the store: a tuple.
    records: Sequence[RequestRecord]
    health: ClientHealth
    # Filled by load.metrics: name -> Metric (e.g. "ttft_ms.p95", "goodput_rps").
    metrics: dict[str, Metric] = field(default_factory=dict)
    # Requests scheduled in the first warmup_s seconds are excluded; rates use the rest.
    warmup_s: float = 0.0
    tokenizer: str = ""  # what counted tokens where the server sent no usage
    samples: tuple[ResponseSample, ...] = ()  # replies kept for quality under load
    quality: LevelQuality | None = None  # those replies scored, where the prompts had cases

    @property
    def key(self) -> str:
        """``c=8`` or ``r=2.5``: how gates (``load.ttft_p95_ms@c=50``) and
        ``LoadResult.abandonment`` name this level."""
        if self.concurrency is not None:
            return f"c={self.concurrency}"
        return f"r={self.rate or 0.0:g}"


@dataclass(frozen=True)
class LoadResult:
    levels: tuple[LevelResult, ...]
    slo: dict[str, float]  # e.g. {"ttft_ms.p95": 500.0}
    capacity_at_slo: float | None = None  # highest concurrency or rate meeting every SLO
    cliff: float | None = None  # the concurrency or rate where latency falls off a cliff
    cold_start_ms: float | None = None
    abandonment: dict[str, float] = field(default_factory=dict)
    token_source: TokenSource = "none"
