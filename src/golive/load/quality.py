"""Quality under load: the replies sampled during each level, scored like the quality suite.

The engine keeps a bounded sample of replies per level, spread over it (``LevelResult.samples``).
When the prompts came from a suite, each sampled reply is scored with the run's sample-scope
scorers plus its case's assertions, and classified by ``golive.failures.classify`` exactly as
the runner does; a failed request is a failed sample (its failure mode is the finding). The
answer per level: pass rate (Wilson CI), truncated share, failures by mode, so a report shows
whether answers get cut, fail or degrade as the load grows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from golive.defaults import DEFAULT_SCORERS
from golive.execution.scoring import ScorerPlan, score_sample
from golive.failures import classify
from golive.load.spec import LoadSpec
from golive.registry import ComponentArgs, registry
from golive.schemas import (
    Case,
    FailureMode,
    LevelQuality,
    LevelResult,
    LoadResult,
    Metric,
    Observation,
    ObservationError,
    Request,
    ResponseSample,
    Score,
)
from golive.stats import wilson_interval

__all__ = ["QualityScoring", "prompt_cases", "quality_json", "quality_metrics"]

_TRUNCATED_FINISH = "length"


def _default_scorers() -> list[ComponentArgs]:
    return [
        registry.parse("scorer", spec, field=f"scorers[{i}]")
        for i, spec in enumerate(DEFAULT_SCORERS)
    ]


@dataclass
class QualityScoring:
    """Scores a level's sampled replies against ``cases`` (prompt i was asked from case i)."""

    cases: Sequence[Case]
    scorers: Sequence[ComponentArgs] | None = None  # None: golive's default scorers
    baseline: Mapping[str, float] | None = None  # case id -> its pass share in the quality run

    def __post_init__(self) -> None:
        # The runner's plan: the same scorers for the same case. Only the sample-scope ones
        # score here; consistency and the like look across samples of one case.
        specs = self.scorers if self.scorers is not None else _default_scorers()
        self._plan = ScorerPlan(specs)

    async def score(self, level: LevelResult, prompts: Sequence[Request]) -> LevelQuality | None:
        """The level's quality, or None when it kept no samples or the prompts had no cases."""
        if not self.cases or not level.samples:
            return None
        passed = truncated = 0
        failures: Counter[str] = Counter()
        n = 0
        expected: list[float] = []
        for i, sample in enumerate(level.samples):
            if sample.prompt_index >= len(self.cases) or sample.prompt_index >= len(prompts):
                continue
            case = self.cases[sample.prompt_index]
            if self.baseline is not None and case.id in self.baseline:
                expected.append(self.baseline[case.id])
            observation = _observation(case, i, prompts[sample.prompt_index], sample)
            scores: list[Score] = []
            if observation.ok:  # as the runner scores on its loop: one scorer call at a time
                scores = await score_sample(self._plan.for_case(case), observation)
            findings = classify(observation, scores)
            n += 1
            passed += not findings
            failures.update({f.mode.value for f in findings})
            cut = sample.error == FailureMode.TRUNCATED or sample.finish_reason == _TRUNCATED_FINISH
            truncated += cut
        if n == 0:
            return None
        base = sum(expected) / len(expected) if expected and len(expected) == n else None
        return LevelQuality(n, passed, truncated, dict(failures), base)


def prompt_cases(spec: LoadSpec, suite_cases: Sequence[Case] | None) -> list[Case] | None:
    """The cases behind ``load_prompts(spec, …)``'s prompts, in the same order: the prompts
    file when it is a suite, else the suite's cases; None when the prompts are plain text."""
    path = spec.prompts
    if path is None:
        return list(suite_cases) if suite_cases else None
    if path.suffix in (".jsonl", ".yaml", ".yml", ".json"):
        from golive.suite import load_suite

        return list(load_suite(path).cases)
    return None


def _observation(case: Case, i: int, request: Request, sample: ResponseSample) -> Observation:
    error = None
    if sample.error is not None:
        error = ObservationError(sample.error, f"{sample.error.value} under load")
    return Observation(
        case_id=case.id,
        sample=i,
        request=request,
        output=sample.output,
        t_sched_ns=sample.t_sched_ns,
        t_send_ns=sample.t_sched_ns,
        finish_reason=sample.finish_reason,
        error=error,
    )


def quality_json(quality: LevelQuality) -> dict[str, Any]:
    """The ``quality`` entry of a level in summary.json."""
    low, high = wilson_interval(quality.passed, quality.n)
    return {
        "pass_rate": {"value": quality.passed / quality.n, "ci": [low, high], "n": quality.n},
        "truncated_share": quality.truncated / quality.n,
        "failures": dict(sorted(quality.failures.items())),
        "baseline_pass_rate": quality.baseline_pass_rate,
    }


def quality_metrics(load: LoadResult) -> dict[str, Metric]:
    """``load.quality_pass_rate@c=N`` (Wilson CI) and ``load.quality_truncated_share@c=N``."""
    out: dict[str, Metric] = {}
    for level in load.levels:
        q = level.quality
        if q is None or q.n == 0:
            continue
        key = level.key
        name = f"load.quality_pass_rate@{key}"
        out[name] = Metric(name, q.passed / q.n, wilson_interval(q.passed, q.n), q.n)
        name = f"load.quality_truncated_share@{key}"
        out[name] = Metric(name, q.truncated / q.n, None, q.n)
    return out
