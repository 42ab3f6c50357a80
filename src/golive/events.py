"""Typed, frozen lifecycle events. The engines emit them (the runner: a run's requests; the
load session: its levels); the progress displays, the store recorder and live reports
subscribe. No engine knows its subscribers.

A run publishes ``RunStarted``, then ``ObservationRecorded``/``CaseFinished`` as results come
in, the load levels (``LevelStarted``, ``LevelFinished``, ``LoadNote``) when it has a load
stage, and ``RunFinished`` exactly once, when every stage is done (``golive.pipeline``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from golive.schemas import Case, CaseResult, RunResult, ScoredObservation

if TYPE_CHECKING:
    from golive.schemas import LevelPlan, LevelResult

__all__ = [
    "CaseFinished",
    "Event",
    "EventBus",
    "LevelFinished",
    "LevelStarted",
    "LoadNote",
    "ObservationRecorded",
    "RunFinished",
    "RunStarted",
    "Subscriber",
]


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    total_requests: int
    cases: tuple[Case, ...]
    config: dict[str, Any]
    target: dict[str, str]
    target_problem: str | None = None  # what the reachability check found; the run goes on


@dataclass(frozen=True, slots=True)
class ObservationRecorded:
    run_id: str
    case: Case
    scored: ScoredObservation


@dataclass(frozen=True, slots=True)
class CaseFinished:
    run_id: str
    result: CaseResult


@dataclass(frozen=True, slots=True)
class RunFinished:
    """Emitted once per run, with its final result (every stage's metrics and gates), also
    for an interrupted run (``result.status == "interrupted"``)."""

    result: RunResult


@dataclass(frozen=True, slots=True)
class LevelStarted:
    """A load level is about to run."""

    plan: LevelPlan


@dataclass(frozen=True, slots=True)
class LevelFinished:
    """A load level has finished: its records, metrics and quality."""

    level: LevelResult


@dataclass(frozen=True, slots=True)
class LoadNote:
    """Something the load test says about itself (a failed readiness request, a cold start
    that could not be measured, a sweep the client could not push further)."""

    text: str


Event = (
    RunStarted
    | ObservationRecorded
    | CaseFinished
    | RunFinished
    | LevelStarted
    | LevelFinished
    | LoadNote
)
Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out. Subscribers must be quick; slow work belongs in their own thread."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def emit(self, event: Event) -> None:
        for subscriber in self._subscribers:
            subscriber(event)
