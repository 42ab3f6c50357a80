"""Typed, frozen data passed between golive's layers."""

from golive.schemas._case import Case, Message
from golive.schemas._failure import SILENT_MODES, VISIBLE_MODES, FailureKind, FailureMode
from golive.schemas._load import (
    ClientHealth,
    LevelPlan,
    LevelQuality,
    LevelResult,
    LoadResult,
    RequestRecord,
    ResponseSample,
    TokenSource,
)
from golive.schemas._metric import GateResult, Metric, Verdict
from golive.schemas._observation import (
    Chunk,
    Observation,
    ObservationError,
    Request,
    StreamEnd,
    Usage,
)
from golive.schemas._result import CaseResult, RunResult, ScoredObservation, StoreShortfall
from golive.schemas._score import Finding, Score

__all__ = [
    "SILENT_MODES",
    "VISIBLE_MODES",
    "Case",
    "CaseResult",
    "Chunk",
    "ClientHealth",
    "FailureKind",
    "FailureMode",
    "Finding",
    "GateResult",
    "LevelPlan",
    "LevelQuality",
    "LevelResult",
    "LoadResult",
    "Message",
    "Metric",
    "Observation",
    "ObservationError",
    "Request",
    "RequestRecord",
    "ResponseSample",
    "RunResult",
    "Score",
    "ScoredObservation",
    "StoreShortfall",
    "StreamEnd",
    "TokenSource",
    "Usage",
    "Verdict",
]
