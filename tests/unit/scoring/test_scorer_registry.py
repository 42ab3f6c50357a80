"""Every built-in scorer registers, and the plan-level defaults build without arguments."""

from __future__ import annotations

import golive.scoring
from golive.config import DEFAULT_SCORERS
from golive.registry import registry
from golive.scoring import SampleSetScorer, Scorer

KINDS = {
    "exact", "contains", "not_contains", "regex", "json_schema", "length",
    "refusal", "language", "semantic", "consistency", "leaks",
}  # fmt: skip


def test_all_kinds_registered_with_descriptions() -> None:
    names = set(registry.names("scorer"))
    assert names >= KINDS
    assert all(registry.get("scorer", k).description for k in KINDS)


async def test_defaults_build_with_no_arguments_and_skip_when_not_applicable(build) -> None:
    from golive.schemas import Case, Message, Observation, Request

    case = Case(id="c", input="hi")
    request = Request(messages=(Message(role="user", content="hi"),))
    out = Observation("c", 0, request, "hello there", 0, 0)
    for spec in DEFAULT_SCORERS:
        scorer = build(spec["kind"])
        if scorer.scope == "case":
            assert isinstance(scorer, SampleSetScorer)
            score = await scorer.score_samples([out], case)
        else:
            assert isinstance(scorer, Scorer)
            score = await scorer.score(out, case)
        # No reference, one sample, short text: only leaks applies, and it passes.
        assert score.passed is (True if spec["kind"] == "leaks" else None), spec


def test_public_surface() -> None:
    exported = {n for n in dir(golive.scoring) if not n.startswith("_")}
    modules = {
        "base",
        "match",
        "structure",
        "refusal",
        "language",
        "semantic",
        "consistency",
        "leaks",
    }
    assert exported - modules == set(golive.scoring.__all__)
