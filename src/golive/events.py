"""Typed, frozen lifecycle events. The engine emits them; the progress display, the store
recorder and live reports subscribe. The engine knows none of its subscribers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from golive.schemas import Case, CaseResult, RunResult, ScoredObservation

__all__ = [
    "CaseFinished",
    "Event",
    "EventBus",
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
    """Emitted once, also for an interrupted run (``result.status == "interrupted"``)."""

    result: RunResult


Event = RunStarted | ObservationRecorded | CaseFinished | RunFinished
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
