"""The evaluation runner: cases × samples → observations → scores → findings → metrics → verdict.

``run_async`` is the engine; ``run`` is its sync wrapper. The runner emits lifecycle events
and knows nothing of progress bars, stores or reports. An interrupted run (Ctrl-C, SIGTERM,
cancellation) still returns a result, marked ``interrupted``, holding every finished sample.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from golive import _interrupt
from golive._loop import run_main
from golive._redact import redact
from golive.config import Plan
from golive.diversity.analysis import robustness_metrics
from golive.diversity.expand import lineage
from golive.events import CaseFinished, EventBus, ObservationRecorded, RunFinished, RunStarted
from golive.execution.local import fetch_then_process
from golive.execution.observe import observe
from golive.execution.scoring import CaseScorers, ScorerPlan, Scoring, ScoringMode
from golive.failures import classify, kind_of
from golive.gates import evaluate_gates, partial
from golive.metrics import compute_metrics
from golive.registry import registry
from golive.schemas import (
    Case,
    CaseResult,
    Finding,
    Message,
    Observation,
    Request,
    RunResult,
    Score,
    ScoredObservation,
)
from golive.targets.base import Target

if TYPE_CHECKING:
    from golive.execution.cache import ResponseCache

__all__ = ["Runner", "new_run_id", "run"]


# After Ctrl-C or SIGTERM, replies already fetched are scored for this long at most, then the
# rest are left out: the interrupt is answered in bounded time however long scoring takes.
_INTERRUPT_SCORING_S = 0.5


def _load_verdict_modules() -> None:
    """Import now what the metrics need at the end (scipy: a second or more here), so that
    an interrupted run gets to its reports within 2 s of Ctrl-C."""
    import scipy.stats  # noqa: F401


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


@dataclass
class _CaseState:
    scorers: CaseScorers
    samples: dict[int, ScoredObservation] = field(default_factory=dict)

    @property
    def case(self) -> Case:
        return self.scorers.case


class Runner:
    """Runs one plan against its target. Subscribe to ``bus`` before calling ``run_async``."""

    def __init__(
        self,
        plan: Plan,
        *,
        bus: EventBus | None = None,
        run_id: str | None = None,
        scoring: ScoringMode | None = None,
        finishes_run: bool = True,
    ) -> None:
        """``scoring``: ``process`` (the default where fork exists) scores in a child process,
        off the loop that stamps reply arrivals; ``loop`` scores on it (see
        ``golive.execution.scoring``). ``finishes_run``: publish ``RunFinished`` at the end;
        False when the caller has more stages and publishes it once they are done
        (``golive.pipeline``)."""
        self.plan = plan
        self.finishes_run = finishes_run
        self.bus = bus or EventBus()
        self.run_id = run_id or new_run_id()
        self.scoring_mode = scoring
        self._scorers = ScorerPlan(plan.scorers)
        self.scorer_seconds: dict[str, float] = {}
        """Each scorer's own time in the last run, summed by name (wherever it ran)."""

    def samples_for(self, case: Case) -> int:
        """``samples`` for canonical cases; ``diversity.samples`` for variants (already many)."""
        if self.plan.diversity is not None and lineage(case) is not None:
            return self.plan.diversity.samples
        return self.plan.samples

    def _request(self, case: Case, sample: int) -> Request:
        messages: tuple[Message, ...] = case.messages()
        if self.plan.request.system_prompt and not any(m.role == "system" for m in messages):
            messages = (Message(role="system", content=self.plan.request.system_prompt), *messages)
        return Request(
            messages=messages,
            max_tokens=self.plan.request.max_tokens,
            temperature=self.plan.request.temperature,
            seed=self.plan.seed * 1000 + sample,
        )

    def config_snapshot(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = redact(self.plan.model_dump(mode="json"))
        return snapshot

    async def run_async(self, cases: Sequence[Case], target: Target | None = None) -> RunResult:
        """Run every case ``plan.samples`` times; returns even when interrupted."""
        target = target or registry.build("target", self.plan.target)
        states = {c.id: _CaseState(self._scorers.for_case(c)) for c in cases}
        finished: dict[str, CaseResult] = {}
        started_at = datetime.now(UTC)
        status = "finished"
        scoring = Scoring({k: s.scorers for k, s in states.items()}, mode=self.scoring_mode)
        try:
            # Warm, then forked before the target starts: the scoring process holds none of
            # the target's sockets, and no model loads while a reply is being timed.
            await asyncio.to_thread(_load_verdict_modules)
            await scoring.start()
            await target.start()
        except BaseException:
            await scoring.close()
            raise
        cache = None
        try:
            # An unreachable target is a finding, not a crash: say so up front, then let every
            # request record its own failure.
            problem = await target.validate()
            # After validate: the fingerprint then holds the version the target reports, so a
            # new model version also misses the response cache.
            fingerprint = target.fingerprint()
            cache = self._open_cache(fingerprint)
            measure = observe if cache is None else cache.observe
            await scoring.ready()
            self.bus.emit(
                RunStarted(
                    self.run_id,
                    sum(self.samples_for(c) for c in cases),
                    tuple(cases),
                    self.config_snapshot(),
                    fingerprint,
                    problem,
                )
            )
            work = [(c.id, s) for c in cases for s in range(self.samples_for(c))]

            async def fetch(item: tuple[str, int]) -> tuple[_CaseState, Observation]:
                case_id, sample = item
                state = states[case_id]
                observation = await measure(
                    target,
                    self._request(state.case, sample),
                    case_id=case_id,
                    sample=sample,
                    t_sched_ns=time.perf_counter_ns(),
                    timeout_s=self.plan.timeout,
                    max_output_chars=self.plan.max_output_chars,
                )
                return state, observation

            # Scoring runs in one consumer, off the request slots (a slot is refilled as soon
            # as its reply is in) and, through ``scoring``, off this loop: the loop that
            # stamps reply arrivals only waits for the scores.
            async def one(entry: tuple[_CaseState, Observation]) -> None:
                state, observation = entry
                case_id, sample = observation.case_id, observation.sample
                scored = await self._score(scoring, observation, state)
                state.samples[sample] = scored
                self.bus.emit(ObservationRecorded(self.run_id, state.case, scored))
                if len(state.samples) == self.samples_for(state.case):
                    finished[case_id] = await self._finish_case(scoring, state)
                    self.bus.emit(CaseFinished(self.run_id, finished[case_id]))

            requests = fetch_then_process(
                work, fetch, one, self.plan.concurrency, drain_s=_INTERRUPT_SCORING_S
            )
            if await _interrupt.cancel_on_signal(requests):  # Ctrl-C, SIGTERM, cancel()
                status = "interrupted"
        finally:
            if cache is not None:
                cache.close()
            try:
                await target.close()
            finally:
                await scoring.close()
                self.scorer_seconds = dict(scoring.seconds)
        results = []
        for case in cases:
            if case.id in finished:
                results.append(finished[case.id])
            elif states[case.id].samples:  # partial case of an interrupted run: keep its samples
                state = states[case.id]
                results.append(
                    CaseResult(case, tuple(state.samples[k] for k in sorted(state.samples)))
                )
        canonical = [r for r in results if lineage(r.case) is None]
        metrics = compute_metrics(canonical)
        metrics.update(robustness_metrics(results, seed=self.plan.seed))
        result = RunResult(
            run_id=self.run_id,
            status=status,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            target=fingerprint,
            config=self.config_snapshot(),
            cases=tuple(results),
            metrics=metrics,
            verdict=partial(evaluate_gates(self.plan.gates, metrics), status),
        )
        if self.finishes_run:
            self.bus.emit(RunFinished(result))
        return result

    def _open_cache(self, fingerprint: dict[str, str]) -> ResponseCache | None:
        spec = self.plan.cache
        if spec is None or not spec.enabled:
            return None
        from golive.execution.cache import ResponseCache, target_identity

        identity = target_identity(fingerprint, self.plan.target.model_dump(mode="json"))
        return ResponseCache(spec.dir, identity)

    async def _score(
        self, scoring: Scoring, observation: Observation, state: _CaseState
    ) -> ScoredObservation:
        scores: tuple[Score, ...] = ()
        if observation.ok:
            _interrupt.pause_at("scoring")  # test seam: a reply is being scored
            scores = await scoring.score(state.case.id, observation)
        return ScoredObservation(observation, scores, tuple(classify(observation, scores)))

    async def _finish_case(self, scoring: Scoring, state: _CaseState) -> CaseResult:
        samples = tuple(state.samples[k] for k in sorted(state.samples))
        ok = [s.observation for s in samples if s.observation.ok]
        case_scores = await scoring.score_case(state.case.id, ok)
        findings = tuple(
            Finding(s.mode, kind_of(s.mode).value, s.reason)
            for s in case_scores
            if s.passed is False and s.mode is not None
        )
        return CaseResult(state.case, samples, tuple(case_scores), findings)


def run(plan: Plan, cases: Sequence[Case], *, bus: EventBus | None = None) -> RunResult:
    """Sync wrapper over ``Runner.run_async``."""
    return run_main(Runner(plan, bus=bus).run_async(cases))
