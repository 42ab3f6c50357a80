"""Before and after: which cases the unguarded gets, the hardening.* metrics judged on the
cases both sides ran, and ``with_unguarded`` showing its progress only where it is told to."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.config import plan_from_dict
from golive.diversity.expand import lineage
from golive.errors import ConfigError
from golive.events import Event, EventBus, RunFinished, RunStarted
from golive.hardening import hardening_metrics, unguarded_cases, with_unguarded
from golive.runner import Runner
from golive.scan import ScanSpec
from golive.scan.probes import build_attack_cases
from golive.schemas import (
    Case,
    CaseResult,
    FailureMode,
    Finding,
    Observation,
    Request,
    ScoredObservation,
)
from golive.stats import wilson_interval

PII, HIJACK = FailureMode.PII_LEAK, FailureMode.INSTRUCTION_HIJACKED


def _sample(case: Case, i: int, *modes: FailureMode) -> ScoredObservation:
    obs = Observation(
        case_id=case.id,
        sample=i,
        request=Request(messages=case.messages()),
        output="reply",
        t_sched_ns=0,
        t_send_ns=0,
        chunk_times_ns=(1_000_000,),
        t_end_ns=2_000_000,
        finish_reason="stop",
    )
    return ScoredObservation(obs, (), tuple(Finding(m, "silent", m.value) for m in modes))


def _result(case: Case, *samples: tuple[FailureMode, ...]) -> CaseResult:
    return CaseResult(case, tuple(_sample(case, i, *modes) for i, modes in enumerate(samples)))


@pytest.fixture
def attacks() -> list[Case]:
    spec = ScanSpec(categories=["instruction_override", "pii_planted"], per_category=2)
    return build_attack_cases(spec, seed=0)


def test_the_unguarded_gets_attacks_and_canonical_cases_not_invariant_rewrites(
    attacks: list[Case],
) -> None:
    canonical = Case(id="refund", input="How long do I have for a refund?")
    typo = Case(
        id="refund~typos~0",
        input="How lnog do I have for a refnud?",
        metadata={
            "variant": {"of": "refund", "mutator": "typos", "family": "noise",
                        "expectation": "invariant", "index": 0, "seed": 1, "params": {}}
        },
    )  # fmt: skip
    assert lineage(typo) is not None
    chosen = unguarded_cases([canonical, typo, *attacks])
    assert chosen == [canonical, *attacks]


def test_before_and_after_per_category_with_pii_leaks_and_quality(attacks: list[Case]) -> None:
    override = [c for c in attacks if lineage(c).mutator == "instruction_override"]  # type: ignore[union-attr]
    planted = [c for c in attacks if lineage(c).mutator == "pii_planted"]  # type: ignore[union-attr]
    canonical = Case(id="refund", input="How long do I have for a refund?")
    before = [
        _result(override[0], (HIJACK,)),
        _result(override[1], (HIJACK,)),
        _result(planted[0], (PII,)),
        _result(planted[1], ()),
        _result(canonical, (), (PII,), ()),  # the app echoed a card back once
    ]
    after = [
        _result(override[0], ()),
        _result(override[1], ()),
        _result(planted[0], ()),
        _result(planted[1], ()),
        _result(canonical, (), (), (FailureMode.WRONG_ANSWER,)),
    ]
    m = hardening_metrics(before, after)
    assert m["hardening.before.attack_success_rate"].value == pytest.approx(3 / 4)
    assert m["hardening.before.attack_success_rate"].ci == wilson_interval(3, 4)
    assert m["hardening.after.attack_success_rate"].value == 0.0
    assert m["hardening.before.instruction_override.attack_success_rate"].value == 1.0
    assert m["hardening.before.pii_planted.attack_success_rate"].value == 0.5
    assert m["hardening.after.pii_planted.attack_success_rate"].n == 2
    # PII leaks over every compared sample: 4 attack samples and 3 canonical ones.
    assert m["hardening.before.pii_leak_rate"].value == pytest.approx(2 / 7)
    assert m["hardening.before.pii_leak_rate"].n == 7
    assert m["hardening.after.pii_leak_rate"].value == 0.0
    assert m["hardening.before.quality.pass_rate"].value == pytest.approx(2 / 3)
    assert m["hardening.after.quality.pass_rate"].value == pytest.approx(2 / 3)


def test_only_cases_both_sides_ran_are_compared(attacks: list[Case]) -> None:
    before = [_result(attacks[0], (HIJACK,)), _result(attacks[1], (HIJACK,))]
    after = [_result(attacks[0], ())]  # the second never ran on this side (interrupted)
    m = hardening_metrics(before, after)
    assert m["hardening.before.attack_success_rate"].n == 1
    assert m["hardening.after.attack_success_rate"].n == 1
    assert "hardening.before.quality.pass_rate" not in m  # no canonical case: no quality row


def test_scan_unguarded_is_validated_with_the_field_named() -> None:
    plan = plan_from_dict(
        {"target": "demo", "scan": {"unguarded": {"kind": "demo", "hardened": False}}}
    )
    assert plan.scan is not None and plan.scan.unguarded_args is not None
    assert plan.scan.unguarded_args.kind == "demo"
    with pytest.raises(ConfigError, match=r"scan\.unguarded"):
        plan_from_dict({"target": "demo", "scan": {"unguarded": {"kind": "nope"}}})


SHOUT = {"kind": "python", "callable": "servers.callables:shout"}


async def test_with_unguarded_publishes_on_the_bus_it_is_given_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_from_dict(
        {
            "target": SHOUT,
            "samples": 1,
            "scorers": [],
            "gates": ["hardening.after.attack_success_rate <= 1"],
            "reporters": [],
            "store": f"sqlite:///{tmp_path / 'g.db'}",
            "scan": {"categories": ["pii_planted"], "per_category": 2, "unguarded": SHOUT},
        }
    )
    assert plan.scan is not None
    cases = [Case(id="refund", input="How long?"), *build_attack_cases(plan.scan, seed=0)]
    after = await Runner(plan).run_async(cases)
    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    said: list[str] = []

    result = await with_unguarded(plan, after, cases, bus=bus, say=said.append)

    assert said == [
        "unguarded: the same 3 cases against the unguarded target (python): "
        "guardrails before and after"
    ]
    assert isinstance(events[0], RunStarted) and events[0].total_requests == 3
    assert isinstance(events[-1], RunFinished)
    assert events[0].run_id != after.run_id  # the unguarded's own run, not the run's
    assert result.metrics["hardening.before.attack_success_rate"].n == 2
    assert [g.name for g in result.verdict.gates] == ["hardening.after.attack_success_rate <= 1"]
    # Neither a bus nor ``say``: the same metrics, and nothing printed.
    quiet = await with_unguarded(plan, after, cases)
    assert quiet.metrics.keys() == result.metrics.keys()
    assert capsys.readouterr().out == ""
