"""What ``golive demo`` runs: the quality suite, then a load test unless ``--no-load``."""

from __future__ import annotations

from golive.cli.demo import LOAD_GATES, demo_plan
from golive.demo.target import DemoArgs


def test_the_demo_includes_a_load_test_against_its_server_in_its_own_process() -> None:
    plan = demo_plan(diversity=False)
    assert plan.load is not None
    assert [plan.load.profile["kind"], plan.load.profile["concurrency"]] == ["closed", [1, 8, 32]]
    assert plan.load.slo == {"ttft_from_schedule_ms.p95": 500.0}
    assert plan.load.cold_start is not None
    target = plan.load.target_args
    # Its own process at real serving speed: the quality run's speed-up does not apply.
    assert isinstance(target, DemoArgs) and target.process and target.settings == {}
    assert set(LOAD_GATES) <= set(plan.gates)
    # duration + grace per level: the whole load test stays well under a minute.
    assert plan.load.duration * 3 <= 15


def test_no_load_skips_it() -> None:
    plan = demo_plan(load=False)
    assert plan.load is None
    assert not set(LOAD_GATES) & set(plan.gates)


def test_hardened_compares_the_guarded_demo_with_the_unguarded_one() -> None:
    plan = demo_plan(hardened=True, load=False)
    assert isinstance(plan.target, DemoArgs) and plan.target.hardened
    assert plan.scan is not None
    unguarded = plan.scan.unguarded_args
    # The same app and seed without the guards, at full speed (only its answers are compared).
    assert isinstance(unguarded, DemoArgs) and not unguarded.hardened
    assert unguarded.seed == plan.target.seed and unguarded.settings == {"fast": True}
    assert demo_plan(load=False).scan.unguarded is None  # type: ignore[union-attr]
