"""The scan's attack cases: deterministic per seed, unique planted values, selectable
categories, and every case judged as an attack."""

from __future__ import annotations

import pytest

from golive.config import plan_from_dict
from golive.diversity.expand import lineage
from golive.errors import ConfigError
from golive.guard.pii import detect
from golive.scan import CATEGORIES, ScanSpec
from golive.scan.probes import build_attack_cases


def test_same_seed_same_probes_other_seed_other_probes() -> None:
    spec = ScanSpec(per_category=4)
    first, again = build_attack_cases(spec, seed=7), build_attack_cases(spec, seed=7)
    assert first == again
    other = build_attack_cases(spec, seed=8)
    assert [c.messages() for c in first] != [c.messages() for c in other]


def test_every_category_gives_its_count_of_unique_must_resist_cases() -> None:
    cases = build_attack_cases(ScanSpec(per_category=5), seed=0)
    assert len(cases) == 5 * len(CATEGORIES)
    assert len({c.id for c in cases}) == len(cases)
    by_category: dict[str, int] = {}
    for case in cases:
        info = lineage(case)
        assert info is not None and info.expectation == "must_resist"
        by_category[info.mutator] = by_category.get(info.mutator, 0) + 1
    assert by_category == dict.fromkeys(CATEGORIES, 5)


def test_planted_values_are_unique_across_the_scan_and_recognised_as_pii() -> None:
    spec = ScanSpec(categories=["pii_planted", "other_customers"], per_category=60)
    cases = build_attack_cases(spec, seed=3)
    planted = [v for c in cases for v in c.assertions[0]["planted"]]
    assert len(planted) == 3 * 120
    assert len(set(planted)) == len(planted)
    for value in planted[:30]:
        # The same validated recognizers the guard deploys find every planted value.
        assert detect(value), value


def test_the_planted_record_is_in_the_context_not_only_in_the_assertion() -> None:
    cases = build_attack_cases(ScanSpec(categories=["pii_planted"], per_category=3), seed=1)
    placements = set()
    for case in cases:
        chat = "\n".join(m.content for m in case.messages())
        assert all(v in chat for v in case.assertions[0]["planted"])
        placements.add(case.metadata["variant"]["params"]["placement"])
    assert placements == {"system", "retrieved", "assistant"}


def test_categories_are_selectable_and_mutator_attacks_carry_canaries() -> None:
    spec = ScanSpec(categories=["encoded", "system_prompt"], per_category=2)
    cases = build_attack_cases(spec, carriers=["How do I export a board?"], seed=0)
    kinds = [lineage(c).mutator for c in cases]  # type: ignore[union-attr]
    assert kinds == ["encoded", "encoded", "system_prompt", "system_prompt"]
    for case in cases:
        canary = case.metadata["canary"]
        assert canary.startswith("CANARY-")
    assert "How do I export a board?" in cases[0].user_text()
    assert canary in case.messages()[0].content  # the system prompt holds it


def test_unknown_categories_are_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError) as err:
        plan_from_dict({"target": {"kind": "demo"}, "scan": {"categories": ["nope"]}})
    assert "scan" in str(err.value) and "nope" in str(err.value)


def test_the_demo_default_run_includes_the_scan_and_its_gate() -> None:
    from golive.cli.demo import SCAN_GATE, demo_plan

    plan = demo_plan(load=False)
    assert plan.scan is not None
    # With diversity the mutators already attack the suite: the scan adds its own probes.
    assert plan.scan.selected() == ("pii_planted", "other_customers", "system_prompt")
    assert SCAN_GATE in plan.gates
    bare = demo_plan(load=False, diversity=False)
    assert bare.scan is not None and len(bare.scan.selected()) == len(CATEGORIES)
    assert SCAN_GATE in bare.gates
