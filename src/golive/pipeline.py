"""One evaluation end to end: plan → suite → stages → store → reports.

The CLI commands and the Python API both call ``execute``; it owns the wiring, the runner
owns the engine. A run is a list of stages (``STAGES``: diversity, scan, requests,
unguarded, load, baseline), each taking the run so far (``RunSoFar``) and adding to it; every
stage publishes on one event bus, and ``RunFinished`` is published once, after the last
stage, with the final result. An interrupt (Ctrl-C, SIGTERM; see ``golive._interrupt``) at
any stage ends the stage in flight and skips the later ones; the run is then stored and
reported whole, marked ``interrupted``.

The reports are written from what the run observed, not from what the store kept: a store
that fails mid-run (after the recorder's retries) makes the run ``incomplete``, with the
counts, and the rows it refused go to ``UNSTORED_FILE`` in the report folder.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from golive import _interrupt
from golive._loop import run_main
from golive.config import Plan
from golive.display import ProgressDisplay
from golive.errors import ConfigError, NoSuchRunError, NothingToRunError, StoreError
from golive.events import (
    CaseFinished,
    Event,
    EventBus,
    ObservationRecorded,
    RunFinished,
    RunStarted,
    Subscriber,
)
from golive.gates import partial
from golive.registry import registry
from golive.reports.base import ReportContext, Reporter
from golive.reports.summary import build_summary
from golive.runner import Runner
from golive.schemas import Case, RunResult, StoreShortfall
from golive.suite import Suite, load_suite
from golive.targets.base import Target

if TYPE_CHECKING:
    from golive.store import StoreRecorder
    from golive.store.load_records import LoadRecordWriter
    from golive.store.queries import RunRow

__all__ = [
    "STAGES",
    "UNSTORED_FILE",
    "Outcome",
    "RunSoFar",
    "Stage",
    "execute",
    "execute_async",
    "resolve_suite",
]

UNSTORED_FILE = "unstored.jsonl"  # in the report folder: rows a failing store refused


@dataclass(frozen=True)
class Outcome:
    result: RunResult
    report_paths: tuple[Path, ...]


def resolve_suite(plan: Plan) -> Suite:
    """The plan's suite, or the demo's bundled suite for the demo target."""
    if plan.suite is not None:
        suite = load_suite(plan.suite, plan.suite_limits)
    elif plan.target.kind == "demo":
        from golive.demo import demo_suite_path

        suite = load_suite(demo_suite_path())
    else:
        raise ConfigError(
            "no suite given; pass --suite FILE or set `suite:` in golive.yaml.", field="suite"
        )
    selected = suite.select(plan.tags)
    if not selected.cases:
        raise NothingToRunError(
            f"the suite {suite.source} selected no cases"
            + (f" with tags {', '.join(plan.tags)}" if plan.tags else "")
            + "; check the file and --tag."
        )
    return selected


@dataclass
class RunSoFar:
    """What the stages share and add to: the cases to run, then the run's result."""

    plan: Plan
    cases: list[Case]  # what the requests stage runs: the suite's, then variants, attacks
    canonical: tuple[Case, ...]  # the suite's own cases (the scan's carriers)
    bus: EventBus
    recorder: StoreRecorder | None
    console: Console | None  # None: nothing is printed
    target: Target | None = None  # an instance to run; None: built from ``plan.target``
    base_run: RunRow | None = None  # --baseline: the stored run to compare with
    result: RunResult | None = None  # set by the requests stage

    def say(self, markup: str) -> None:
        if self.console is not None:
            self.console.print(markup)

    def printer(self) -> Console:
        """A Console for the helpers that always print: the run's, else a silent one."""
        return self.console or Console(file=io.StringIO(), quiet=True)

    def finished(self) -> RunResult:
        assert self.result is not None, "a stage after the requests stage needs its result"
        return self.result


Stage = Callable[[RunSoFar], Awaitable[None]]
"""One step of a run: reads the run so far and adds to it (cases, or the result's metrics,
gates and sections). A stage the plan does not ask for returns at once. Once the run has a
result, the stages after the one that interrupted it are skipped."""


async def _diversity(run: RunSoFar) -> None:
    """``diversity:``: variants of every case (typos, slang, other languages, …)."""
    if run.plan.diversity is None:
        return
    from golive.diversity import expand_async

    # None: interrupted while expanding; the runner then stops before its first request.
    expansion = await _interrupt.until_interrupted(
        expand_async(run.cases, run.plan.diversity, seed=run.plan.seed)
    )
    if expansion is not None:
        for note in expansion.notes:
            run.say(f"[yellow]note:[/] {escape(note)}")
        run.say(
            f"diversity: {len(expansion.variants)} variants of {len(expansion.cases)} "
            f"cases (amplification {expansion.amplification:.1f}x)"
        )
        run.cases = [*expansion.cases, *expansion.variants]


async def _scan(run: RunSoFar) -> None:
    """``scan:``: attack probes carried by the suite's questions."""
    if run.plan.scan is None:
        return
    from golive.scan.probes import build_attack_cases

    attacks = build_attack_cases(
        run.plan.scan, carriers=[c.user_text() for c in run.canonical], seed=run.plan.seed
    )
    run.say(f"scan: {len(attacks)} attack probes in {len(run.plan.scan.selected())} categories")
    run.cases = [*run.cases, *attacks]


async def _requests(run: RunSoFar) -> None:
    """Every case, ``samples`` times: scored, classified, gated (the runner)."""
    # The run ends after the last stage: the pipeline publishes RunFinished, not the runner.
    runner = Runner(run.plan, bus=run.bus, finishes_run=False)
    with _progress(run.console, run.bus):
        run.result = await runner.run_async(run.cases, run.target)


@contextlib.contextmanager
def _progress(console: Console | None, bus: EventBus) -> Iterator[None]:
    """A progress bar on ``console`` (None: none) for the runner publishing on ``bus``."""
    display = ProgressDisplay(console) if console is not None else None
    if display is not None:
        bus.subscribe(display)
    try:
        yield
    finally:
        if display is not None:
            display.stop()


async def _unguarded(run: RunSoFar) -> None:
    """``scan.unguarded``: the same attacks without the guardrails: ``hardening.*`` metrics,
    before and after. It runs against its own target config, never the run's target."""
    scan = run.plan.scan
    if scan is None or scan.unguarded is None:
        return
    from golive.hardening import with_unguarded

    # Its own bus: the unguarded's requests are not the run's, and are not stored.
    bus = EventBus()
    with _progress(run.console, bus):
        run.result = await with_unguarded(run.plan, run.finished(), run.cases, bus=bus, say=run.say)


async def _load(run: RunSoFar) -> None:
    """``load:``: the load test; its metrics join the run's and the gates are judged again."""
    if run.plan.load is None:
        return
    writer = _load_writer(run.recorder, run.finished().run_id)
    run.result = await _with_load(run, writer)
    if run.recorder is not None and run.result.load is not None and writer is not None:
        run.recorder.flush()
        try:
            writer.finish(run.result.load)  # the levels a failed write left behind
        except StoreError as exc:  # the run ends incomplete; its reports are written
            run.recorder.record_error(exc)


async def _baseline(run: RunSoFar) -> None:
    """``--baseline``: a significant regression against a stored run fails the verdict."""
    if run.base_run is None or run.recorder is None:
        return
    from golive.compare._baseline import compare_with_baseline

    # The comparison reads the head run back from the store: store its state as it is now.
    run.recorder(RunFinished(run.finished()))
    run.result = compare_with_baseline(
        run.recorder, run.base_run, run.finished(), run.printer(), seed=run.plan.seed
    )


STAGES: tuple[Stage, ...] = (_diversity, _scan, _requests, _unguarded, _load, _baseline)
"""A run's stages, in order. A new capability is a new stage here, not an edit of the rest."""


async def execute_async(
    plan: Plan,
    *,
    console: Console | None = None,
    json_path: Path | None = None,
    cases: list[Case] | None = None,
    record: bool = True,
    baseline: str | None = None,
    target: Target | None = None,
    subscribers: Sequence[Subscriber] = (),
    stages: Sequence[Stage] = STAGES,
) -> Outcome:
    """Run the plan, record it, write its reports; ``baseline`` (a run id, ``latest`` or
    ``branch:NAME`` in the plan's store) adds a comparison with that run to the verdict.

    ``console``: where the progress and notes are printed (None: nowhere). ``target``: an
    instance to run (started and closed by the run) instead of one built from
    ``plan.target``; a load stage then needs its own ``load.target``. ``subscribers``: called
    with every event of the run (``golive.events``), ``RunFinished`` once, last."""
    from golive.store import StoreRecorder  # SQLAlchemy is heavy: import on use

    if target is not None and plan.load is not None and plan.load.target_args is None:
        raise ConfigError(
            "the load test starts fresh instances of the target, and a target given as an "
            "instance cannot be copied; set `load.target` (a target config) or give the "
            "target as a config",
            field="load.target",
        )
    base_run = None
    if baseline is not None:  # resolved first: a bad reference fails before any request
        from golive.compare import resolve_run

        if not record:
            raise ConfigError("--baseline compares with stored runs: it needs the store")
        try:
            base_run = resolve_run(plan.store, baseline)
        except NoSuchRunError as missing:
            if baseline != "latest" and not baseline.startswith("branch:"):
                raise  # a run id that is not there is a mistake
            # The first run on a branch has nothing to compare with: it becomes the baseline.
            if console is not None:
                console.print(
                    f"[yellow]--baseline {escape(baseline)}: {escape(str(missing))}. "
                    "Nothing to compare with: this run is recorded and becomes the baseline.[/]"
                )
    cases = cases if cases is not None else resolve_suite(plan).cases
    reporters = [
        registry.build("reporter", registry.parse("reporter", {"kind": name}, field="reporters"))
        for name in plan.reporters
    ]
    bus = EventBus()
    bus.subscribe(_pause_at_first_observation)
    recorder = (
        StoreRecorder(plan.store, spill=Path(plan.out) / UNSTORED_FILE, warn=_warn)
        if record
        else None
    )
    if recorder is not None:
        bus.subscribe(_store_events(recorder))
    for subscriber in subscribers:
        bus.subscribe(subscriber)
    run = RunSoFar(plan, list(cases), tuple(cases), bus, recorder, console, target, base_run)
    for stage in stages:
        if run.result is not None and not _going(run.result):
            break
        await _closing_on_error(recorder, stage(run))
    if run.result is None:  # a stage list without the requests stage
        if recorder is not None:
            recorder.close()
        raise ValueError("the stages ran no requests: the requests stage is missing")
    result, paths = _commit(
        run.result, recorder, reporters, ReportContext(plan.out, run.printer()), json_path
    )
    bus.emit(RunFinished(result))
    return Outcome(result, paths)


def _store_events(recorder: StoreRecorder) -> Subscriber:
    """The recorder, subscribed to what it stores as it comes. The run's final state is the
    pipeline's to store (``_store_final``), after every stage."""

    def store(event: Event) -> None:
        if isinstance(event, RunStarted | ObservationRecorded | CaseFinished):
            recorder(event)

    return store


def _warn(line: str) -> None:
    """The store recorder's news (failing, giving up, recovered): one line on stderr."""
    print(f"warning: {line}", file=sys.stderr, flush=True)


def _going(result: RunResult) -> bool:
    """Whether the run goes on to its next stage: not after an interrupt."""
    return result.status == "finished" and not _interrupt.requested()


def _pause_at_first_observation(event: Event) -> None:
    if isinstance(event, ObservationRecorded):
        _interrupt.pause_at("requests")  # test seam: requests are in flight


def _commit(
    result: RunResult,
    recorder: StoreRecorder | None,
    reporters: list[Reporter],
    context: ReportContext,
    json_path: Path | None,
) -> tuple[RunResult, tuple[Path, ...]]:
    """Store the run's final state, then write every report. An interrupt that arrives
    meanwhile marks the run ``interrupted``: the store and every report are then written
    again, so none of them calls finished a run whose command was interrupted. A store that
    lost results makes the run ``incomplete``; the reports are written all the same."""
    from golive.reports.json import write_summary

    files = list(reporters)  # after the first pass: only the reporters that write a file
    paths: list[Path] = []
    lost = f"the reports not yet written to {context.out_dir}"
    with _interrupt.losing(lost), _closing(recorder, lambda: result.status == "incomplete"):
        while True:
            result, interrupted = _interrupt.settle(result)
            result = _store_final(result, recorder)
            paths, written = [], []
            for reporter in files:
                if (path := reporter.write(result, context)) is not None:
                    paths.append(path)
                    written.append(reporter)
                    _interrupt.pause_at("reports")  # test seam: the first report is written
            if json_path is not None:
                paths.append(write_summary(result, json_path))
            if _interrupt.requested() == interrupted:
                break
            files = written
    return result, tuple(paths)


def _store_final(result: RunResult, recorder: StoreRecorder | None) -> RunResult:
    """Store the run's final state and return it as the reports must tell it: never ``go``
    for a partial run, ``incomplete`` (with the counts) when the store lost any result."""
    if recorder is None:
        return replace(result, verdict=partial(result.verdict, result.status))
    recorder.flush()  # every observation is written (or given up on) before the verdict
    result = _accounted(result, recorder)
    for _ in range(2):  # a second round only when the final writes themselves failed
        recorder(RunFinished(result))
        recorder.set_summary(build_summary(result))
        recorder.flush()
        accounted = _accounted(result, recorder)
        again = accounted.store_shortfall != result.store_shortfall
        result = accounted
        if not again:
            break
    return result


def _accounted(result: RunResult, recorder: StoreRecorder) -> RunResult:
    account = recorder.account(result.run_id)
    if not account.complete:
        spill = account.unstored_file
        shortfall = StoreShortfall(
            observed=account.observed,
            stored=account.stored,
            unstored_file=str(spill) if spill is not None else None,
            error=account.error or "the store refused some of the run's results",
        )
        result = replace(result, status="incomplete", store_shortfall=shortfall)
    return replace(result, verdict=partial(result.verdict, result.status))


@contextlib.contextmanager
def _closing(recorder: StoreRecorder | None, reported: Callable[[], bool]) -> Iterator[None]:
    """Close the recorder after the block; if the block fails, close it quietly first, so the
    original error is the one reported. ``reported()``: the run already says what the store
    lacks, so the store's failure is no error of its own."""
    try:
        yield
    except BaseException:
        if recorder is not None:
            with contextlib.suppress(Exception):
                recorder.close()
        raise
    if recorder is not None:
        recorder.close(raise_errors=not reported())


async def _closing_on_error(recorder: StoreRecorder | None, step: Awaitable[None]) -> None:
    """Await one stage of the run; if it fails (or is interrupted), close the recorder first,
    so every result stored before the failure stays readable."""
    try:
        await step
    except BaseException:
        if recorder is not None:
            with contextlib.suppress(Exception):  # the original error matters more
                recorder.close()
        raise


def _load_writer(recorder: StoreRecorder | None, run_id: str) -> LoadRecordWriter | None:
    """Stores the load test's records level by level (None: no store, or it refused)."""
    if recorder is None:
        return None
    from golive.store.load_records import LoadRecordWriter

    recorder.flush()  # the run's row exists before its load records
    try:
        return LoadRecordWriter(recorder.store, run_id, reopen=True)
    except StoreError as exc:
        recorder.record_error(exc)
        return None


async def _with_load(run: RunSoFar, writer: LoadRecordWriter | None = None) -> RunResult:
    """The plan's load test against a fresh target instance; its metrics join the run's and
    the gates (the plan's plus those the SLO implies) are judged again over all of them.
    Its levels are published on the run's bus; ``writer`` stores each level's records as
    the level ends."""
    from golive.gates import evaluate_gates
    from golive.load.quality import QualityScoring, prompt_cases
    from golive.load.session import load_metrics, load_prompts, run_load, slo_gates
    from golive.reports.load_terminal import LevelProgress
    from golive.store.load_records import storing_levels

    plan, result = run.plan, run.finished()
    spec = plan.load
    assert spec is not None
    run.say("load test: " + ", ".join(f"{k}={v}" for k, v in spec.profile.items()))
    prompts = load_prompts(spec, suite_messages=[c.messages() for c in run.cases])
    # Quality under load: the sampled replies are scored with the run's own scorers.
    prompted = prompt_cases(spec, run.cases)
    # The quality run's pass share per case: each level is compared on its own prompt mix.
    baseline = {
        c.case.id: sum(s.passed for s in c.samples) / len(c.samples)
        for c in result.cases
        if c.samples
    }
    quality = QualityScoring(prompted, plan.scorers, baseline) if prompted else None
    target = spec.target_args or plan.target
    if writer is not None:  # stored before the display says the level is done
        run.bus.subscribe(storing_levels(writer, run.console))
    progress = LevelProgress(run.console) if run.console is not None else None
    if progress is not None:
        run.bus.subscribe(progress)
    try:
        outcome = await run_load(spec, target, prompts=prompts, bus=run.bus, quality=quality)
    finally:
        if progress is not None:
            progress.stop()
    metrics = {**result.metrics, **load_metrics(outcome.load, max_error_rate=spec.max_error_rate)}
    gates = [*plan.gates, *slo_gates(outcome.load, spec)]
    return replace(
        result,
        status=outcome.status,
        metrics=metrics,
        verdict=evaluate_gates(gates, metrics),
        load=outcome.load,
    )


def execute(
    plan: Plan,
    *,
    console: Console | None = None,
    json_path: Path | None = None,
    baseline: str | None = None,
    cases: list[Case] | None = None,
    record: bool = True,
) -> Outcome:
    """Sync wrapper: run the plan, record it, write its reports; Ctrl-C and SIGTERM end it
    as ``interrupted``, with every finished result stored and reported. Prints to
    ``console``, by default to the terminal."""
    with _interrupt.handling():
        return run_main(
            execute_async(
                plan,
                console=console or Console(),
                json_path=json_path,
                baseline=baseline,
                cases=cases,
                record=record,
            )
        )
