"""The Python API: what each ``golive`` command does, as a function with a typed result.

Thin wrappers over the library calls the CLI commands compose (``golive.pipeline``,
``golive.load.session``, ``golive.diversity``, ``golive.compare``); none of them prints
anything unless given a ``display``, and none writes a report or a store row unless given
``out`` or ``store``. A target is a config mapping (``{"kind": "openai", "url": …}``, the
``target:`` section of golive.yaml), a plain Python callable (``str -> str``, sync or async,
or a generator of pieces), which runs as the ``python`` target does, or, for ``evaluate`` and
``scan_target``, an instance of a ``golive.targets.base.Target`` (run as given: started and
closed by the run).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from golive.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from golive.compare import Comparison
    from golive.config import Plan
    from golive.diversity.expand import Expansion
    from golive.events import Event
    from golive.registry import ComponentArgs
    from golive.schemas import Case, LoadResult, RunResult
    from golive.targets.base import Target

__all__ = [
    "Display",
    "SuiteLike",
    "TargetLike",
    "compare_runs",
    "evaluate",
    "evaluate_async",
    "load_test",
    "perturb",
    "scan_target",
]

TargetLike: TypeAlias = "Mapping[str, Any] | Callable[..., Any] | Target"
"""A target's config (``{"kind": "demo"}``, ``{"kind": "openai", "url": …, "model": …}``), a
Python callable taking the user's text and returning (or yielding) the reply, or a ``Target``
instance (``evaluate`` and ``scan_target`` only; a load test starts fresh instances)."""
SuiteLike: TypeAlias = "str | os.PathLike[str] | Iterable[Mapping[str, Any] | Case]"
"""A cases file (.jsonl or .yaml), or the cases themselves (``{"id": …, "input": …}``)."""
Display: TypeAlias = "Literal['rich'] | Console | Callable[[Event], None] | None"
"""None: print nothing; ``"rich"``: the CLI's progress and notes on stdout; a rich Console:
the same, printed there; a function: called with each of the run's events
(``golive.events``: ``RunStarted``, ``ObservationRecorded``, ``CaseFinished``, the load
levels, ``RunFinished`` once, last), and nothing printed."""

# Callables given as targets, each under a name the ``python`` target can import
# (``golive.api:_CALLABLES.name``) while the call that registered it runs.
_CALLABLES = types.SimpleNamespace()
_NUMBERS = itertools.count(1)


# --- evaluate -----------------------------------------------------------------------------


def evaluate(
    target: TargetLike,
    suite: SuiteLike | None = None,
    *,
    samples: int = 3,
    scorers: Sequence[str | Mapping[str, Any]] | None = None,
    gates: Sequence[str] | None = None,
    mutators: Literal["all"] | Sequence[str] | None = None,
    display: Display = None,
    out: str | os.PathLike[str] | None = None,
    store: str | None = None,
    baseline: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> RunResult:
    """Evaluate ``target`` against ``suite`` (``golive run``): every case ``samples`` times,
    scored, classified and gated; returns the run with its metrics and verdict.

    Args:
        target: a target config mapping, a Python callable or a ``Target`` instance (see
            ``TargetLike``); an instance with ``options={"load": …}`` needs ``load.target``.
        suite: a cases file or the cases; None only for the demo target (its own suite).
        samples: samples per case.
        scorers: scorer kinds or specs (default: semantic, language, refusal, leaks,
            consistency).
        gates: gate expressions (default: golive's three quality and failure gates).
        mutators: amplify the suite: ``"all"`` rule-based mutators or a list of names.
        display: see ``Display``; the default prints nothing.
        out: write the reports (HTML, summary.json, junit.xml) into this folder.
        store: record the run in this store (an SQLAlchemy URL such as
            ``sqlite:///golive.db``); None records nothing.
        baseline: compare with this stored run (id, ``latest``, ``branch:NAME``); needs
            ``store``.
        options: any other golive.yaml field, dotted keys allowed
            (``{"concurrency": 4, "request.max_tokens": 64}``), as ``--set`` does.

    Raises:
        ConfigError: a bad target, suite, scorer, gate or option (nothing was sent).
    """
    from golive import _interrupt
    from golive._loop import run_main

    with _interrupt.handling():  # Ctrl-C: the run ends interrupted, finished samples kept
        return run_main(
            evaluate_async(
                target,
                suite,
                samples=samples,
                scorers=scorers,
                gates=gates,
                mutators=mutators,
                display=display,
                out=out,
                store=store,
                baseline=baseline,
                options=options,
            )
        )


async def evaluate_async(
    target: TargetLike,
    suite: SuiteLike | None = None,
    *,
    samples: int = 3,
    scorers: Sequence[str | Mapping[str, Any]] | None = None,
    gates: Sequence[str] | None = None,
    mutators: Literal["all"] | Sequence[str] | None = None,
    display: Display = None,
    out: str | os.PathLike[str] | None = None,
    store: str | None = None,
    baseline: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> RunResult:
    """``evaluate`` on the running event loop."""
    data: dict[str, Any] = {"samples": samples}
    if scorers is not None:
        data["scorers"] = list(scorers)
    if gates is not None:
        data["gates"] = list(gates)
    if mutators is not None:
        data["diversity"] = {"mutators": None if mutators == "all" else list(mutators)}
    cases: list[Case] | None = None
    if isinstance(suite, str | os.PathLike):
        data["suite"] = str(suite)
    elif suite is not None:
        cases = _cases(suite)
    return await _execute(target, data, cases, display, out, store, baseline, options)


# --- scan ---------------------------------------------------------------------------------


def scan_target(
    target: TargetLike,
    *,
    categories: Sequence[str] | None = None,
    per_category: int = 10,
    samples: int = 1,
    suite: SuiteLike | None = None,
    unguarded: Mapping[str, Any] | None = None,
    gates: Sequence[str] | None = None,
    display: Display = None,
    out: str | os.PathLike[str] | None = None,
    store: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> RunResult:
    """Attack ``target`` (``golive scan``): adversarial mutators, planted PII, other
    customers' data, system-prompt extraction; the result's ``adversarial.*`` metrics hold the
    attack success rate per category, gated by default at a 95% upper bound of 5%.

    Args:
        categories: attack categories (default: all; see ``golive scan --help``).
        per_category: probes per category.
        samples: samples per probe.
        suite: the cases whose questions carry the attacks (default: built-in questions).
        unguarded: the same application without its guardrails (a target config): attacked
            too, and reported side by side as ``hardening.*`` metrics.
        gates: gate expressions (default: the scan's attack-success gate).
        display, out, store, options: as for ``evaluate``.
    """
    from golive import _interrupt
    from golive._loop import run_main
    from golive.cli.scan import DEFAULT_SCAN_GATE  # the CLI's; better in golive.scan.spec

    carriers = [c.user_text() for c in _suite_cases(suite)] if suite is not None else None
    scan: dict[str, Any] = {
        "categories": list(categories) if categories is not None else None,
        "per_category": per_category,
        "carriers": carriers,
    }
    if unguarded is not None:
        scan["unguarded"] = dict(unguarded)
    data: dict[str, Any] = {
        "samples": samples,
        "scorers": [{"kind": "leaks"}],  # the probes carry their own scan_probe assertions
        "gates": list(gates) if gates is not None else [DEFAULT_SCAN_GATE],
        "scan": scan,
    }
    with _interrupt.handling():
        return run_main(_execute(target, data, [], display, out, store, None, options))


# --- load ---------------------------------------------------------------------------------


def load_test(
    target: TargetLike,
    *,
    concurrency: int | Sequence[int] | None = None,
    rate: float | Sequence[float] | None = None,
    duration: float = 10.0,
    requests: int | None = None,
    suite: SuiteLike | None = None,
    display: Display = None,
    **options: Any,
) -> LoadResult:
    """Load-test ``target`` (``golive load``): each level runs ``duration`` seconds, closed loop
    (``concurrency`` users) or open loop (``rate`` requests/s, Poisson arrivals); returns every
    level's latency figures (TTFT, TPOT, ITL, E2E with intervals), throughput, goodput, client
    health, and the capacity at the SLO and the cliff where they apply.

    Args:
        concurrency: users per level, e.g. ``[1, 8]``.
        rate: requests/s per level, e.g. ``[5, 10]`` (another arrival process:
            ``profile={"kind": "constant", "rate": [5]}``).
        duration: seconds per level.
        requests: most requests per level.
        suite: prompts from these cases, whose sampled replies are also scored (quality under
            load); default: the ``prompts`` file, else a few built-in prompts.
        display: see ``Display``; the default prints nothing.
        options: any other field of golive.yaml's ``load:`` section: ``warmup``, ``slo``
            (``{"ttft_p95": "500ms"}``), ``profile``, ``sweep``, ``prompts``, ``max_tokens``,
            ``max_concurrency``, ``processes``, ``cold_start``, ``seed``, ``client``….

    Raises:
        ConfigError: a bad target or option (nothing was sent).
    """
    from pydantic import ValidationError

    from golive import _interrupt
    from golive._loop import run_main
    from golive._validation import config_error_from
    from golive.load.quality import QualityScoring, prompt_cases
    from golive.load.session import LoadOutcome, load_prompts, run_load
    from golive.load.spec import LoadSpec

    data: dict[str, Any] = {"duration": duration, **options}
    if requests is not None:
        data["requests"] = requests
    for key, levels in (("concurrency", concurrency), ("rate", rate)):
        if levels is not None:  # the load section's shortcuts: closed loop, Poisson arrivals
            data[key] = list(levels) if isinstance(levels, Sequence) else [levels]
    try:
        spec = LoadSpec.model_validate(data)
    except ValidationError as exc:
        raise config_error_from(exc, prefix="load") from None
    suite_cases = _suite_cases(suite) if suite is not None else None
    prompts = load_prompts(spec, suite_messages=[c.messages() for c in suite_cases or ()])
    prompted = prompt_cases(spec, suite_cases)
    quality = QualityScoring(prompted) if prompted else None
    console = _console(display)

    with _callable_target(target) as args:

        async def go() -> LoadOutcome:
            from golive.events import EventBus

            bus = EventBus()
            for subscriber in _subscribers(display):
                bus.subscribe(subscriber)
            if console is None:
                return await run_load(spec, args, prompts=prompts, bus=bus, quality=quality)
            from golive.reports.load_terminal import LevelProgress

            progress = LevelProgress(console)
            bus.subscribe(progress)
            try:
                return await run_load(spec, args, prompts=prompts, bus=bus, quality=quality)
            finally:
                progress.stop()

        with _interrupt.handling():  # Ctrl-C: the level in flight is dropped
            outcome = run_main(go())
    if console is not None:
        from golive.reports.load_terminal import render_load

        render_load(console, outcome.load, status=outcome.status)
    return outcome.load


# --- perturb and compare ------------------------------------------------------------------


def perturb(
    suite: SuiteLike,
    *,
    mutators: Sequence[str] | None = None,
    per_case: int = 1,
    seed: int = 0,
    generator: Mapping[str, Any] | None = None,
) -> Expansion:
    """Rewrite each case the way real users and attackers write (``golive perturb``): typos,
    slang, other languages, broken formats, injections. Returns the canonical cases and their
    variants (``expansion.variants``: each a ``Case`` whose metadata names its mutator).

    Args:
        mutators: mutator names (default: every rule-based one; ``golive perturb --list``).
        per_case: variants per case per mutator.
        seed: the same seed gives the same variants.
        generator: an OpenAI-compatible model for the model-based rewrites
            (``{"url": …, "model": …, "api_key_env": …}``).
    """
    from pydantic import ValidationError

    from golive._loop import run_main
    from golive._validation import config_error_from
    from golive.diversity.expand import expand_async
    from golive.diversity.spec import DiversitySpec

    try:
        spec = DiversitySpec.model_validate(
            {
                "mutators": list(mutators) if mutators is not None else None,
                "per_case": per_case,
                "seed": seed,
                "generator": dict(generator) if generator is not None else None,
            }
        )
    except ValidationError as exc:
        raise config_error_from(exc, prefix="diversity") from None
    return run_main(expand_async(_suite_cases(suite), spec, seed=seed))


def compare_runs(
    base: str,
    head: str,
    *,
    store: str | None = None,
    alpha: float = 0.05,
    seed: int = 0,
    gate_latency: bool = False,
) -> Comparison:
    """Compare two stored runs case by case (``golive compare``): ``comparison.regressed`` is
    True when ``head`` is significantly worse than ``base`` (see ``golive.compare``).

    Args:
        base, head: a run id or unique prefix, ``latest`` or ``branch:NAME``.
        store: the store both runs are in (default: ``GOLIVE_STORE``, else
            ``sqlite:///.golive/golive.db``).
        alpha: false-alarm budget of the gate.
        seed: seed of the bootstrap intervals.
        gate_latency: let a significant latency regression fail the gate too.
    """
    from golive.compare import compare_stored

    return compare_stored(store, base, head, alpha=alpha, seed=seed, gate_latency=gate_latency)


# --- shared -------------------------------------------------------------------------------


async def _execute(
    target: TargetLike,
    data: dict[str, Any],
    cases: list[Case] | None,
    display: Display,
    out: str | os.PathLike[str] | None,
    store: str | None,
    baseline: str | None,
    options: Mapping[str, Any] | None,
) -> RunResult:
    """The plan from ``data`` and ``options``, run by ``golive.pipeline`` as ``golive run``
    runs it; reports only into ``out``, recorded only in ``store``."""
    from golive.pipeline import execute_async

    if out is not None:
        data["out"] = str(out)
    else:
        data["reporters"] = []  # nothing written; the result is the report
    if store is not None:
        data["store"] = store
    console = _console(display)
    instance = _target_instance(target)
    if instance is not None:
        plan = _plan(_instance_args(instance), data, options)
        outcome = await execute_async(
            plan,
            console=console,
            cases=cases,
            record=store is not None,
            baseline=baseline,
            target=instance,
            subscribers=_subscribers(display),
        )
        return outcome.result
    with _callable_target(target) as args:
        plan = _plan(args, data, options)
        outcome = await execute_async(
            plan,
            console=console,
            cases=cases,
            record=store is not None,
            baseline=baseline,
            subscribers=_subscribers(display),
        )
    return outcome.result


def _target_instance(target: TargetLike) -> Target | None:
    """``target`` when it is a ``Target`` instance (it has start, validate, stream, close and
    fingerprint), else None."""
    from golive.targets.base import Target

    if isinstance(target, Mapping | type):
        return None
    return target if isinstance(target, Target) else None


def _instance_args(instance: Target) -> ComponentArgs:
    """What the plan (and so the run's config in its reports) names as the target of a run
    given an instance: the instance's class. Never built: the run uses the instance."""
    from golive.registry import registry

    cls = type(instance)
    spec = f"{cls.__module__}:{cls.__qualname__}"
    return registry.parse("target", {"kind": "python", "callable": spec}, field="target")


def _plan(args: ComponentArgs, data: dict[str, Any], options: Mapping[str, Any] | None) -> Plan:
    from golive.config import plan_from_dict, set_dotted

    data = {**data, "target": args.model_dump()}
    for key, value in (options or {}).items():
        set_dotted(data, key, value)
    return plan_from_dict(data, base_dir=Path.cwd())


@contextlib.contextmanager
def _callable_target(target: TargetLike) -> Iterator[ComponentArgs]:
    """The target's args; a callable is made importable by the ``python`` target for the
    duration (as its own ``module:function`` when it has one, else under ``_CALLABLES``)."""
    from golive.registry import registry

    if isinstance(target, Mapping):
        yield registry.parse("target", dict(target), field="target")
        return
    if _target_instance(target) is not None:
        raise ConfigError(
            "a load test starts fresh instances of its target, and an instance cannot be "
            "copied: give the target as a config mapping or a callable",
            field="target",
        )
    if not callable(target):
        raise ConfigError(
            f"a target is a config mapping or a callable, not a {type(target).__name__}",
            field="target",
        )
    spec, slot = _importable(target), None
    if spec is None:
        slot = "".join(c if c.isalnum() else "_" for c in _name_of(target))
        slot = f"{slot}_{next(_NUMBERS)}"
        setattr(_CALLABLES, slot, target)
        spec = f"{__name__}:_CALLABLES.{slot}"
    try:
        yield registry.parse("target", {"kind": "python", "callable": spec}, field="target")
    finally:
        if slot is not None:
            delattr(_CALLABLES, slot)


def _name_of(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__name__", None) or type(fn).__name__).strip("<>") or "callable"


def _importable(fn: Callable[..., Any]) -> str | None:
    """``module:qualname`` when importing it gives back ``fn`` itself, else None."""
    import sys

    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    found: Any = sys.modules.get(module)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return f"{module}:{qualname}" if found is fn else None


def _cases(suite: Iterable[Mapping[str, Any] | Case]) -> list[Case]:
    """Cases given in Python, validated as a suite file's are (ids unique, assertions known)."""
    from golive.registry import registry
    from golive.schemas import Case

    cases: list[Case] = []
    seen: set[str] = set()
    for i, item in enumerate(suite):
        case = item if isinstance(item, Case) else _case(item, i)
        if case.id in seen:
            raise ConfigError(f"duplicate case id {case.id!r}; ids must be unique", field="suite")
        seen.add(case.id)
        for j, spec in enumerate(case.assertions):
            registry.parse("scorer", spec, field=f"suite[{i}].assertions[{j}]")
        cases.append(case)
    if not cases:
        raise ConfigError("the suite holds no cases", field="suite")
    return cases


def _case(item: Mapping[str, Any], index: int) -> Case:
    from pydantic import ValidationError

    from golive._validation import config_error_from
    from golive.schemas import Case

    try:
        return Case.model_validate(dict(item))
    except ValidationError as exc:
        raise config_error_from(exc, prefix=f"suite[{index}]", model=Case) from None


def _suite_cases(suite: SuiteLike) -> list[Case]:
    """A suite given either way, as cases."""
    if isinstance(suite, str | os.PathLike):
        from golive.suite import load_suite

        return load_suite(Path(suite)).cases
    return _cases(suite)


def _console(display: Display) -> Console | None:
    if display is None:
        return None
    from rich.console import Console

    if display == "rich":
        return Console()
    if isinstance(display, Console):
        return display
    if callable(display):
        return None  # a subscriber: see _subscribers
    raise ConfigError(
        f"display must be None, 'rich', a rich Console or a function of an event, not {display!r}"
    )


def _subscribers(display: Display) -> list[Callable[[Event], None]]:
    """``display`` when it is a function to call with each event."""
    from rich.console import Console

    if display is None or isinstance(display, str | Console) or not callable(display):
        return []
    return [display]
