"""The load engine: traffic profiles, the level runner, client-honesty monitor and metrics.

Names resolve on first use: ``golive.config`` imports ``golive.load.spec`` and must not pay
for the engine (numpy, aiohttp) when no load test runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "ClientHealth",
    "LagMonitor",
    "LevelOptions",
    "LevelPlan",
    "LevelResult",
    "LoadResult",
    "Profile",
    "RequestRecord",
    "Sketch",
    "TokenCounter",
    "build_profile",
    "level_metrics",
    "run_level",
    "token_counter",
]

_LAZY = {
    "run_level": "golive.load.engine",
    "level_metrics": "golive.load.metrics",
    "LagMonitor": "golive.load.monitor",
    "LevelOptions": "golive.load.profiles",
    "Profile": "golive.load.profiles",
    "build_profile": "golive.load.profiles",
    "ClientHealth": "golive.schemas",
    "LevelPlan": "golive.schemas",
    "LevelResult": "golive.schemas",
    "LoadResult": "golive.schemas",
    "RequestRecord": "golive.schemas",
    "Sketch": "golive.load.sketch",
    "TokenCounter": "golive.load.tokens",
    "token_counter": "golive.load.tokens",
}

if TYPE_CHECKING:
    from golive.load.engine import run_level
    from golive.load.metrics import level_metrics
    from golive.load.monitor import LagMonitor
    from golive.load.profiles import LevelOptions, Profile, build_profile
    from golive.load.sketch import Sketch
    from golive.load.tokens import TokenCounter, token_counter
    from golive.schemas import ClientHealth, LevelPlan, LevelResult, LoadResult, RequestRecord


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'golive.load' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
