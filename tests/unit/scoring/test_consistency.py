"""The consistency scorer (scope "case")."""

from __future__ import annotations

from golive.schemas import FailureMode


async def test_agreeing_samples_pass(build, obs, case) -> None:
    s = build("consistency")
    assert s.scope == "case"
    samples = [
        obs("You can get a refund within 30 days.", sample=0),
        obs("Refunds are possible within 30 days.", sample=1),
        obs("You can get a refund within 30 days of purchase.", sample=2),
    ]
    score = await s.score_samples(samples, case())
    assert score.passed is True and score.reason.endswith("across 3 samples")


async def test_disagreeing_samples_are_inconsistent(build, obs, case) -> None:
    s = build("consistency")
    samples = [
        obs("You can get a refund within 30 days.", sample=0),
        obs("Refunds are not possible for this item.", sample=1),
        obs("Contact your bank about chargebacks.", sample=2),
    ]
    score = await s.score_samples(samples, case())
    assert (score.passed, score.mode) == (False, FailureMode.INCONSISTENT)
    assert score.reason.startswith("mean similarity ")


async def test_needs_two_answered_samples(build, obs, case) -> None:
    s = build("consistency", threshold=0.9, mode="wrong_answer")
    one = [obs("30 days"), obs("", sample=1), obs("x", sample=2, error=True)]
    score = await s.score_samples(one, case())
    assert (score.passed, score.mode) == (None, None)
    two = await s.score_samples([obs("yes"), obs("no", sample=1)], case())
    assert (two.passed, two.mode) == (False, FailureMode.WRONG_ANSWER)
