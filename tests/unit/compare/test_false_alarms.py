"""Honest statistics: A/A comparisons on the demo rarely fail the gate; a real drop does.

What is simulated, and why it is honest: the per-sample pass probability of every demo case
is measured once, from a real run of the bundled demo application with the default scorers
(10 samples per case, each with its own request seed, as the runner sends them). Runs are
then drawn from those probabilities: each case's 3 samples pass independently with its
measured probability. An A/A pair is two such runs of the same unchanged system: the noise
the gate must tolerate is exactly the sample noise of the real demo, flaky cases included.
Independent draws are the harder case: two real runs with the same seed would reproduce
the same answers and agree exactly. Everything is seeded, so the rates below are fixed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from compare_fakes import observations, run_row
from golive.compare import compare_runs

ALPHA = 0.05
# A/A: 500 pairs. The binomial standard error of a 5% rate over 500 pairs is 1 point;
# the tolerance is about two of them.
AA_PAIRS = 500
AA_TOLERANCE = 0.02
# Planted drop: the test must find it in at least 75% of the pairs (measured: 81%; A/A: 2.2%).
DROP_PAIRS = 250
MIN_DETECTION = 0.75


@pytest.fixture(scope="module")
def demo_pass_probability() -> dict[str, float]:
    from golive.config import plan_from_dict
    from golive.demo import demo_suite_path
    from golive.runner import run
    from golive.suite import load_suite

    plan = plan_from_dict(
        {"target": {"kind": "demo", "settings": {"fast": True}}, "samples": 10, "concurrency": 16},
        base_dir=Path.cwd(),
    )
    result = run(plan, load_suite(demo_suite_path()).cases)
    return {c.case.id: sum(s.passed for s in c.samples) / len(c.samples) for c in result.cases}


def draw(rng: np.random.Generator, probs: dict[str, float]) -> list[tuple[str, list[bool]]]:
    return [(case_id, [bool(x) for x in rng.random(3) < p]) for case_id, p in probs.items()]


def test_demo_has_sample_noise(demo_pass_probability: dict[str, float]) -> None:
    # The simulation is only a test of noise if the demo has some.
    noisy = [p for p in demo_pass_probability.values() if 0 < p < 1]
    assert len(demo_pass_probability) >= 40 and len(noisy) >= 5


def test_a_a_comparisons_fail_the_gate_at_most_alpha(
    demo_pass_probability: dict[str, float],
) -> None:
    rng = np.random.default_rng(20240601)
    base, head = run_row("a"), run_row("b", minutes=1)
    alarms = 0
    for i in range(AA_PAIRS):
        a = observations("a", draw(rng, demo_pass_probability))
        b = observations("b", draw(rng, demo_pass_probability))
        alarms += compare_runs(base, head, a, b, alpha=ALPHA, seed=i).regressed
    assert alarms / AA_PAIRS <= ALPHA + AA_TOLERANCE


def test_a_planted_15_point_drop_on_40_cases_is_detected(
    demo_pass_probability: dict[str, float],
) -> None:
    probs = dict(list(demo_pass_probability.items())[:40])
    # The drop is planted as regressions happen: cases that passed break. The most reliable
    # passing cases fail in head until the expected pass rate is 15 points lower.
    broken = dict(probs)
    lost = 0.0
    for case_id in sorted(probs, key=lambda k: -probs[k]):
        if lost >= 0.15 * len(probs) - 1e-9:
            break
        lost += broken[case_id]
        broken[case_id] = 0.0
    assert lost / len(probs) == pytest.approx(0.15, abs=0.02)
    rng = np.random.default_rng(7)
    base, head = run_row("a"), run_row("b", minutes=1)
    found = 0
    for i in range(DROP_PAIRS):
        a = observations("a", draw(rng, probs))
        b = observations("b", draw(rng, broken))
        c = compare_runs(base, head, a, b, alpha=ALPHA, seed=i)
        found += c.regressed
    assert c.mde.cases == 40 and c.mde.samples == 3
    assert found / DROP_PAIRS >= MIN_DETECTION
