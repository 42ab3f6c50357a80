"""Moved to ``golive.schemas`` (issue 14: data types at the bottom); kept while imports move."""

from golive.schemas._load import (
    ClientHealth,
    LevelQuality,
    LevelResult,
    LoadResult,
    RequestRecord,
    ResponseSample,
    TokenSource,
)

__all__ = [
    "ClientHealth",
    "LevelQuality",
    "LevelResult",
    "LoadResult",
    "RequestRecord",
    "ResponseSample",
    "TokenSource",
]
