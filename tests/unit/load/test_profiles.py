"""Traffic profiles: deterministic per seed, with the arrival statistics they promise."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from golive.errors import ConfigError, RegistryError
from golive.load.profiles import LevelOptions, build_profile

OPTS = LevelOptions(warmup_s=1.0, max_concurrency=4)


def gaps(spec: dict[str, object], duration: float, seed: int = 0) -> np.ndarray:
    plan = build_profile(spec).plans(duration, seed, OPTS)[0]
    assert plan.arrivals_s is not None
    return np.diff(np.asarray(plan.arrivals_s))


def test_deterministic_per_seed() -> None:
    p = build_profile({"kind": "poisson", "rate": [5.0, 20.0]})
    assert p.plans(10, 7, OPTS) == p.plans(10, 7, OPTS)
    assert p.plans(10, 7, OPTS)[0].arrivals_s != p.plans(10, 8, OPTS)[0].arrivals_s
    levels = p.plans(10, 7, OPTS)
    assert [lv.rate for lv in levels] == [5.0, 20.0] and levels[1].max_concurrency == 4


def test_poisson_mean_and_variance() -> None:
    g = gaps({"kind": "poisson", "rate": [100.0]}, 200.0)  # ~20,000 gaps
    assert g.mean() == pytest.approx(0.01, rel=0.03)
    assert g.var() / g.mean() ** 2 == pytest.approx(1.0, rel=0.06)  # CV^2 of exponential


@pytest.mark.parametrize("burstiness", [0.25, 4.0])
def test_gamma_burstiness(burstiness: float) -> None:
    g = gaps({"kind": "gamma", "rate": [100.0], "burstiness": burstiness}, 200.0)
    assert g.mean() == pytest.approx(0.01, rel=0.05)
    assert g.var() / g.mean() ** 2 == pytest.approx(burstiness, rel=0.12)


def test_constant_is_evenly_spaced() -> None:
    g = gaps({"kind": "constant", "rate": [10.0]}, 5.0)
    assert len(g) == 49 and np.allclose(g, 0.1)


def test_ramp_linear_rate_increases() -> None:
    plan = build_profile({"kind": "ramp", "from_rate": 10, "to_rate": 100, "process": "constant"})
    arrivals = np.asarray(plan.plans(10.0, 0, OPTS)[0].arrivals_s)
    assert len(arrivals) == pytest.approx(550, abs=2)  # (10 + 100) / 2 * 10 s
    first, last = (arrivals < 2).sum(), (arrivals >= 8).sum()
    assert last > 3 * first
    steps = build_profile({"kind": "ramp", "from_rate": 10, "to_rate": 30, "steps": 3})
    assert [lv.rate for lv in steps.plans(5.0, 0, OPTS)] == [10, 20, 30]


def test_closed_levels() -> None:
    plans = build_profile({"kind": "closed", "concurrency": [1, 16], "think_time_s": 0.5}).plans(
        3.0, 0, OPTS
    )
    assert [(p.concurrency, p.think_time_s, p.arrivals_s) for p in plans] == [
        (1, 0.5, None),
        (16, 0.5, None),
    ]


def test_trace_replays_times_and_prompts(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    rows = [{"t": 100.5, "prompt": "b"}, {"t": 100.0, "prompt": "a"}, {"t": 109.0, "prompt": "c"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    p = build_profile({"kind": "trace", "path": str(path)})
    (plan,) = p.plans(5.0, 0, OPTS)
    assert plan.arrivals_s == (0.0, 0.5)  # t = 109 is beyond the duration
    prompts = p.prompts()
    assert prompts is not None and plan.prompt_indices == (0, 1)
    assert [prompts[i].messages[0].content for i in plan.prompt_indices] == ["a", "b"]


def test_bad_specs_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        build_profile({"kind": "poisson", "rate": [0]})
    with pytest.raises(RegistryError):
        build_profile({"kind": "poison", "rate": [1]})
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"time": 1}\n')
    with pytest.raises(ConfigError, match="line 1"):
        build_profile({"kind": "trace", "path": str(bad)})
