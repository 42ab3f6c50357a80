"""Scoring off the measuring loop: a run's scorers work in a forked child process.

Reply arrival times on the aiohttp path, the ``http`` target and in-process targets are
stamped by the event loop that reads the replies. A scorer running on that loop delays every
stamp that falls due meanwhile, and a scorer in a thread of the same process is no better:
it holds the GIL for up to the interpreter's 5 ms switch interval before the loop gets it
back. In a child process the scorers share nothing with the measuring loop but a pipe: the
loop pickles an observation and unpickles its scores, microseconds either way.

Every scorer is warmed (``Warmable.warm``: detectors, models) before the run's first request.
Then the child is forked, before the target starts: it inherits the scorers built and warm
(plugins and runtime registrations included; nothing about them is pickled) and none of the
target's sockets, servers or threads. It ignores Ctrl-C (the parent decides what an
interrupt means, and still scores what it has fetched) and exits with its parent. Where
``fork`` is missing (macOS, Windows) or the child dies, scoring runs on the loop instead,
one scorer call at a time.

An interrupt must be answered in bounded time even when a reply takes long to score: when the
parent stops waiting for a task the child has started (the run was interrupted and its time
to finish scoring is up), it ends the child, which would otherwise keep the run's exit
waiting for that task.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal

from golive.registry import ComponentArgs, registry
from golive.schemas import Case, Observation, Score
from golive.scoring.base import SampleSetScorer, Scorer, warm_all

__all__ = [
    "CaseScorers",
    "ScorerPlan",
    "Scoring",
    "ScoringMode",
    "fork_available",
    "score_sample",
]

ScoringMode = Literal["process", "loop"]
# A little below the measuring process: when both want the core, the stamps come first.
_CHILD_NICENESS = 5


@dataclass(frozen=True)
class CaseScorers:
    """What a case is scored with: per sample, and over all its samples at the end."""

    case: Case
    sample: Sequence[Scorer]
    case_level: Sequence[SampleSetScorer]


class ScorerPlan:
    """Which scorers score each case: the plan's, then the case's own assertions. Each
    distinct assertion is built once and shared by every case that spells it the same way.
    The runner and quality under load (``golive.load.quality``) both score through this."""

    def __init__(self, scorers: Sequence[ComponentArgs]) -> None:
        self._plan: list[Any] = [registry.build("scorer", args) for args in scorers]
        self._assertions: dict[str, Any] = {}  # Scorer | SampleSetScorer, by their spec

    def for_case(self, case: Case) -> CaseScorers:
        scorers = list(self._plan)
        for i, spec in enumerate(case.assertions):
            key = json.dumps(spec, sort_keys=True, default=str)
            if key not in self._assertions:
                args = registry.parse("scorer", spec, field=f"{case.id}.assertions[{i}]")
                self._assertions[key] = registry.build("scorer", args)
            scorers.append(self._assertions[key])
        sample: list[Scorer] = [s for s in scorers if s.scope == "sample"]
        sets: list[SampleSetScorer] = [s for s in scorers if s.scope == "case"]
        return CaseScorers(case, sample, sets)


def fork_available() -> bool:
    """Whether scoring can move to a forked child here (Linux; fork is unsafe on macOS)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


Timings = dict[str, float]


async def score_sample(
    entry: CaseScorers, observation: Observation, into: Timings | None = None
) -> list[Score]:
    """One reply scored by its case's sample scorers, one scorer call at a time; each
    scorer's own time is added to ``into`` by name."""
    into = into if into is not None else {}
    scores = []
    for s in entry.sample:
        t0 = time.perf_counter()
        scores.append(await s.score(observation, entry.case))
        into[s.name] = into.get(s.name, 0.0) + time.perf_counter() - t0
        await asyncio.sleep(0)  # on the loop: let I/O callbacks in between two scorers
    return scores


async def _score_case(
    entry: CaseScorers, observations: Sequence[Observation], into: Timings
) -> list[Score]:
    scores = []
    for s in entry.case_level:
        t0 = time.perf_counter()
        scores.append(await s.score_samples(observations, entry.case))
        into[s.name] = into.get(s.name, 0.0) + time.perf_counter() - t0
        await asyncio.sleep(0)
    return scores


class Scoring:
    """Scores one run's observations, in a child process where it can (see the module doc).

    ``start()`` warms every scorer and forks; ``ready()`` returns once the child answers;
    ``close()`` ends the child. ``seconds`` sums each scorer's own time, by name.
    """

    def __init__(self, jobs: Mapping[str, CaseScorers], *, mode: ScoringMode | None = None):
        self._jobs = dict(jobs)
        self._want: ScoringMode = mode or ("process" if fork_available() else "loop")
        self._pool: ProcessPoolExecutor | None = None
        self._started: Future[int] | None = None
        self._child: int | None = None  # the child's process id, once it has answered
        self._warm_here = False
        self.seconds: dict[str, float] = defaultdict(float)
        self.fallback: str | None = None  # why scoring is back on the loop, if it is

    @property
    def mode(self) -> ScoringMode:
        """Where scoring runs now: ``process`` or ``loop``."""
        return "process" if self._pool is not None else "loop"

    async def start(self) -> None:
        """Warm every scorer, then fork the child, which inherits them warm.

        Warming here first means that the models load once per process, not once per run,
        and that the child is ready as soon as it exists. A worker thread does the warming:
        nothing is being measured yet, and signals still get through.
        """
        await self._warm_locally()
        if self._want == "process":
            try:
                self._pool, self._started = _fork(self._jobs)
            except (OSError, ValueError, RuntimeError, BrokenProcessPool) as exc:
                self._to_loop(f"the scoring process could not start: {exc}")

    async def ready(self) -> None:
        """Return once the child answers (or scoring is on the loop): before the first request."""
        if self._pool is not None and self._started is not None:
            try:
                self._child = await asyncio.wrap_future(self._started)
            except BrokenProcessPool as exc:
                self._to_loop(f"the scoring process died: {exc}")

    async def score(self, case_id: str, observation: Observation) -> tuple[Score, ...]:
        entry = self._jobs[case_id]
        if not entry.sample:
            return ()
        result = await self._off_loop(_child_score, case_id, observation)
        if result is None:
            return tuple(await score_sample(entry, observation, self.seconds))
        return result

    async def score_case(
        self, case_id: str, observations: Sequence[Observation]
    ) -> tuple[Score, ...]:
        entry = self._jobs[case_id]
        if not entry.case_level:
            return ()
        result = await self._off_loop(_child_score_case, case_id, tuple(observations))
        if result is None:
            return tuple(await _score_case(entry, observations, self.seconds))
        return result

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            # The child ends after the task it has in hand; joining it is a thread's job.
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def _off_loop(self, fn: Any, *args: Any) -> tuple[Score, ...] | None:
        """``fn(*args)`` in the child: its scores, or None when scoring is on the loop."""
        pool = self._pool
        if pool is None:
            return None
        task = pool.submit(fn, *args)
        try:
            scores, timings = await asyncio.wrap_future(task)
        except BrokenProcessPool as exc:
            self._to_loop(f"the scoring process died: {exc}")
            return None
        except asyncio.CancelledError:
            # A task the child has started cannot be withdrawn: end the child with it.
            if not task.cancel() and not task.done():
                self._end_child("an interrupt cancelled the reply it was scoring")
            raise
        for name, seconds in timings.items():
            self.seconds[name] += seconds
        return tuple(scores)

    def _end_child(self, why: str) -> None:
        child, self._child = self._child, None
        if child is not None and self._pool is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        self._to_loop(f"the scoring process was ended: {why}")

    def _to_loop(self, why: str) -> None:
        self.fallback = why
        self._child = None
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def _warm_locally(self) -> None:
        if not self._warm_here:
            self._warm_here = True
            scorers = [s for e in self._jobs.values() for s in (*e.sample, *e.case_level)]
            await asyncio.to_thread(warm_all, scorers)


def _fork(jobs: Mapping[str, CaseScorers]) -> tuple[ProcessPoolExecutor, Future[int]]:
    """A one-process pool forked now, and its first task (which is what starts it)."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_child_init,
        initargs=(jobs, os.getpid()),  # fork: handed over in memory, never pickled
    )
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process may deadlock the child. The child
        # runs only the scorers and the pool's own queue code, never a lock another thread of
        # the parent may hold (the store writer's, a target's).
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
        started = pool.submit(_child_ready)  # with fork, the first submit starts the process
    return pool, started


# --- in the child -----------------------------------------------------------------------

_child_jobs: Mapping[str, CaseScorers] = {}
_child_loop: asyncio.AbstractEventLoop | None = None


def _child_init(jobs: Mapping[str, CaseScorers], parent: int) -> None:
    global _child_jobs
    from golive._children import become_helper

    become_helper(parent, niceness=_CHILD_NICENESS)
    _child_jobs = jobs


def _run(coro: Any) -> Any:
    global _child_loop
    if _child_loop is None:
        _child_loop = asyncio.new_event_loop()
    return _child_loop.run_until_complete(coro)


def _child_ready() -> int:
    """The first task: the scorers came warm with the fork; this says the child runs, and
    which process it is (the parent ends it if an interrupt leaves it busy)."""
    return os.getpid()


def _child_score(case_id: str, observation: Observation) -> tuple[list[Score], Timings]:
    timings: Timings = {}
    scores = _run(score_sample(_child_jobs[case_id], observation, timings))
    return scores, timings


def _child_score_case(
    case_id: str, observations: tuple[Observation, ...]
) -> tuple[list[Score], Timings]:
    timings: Timings = {}
    scores = _run(_score_case(_child_jobs[case_id], observations, timings))
    return scores, timings
