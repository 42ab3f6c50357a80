"""golive: find out how an LLM application fails before its users do.

The public API: every ``golive`` command as a function with a typed result, printing nothing
unless asked (see docs/python-api.md)::

    import golive

    result = golive.evaluate({"kind": "openai", "url": "http://127.0.0.1:8000/v1",
                              "model": "m"}, "cases.jsonl")
    print(result.verdict.label)               # go | no-go | inconclusive

``golive.registry`` and ``golive.guard`` are modules (the registry object is
``golive.registry.registry``); every other name here is a function or a type.
"""

from golive._version import __version__

# Not `from typing import TYPE_CHECKING`: `import golive` stays free of the typing module.
TYPE_CHECKING = False

__all__ = [
    "Case",
    "Comparison",
    "ConfigError",
    "EventBus",
    "Expansion",
    "FailureMode",
    "GoliveError",
    "LoadResult",
    "Outcome",
    "Plan",
    "RunResult",
    "Runner",
    "__version__",
    "compare_runs",
    "evaluate",
    "evaluate_async",
    "execute",
    "execute_async",
    "guard",
    "load_plan",
    "load_suite",
    "load_test",
    "perturb",
    "plan_from_dict",
    "registry",
    "scan_target",
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
    "Comparison": "golive.compare",
    "Expansion": "golive.diversity.expand",
    "LoadResult": "golive.schemas",
    "compare_runs": "golive.api",
    "evaluate": "golive.api",
    "evaluate_async": "golive.api",
    "load_test": "golive.api",
    "perturb": "golive.api",
    "scan_target": "golive.api",
}
# Public submodules: the name is the module, whether or not it was imported before (the
# import system sets a package's attribute to its submodule once that is imported).
_SUBMODULES = frozenset({"guard", "registry"})

if TYPE_CHECKING:
    from typing import Any

    from golive import guard, registry
    from golive.api import (
        compare_runs,
        evaluate,
        evaluate_async,
        load_test,
        perturb,
        scan_target,
    )
    from golive.compare import Comparison
    from golive.config import Plan, load_plan, plan_from_dict
    from golive.diversity.expand import Expansion
    from golive.errors import ConfigError, GoliveError
    from golive.events import EventBus
    from golive.pipeline import Outcome, execute, execute_async
    from golive.runner import Runner
    from golive.schemas import Case, FailureMode, LoadResult, RunResult
    from golive.suite import load_suite


def __getattr__(name: str) -> "Any":
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"golive.{name}")  # also sets it in globals()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'golive' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


del TYPE_CHECKING  # not a public name
