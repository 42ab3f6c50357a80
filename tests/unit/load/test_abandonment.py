"""The abandonment curve and its application to a level's queue-inclusive TTFT."""

from __future__ import annotations

import pytest

from golive.load.abandonment import (
    DEFAULT_CURVE,
    AbandonmentCurve,
    abandonment_summary,
    level_abandonment,
)
from golive.schemas import ClientHealth, FailureMode, LevelResult, RequestRecord

S = 1_000_000_000


def level(
    waits_s: list[float],
    *,
    errors: int = 0,
    send_delay_s: float = 0.0,
    valid: bool = True,
    concurrency: int | None = 4,
) -> LevelResult:
    records = [
        RequestRecord(0, 0, int(send_delay_s * S), (int(w * S),), int(w * S) + 1, 1, "usage")
        for w in waits_s
    ]
    records += [RequestRecord(0, 0, 0, (), 1, None, "none", FailureMode.TIMEOUT)] * errors
    records.append(RequestRecord(0, 0, 0, (), 1, None, "none", FailureMode.TIMEOUT, warmup=True))
    return LevelResult(
        0,
        concurrency,
        None if concurrency else 2.5,
        "t",
        1.0,
        tuple(records),
        ClientHealth(0, 0, 0, valid),
    )


@pytest.mark.parametrize(
    ("wait_s", "expected"),
    [
        (0.2, 0.0),
        (1.0, 0.0),
        (2.0, 0.265),
        (3.0, 0.53),
        (4.0, 0.60),
        (5.0, 0.67),
        (9.0, 0.95),
        (20.0, 1.0),
    ],
)
def test_default_curve_follows_the_issue_figures(wait_s: float, expected: float) -> None:
    assert DEFAULT_CURVE.probability(wait_s) == pytest.approx(expected)


def test_curve_is_monotone_and_bounded() -> None:
    ps = [DEFAULT_CURVE.probability(t / 10) for t in range(0, 200)]
    assert ps == sorted(ps) and ps[0] >= 0.0 and ps[-1] == 1.0


def test_custom_curves_are_checked() -> None:
    step = AbandonmentCurve(points=((0.5, 0.0), (0.6, 1.0)))
    assert step.probability(0.55) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="increasing"):
        AbandonmentCurve(points=((2.0, 0.1), (1.0, 0.2)))
    with pytest.raises(ValueError, match="within"):
        AbandonmentCurve(points=((1.0, 1.5),))


def test_level_share_uses_queue_inclusive_ttft_and_counts_errors_as_lost() -> None:
    # Two users wait 3 s from when they asked (the client sent late: the queue counts).
    result = level_abandonment(level([3.0, 3.0, 0.5], errors=1, send_delay_s=0.4))
    assert result.requests == 4  # the warm-up request is excluded
    assert result.from_wait == pytest.approx(2 * 0.53 / 4)
    assert result.from_errors == pytest.approx(0.25)
    assert result.lost == pytest.approx(result.from_wait + result.from_errors)


def test_summary_keys_levels_like_gates_and_marks_capacity() -> None:
    levels = [
        level([0.1] * 4, concurrency=4),
        level([5.0] * 4, concurrency=8),
        level([9.0] * 4, concurrency=16, valid=False),
        level([0.1], concurrency=None),
    ]
    summary = abandonment_summary(levels, capacity=4)
    assert summary == {"c=4": 0.0, "c=8": pytest.approx(0.67), "r=2.5": 0.0, "at_capacity": 0.0}
    assert "at_capacity" not in abandonment_summary(levels)
