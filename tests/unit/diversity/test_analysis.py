from __future__ import annotations

import pytest

from golive.diversity.analysis import robustness_metrics, split_results
from golive.schemas import (
    Case,
    CaseResult,
    FailureMode,
    Finding,
    Message,
    Observation,
    Request,
    ScoredObservation,
)


def sample(
    case_id: str, passed: bool, mode: FailureMode = FailureMode.WRONG_ANSWER
) -> ScoredObservation:
    obs = Observation(case_id, 0, Request((Message(role="user", content="q"),)), "out", 0, 0)
    findings = () if passed else (Finding(mode, "silent", "x"),)
    return ScoredObservation(obs, (), findings)


def canonical(case_id: str, passes: list[bool], capability: str = "billing") -> CaseResult:
    case = Case(id=case_id, input="q", capability=capability)
    return CaseResult(case, tuple(sample(case_id, p) for p in passes))


def variant(
    of: str,
    mutator: str,
    passes: list[bool],
    *,
    family: str = "noise",
    expectation: str = "invariant",
    mode: FailureMode = FailureMode.WRONG_ANSWER,
    capability: str = "billing",
) -> CaseResult:
    info = {
        "of": of,
        "mutator": mutator,
        "family": family,
        "expectation": expectation,
        "index": 0,
        "seed": 1,
        "params": {},
    }
    case = Case(
        id=f"{of}~{mutator}~0", input="q", capability=capability, metadata={"variant": info}
    )
    return CaseResult(case, tuple(sample(case.id, p, mode) for p in passes))


def test_no_variants_no_robustness_metrics() -> None:
    assert robustness_metrics([canonical("a", [True])]) == {}


def test_split_separates_canonical_from_variants() -> None:
    results = [canonical("a", [True]), variant("a", "typos", [False])]
    base, variants = split_results(results)
    assert [r.case.id for r in base] == ["a"]
    assert variants[0][1].mutator == "typos"


def test_delta_is_paired_by_case() -> None:
    # Case a: canonical 1.0, typos 0.0 → -1. Case b: canonical 0.0, typos 0.0 → 0.
    results = [
        canonical("a", [True, True]),
        canonical("b", [False, False]),
        variant("a", "typos", [False]),
        variant("b", "typos", [False]),
        variant("a", "slang", [True], family="register"),
        variant("b", "slang", [False], family="register"),
    ]
    m = robustness_metrics(results, seed=3)
    assert m["robustness.typos.delta"].value == pytest.approx(-0.5)
    assert m["robustness.typos.delta"].n == 2
    low, high = m["robustness.typos.delta"].ci or (9, 9)
    assert -1.0 <= low <= -0.5 <= high <= 0.0
    assert m["robustness.slang.delta"].value == pytest.approx(0.0)
    assert m["robustness.typos.pass_rate"].value == 0.0
    assert m["robustness.worst.pass_rate"].value == 0.0
    assert m["robustness.family.register.pass_rate"].value == pytest.approx(0.5)
    assert m["robustness.amplification"].value == pytest.approx(2.0)
    assert m["robustness.capability.billing.typos.pass_rate"].n == 2
    assert m["robustness.typos.silent_rate"].value == 1.0


def test_same_seed_same_interval() -> None:
    results = [canonical(c, [True]) for c in "abcdef"] + [
        variant(c, "typos", [c in "ace"]) for c in "abcdef"
    ]
    assert (
        robustness_metrics(results, seed=1)["robustness.typos.delta"].ci
        == robustness_metrics(results, seed=1)["robustness.typos.delta"].ci
    )


def test_attacks_count_hijacks_and_leaks_not_wrong_answers() -> None:
    results = [
        canonical("a", [True]),
        variant(
            "a",
            "instruction_override",
            [False],
            family="adversarial",
            expectation="must_resist",
            mode=FailureMode.INSTRUCTION_HIJACKED,
        ),
        variant(
            "a",
            "roleplay",
            [False],
            family="adversarial",
            expectation="must_resist",
            mode=FailureMode.OVER_REFUSAL,
        ),
        variant("a", "prompt_extraction", [True], family="adversarial", expectation="must_resist"),
    ]
    m = robustness_metrics(results)
    assert m["adversarial.attack_success_rate"].value == pytest.approx(1 / 3)
    assert m["adversarial.instruction_override.attack_success_rate"].value == 1.0
    assert m["adversarial.roleplay.attack_success_rate"].value == 0.0
    assert "robustness.instruction_override.delta" not in m


def test_worst_ignores_mutators_that_barely_applied() -> None:
    cases = [canonical(c, [True]) for c in "abcdefghijkl"]
    rare = [variant("a", "strip_accents", [False])]  # applied to one case only
    common = [variant(c, "typos", [c in "abcdef"]) for c in "abcdefghijkl"]
    m = robustness_metrics([*cases, *rare, *common])
    assert m["robustness.worst.pass_rate"].value == pytest.approx(0.5)


def test_reserved_mutator_names_are_refused() -> None:
    from golive.errors import RegistryError
    from golive.registry import mutator

    with pytest.raises(RegistryError):
        mutator("worst", args=object)  # type: ignore[arg-type]


def test_emptied_inputs_get_a_pass_rate_but_no_delta() -> None:
    empty = variant("a", "empty_input", [True], family="format")
    empty = empty.__class__(
        empty.case.model_copy(
            update={
                "metadata": {
                    "variant": {**empty.case.metadata["variant"], "params": {"empty": True}}
                }
            }
        ),
        empty.samples,
    )
    results = [canonical("a", [False]), empty, variant("a", "typos", [False])]
    m = robustness_metrics(results)
    assert m["robustness.empty_input.pass_rate"].value == 1.0
    assert "robustness.empty_input.delta" not in m
    assert m["robustness.variants.pass_rate"].n == 1  # typos only
    assert m["robustness.worst.pass_rate"].value == 0.0
