"""Quality under load: sampled replies scored like the suite, failures by mode, baseline."""

from __future__ import annotations

from golive.demo import demo_suite_path
from golive.load.quality import QualityScoring, quality_json
from golive.load.session import load_prompts
from golive.load.spec import LoadSpec
from golive.schemas import ClientHealth, FailureMode, LevelResult, ResponseSample
from golive.suite import load_suite


def _level(samples: tuple[ResponseSample, ...]) -> LevelResult:
    health = ClientHealth(lag_ms_p99=0.0, lag_ms_max=0.0, cpu_pct=1.0, valid=True)
    return LevelResult(0, 4, None, "closed", 1.0, (), health, samples=samples)


async def test_failed_and_cut_replies_count_against_the_level() -> None:
    cases = load_suite(demo_suite_path()).cases
    spec = LoadSpec.model_validate({"concurrency": [4]})
    prompts = load_prompts(spec, suite_messages=[c.messages() for c in cases])
    samples = (
        ResponseSample(0, "", None, FailureMode.TIMEOUT),
        ResponseSample(1, "Sure! Click", "length"),
        ResponseSample(len(cases) + 5, "ignored: no case behind it", "stop"),
    )
    baseline = {cases[0].id: 1.0, cases[1].id: 0.5}
    q = await QualityScoring(cases, baseline=baseline).score(_level(samples), prompts)
    assert q is not None and q.n == 2 and q.passed == 0
    assert q.failures["timeout"] == 1
    assert q.truncated == 1
    assert q.baseline_pass_rate == 0.75
    out = quality_json(q)
    assert out["pass_rate"]["value"] == 0.0 and out["pass_rate"]["n"] == 2
    low, high = out["pass_rate"]["ci"]
    assert low == 0.0 < high < 1.0
    assert out["truncated_share"] == 0.5


async def test_no_cases_or_no_samples_means_no_quality() -> None:
    spec = LoadSpec.model_validate({"concurrency": [1]})
    prompts = load_prompts(spec)
    assert (
        await QualityScoring([]).score(_level((ResponseSample(0, "x", "stop"),)), prompts) is None
    )
    cases = load_suite(demo_suite_path()).cases
    assert await QualityScoring(cases).score(_level(()), prompts) is None
