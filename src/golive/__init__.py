"""golive: find out how an LLM application fails before its users do.

The public API. Typical use::

    import golive
    plan = golive.load_plan(Path("golive.yaml"))
    outcome = golive.execute(plan)          # runs, records, writes reports
    print(outcome.result.verdict.label)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Case",
    "ConfigError",
    "EventBus",
    "FailureMode",
    "GoliveError",
    "Outcome",
    "Plan",
    "RunResult",
    "Runner",
    "__version__",
    "execute",
    "execute_async",
    "load_plan",
    "load_suite",
    "plan_from_dict",
    "registry",
]

# Names resolved on first use, so that `import golive` (and `golive --help`) stays fast.
_LAZY = {
    "Case": "golive.schemas",
    "FailureMode": "golive.schemas",
    "RunResult": "golive.schemas",
    "ConfigError": "golive.errors",
    "GoliveError": "golive.errors",
    "EventBus": "golive.events",
    "Plan": "golive.config",
    "load_plan": "golive.config",
    "plan_from_dict": "golive.config",
    "load_suite": "golive.suite",
    "Runner": "golive.runner",
    "Outcome": "golive.pipeline",
    "execute": "golive.pipeline",
    "execute_async": "golive.pipeline",
    "registry": "golive.registry",
}

if TYPE_CHECKING:
    from golive.config import Plan, load_plan, plan_from_dict
    from golive.errors import ConfigError, GoliveError
    from golive.events import EventBus
    from golive.pipeline import Outcome, execute, execute_async
    from golive.registry import registry
    from golive.runner import Runner
    from golive.schemas import Case, FailureMode, RunResult
    from golive.suite import load_suite


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'golive' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
