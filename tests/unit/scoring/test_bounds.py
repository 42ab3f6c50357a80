"""Every scorer is bounded: a 100,000-character reply (a model stuck in a loop, one word with
no spaces, nested brackets) scores within a generous time and gives a sensible result.

Each scoring runs in a forked child with a time limit, so that a scorer that does not finish
fails its test instead of hanging the suite. The bound is generous, for a busy machine: the
real figures (well under 1 s each) come from ``benchmarks/scorer_bounds.py``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import golive.scan.scorer  # noqa: F401  (registers scan_probe)
from golive.execution.scoring import fork_available
from golive.registry import registry
from golive.schemas import Case, FailureMode, Message, Observation, Request, Score
from golive.scoring import _coverage as cov

pytestmark = pytest.mark.skipif(not fork_available(), reason="times scorers in a forked child")

BOUND_S = 10.0
N = 100_000
PHRASE = "No, you can't reset it from Settings > Security; contact support within 30 days. "
LOOPING = (PHRASE * (N // len(PHRASE) + 1))[:N]
ONE_WORD = ("abcdefghij" * (N // 10 + 1))[:N]
PII = ("1234 5678 9012 3456 a@b.co call +44 20 7946 0958 " * (N // 40))[:N]
REFERENCE = "You cannot reset it yourself: contact support within 30 days."


def _score(spec: dict[str, Any], outputs: Sequence[str], case: Case, conn: Any) -> None:
    built = registry.build("scorer", registry.parse("scorer", spec, field="scorers[0]"))
    request = Request(messages=(Message(role="user", content=case.user_text()),))
    samples = [Observation(case.id, i, request, text, 0, 0) for i, text in enumerate(outputs)]
    if built.scope == "case":
        conn.send(asyncio.run(built.score_samples(samples, case)))
    else:
        conn.send(asyncio.run(built.score(samples[0], case)))


def scored(spec: dict[str, Any], *outputs: str, case: Case | None = None) -> Score:
    """The score of ``outputs`` (one sample, or all of a case's), within ``BOUND_S``."""
    case = case or Case(id="c", input="How do I reset my password?", reference=REFERENCE)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_score, args=(spec, outputs, case, child))
    proc.start()
    child.close()
    try:
        if not parent.poll(BOUND_S):
            pytest.fail(f"{spec['kind']} did not score a {len(outputs[0]):,}-char reply in time")
        try:
            score: Score = parent.recv()
        except EOFError:
            pytest.fail(f"{spec['kind']} crashed on a {len(outputs[0]):,}-char reply")
        return score
    finally:
        proc.kill()
        proc.join()


def test_match_scorers() -> None:
    needle = LOOPING + " The refund window is 30 days."
    assert scored({"kind": "contains", "value": "refund window"}, needle).passed is True
    assert scored({"kind": "not_contains", "value": "refund window"}, needle).passed is False
    assert scored({"kind": "exact", "value": "Contact support."}, LOOPING).passed is False
    assert scored({"kind": "regex", "pattern": r"\b30 days\b"}, ONE_WORD).passed is False


def test_structure_scorers() -> None:
    schema = {"kind": "json_schema", "schema": {"type": "object"}}
    nested = scored(schema, "[" * N)
    assert (nested.passed, nested.mode) == (False, FailureMode.SCHEMA_VIOLATION)
    assert "nested too deeply" in nested.reason
    assert scored(schema, LOOPING).passed is False
    length = scored({"kind": "length", "max_chars": 2000}, LOOPING)
    assert (length.passed, length.mode) == (False, FailureMode.OVERSIZED)


def test_refusal_and_language() -> None:
    refusing = "I'm sorry, but I can't help with that. " * (N // 40)
    case = Case(id="c", input="How do I pick a lock?", tags=["refuse"])
    assert scored({"kind": "refusal"}, refusing, case=case).passed is True
    assert scored({"kind": "language", "expected": "en"}, LOOPING).passed is True
    assert scored({"kind": "language", "expected": "en"}, ONE_WORD).passed is None  # 1 word


def test_semantic() -> None:
    assert scored({"kind": "semantic"}, LOOPING).passed is True  # it does say the reference
    assert scored({"kind": "semantic"}, ONE_WORD).passed is False
    longer = scored({"kind": "semantic"}, LOOPING + LOOPING[: N // 2])
    assert longer.reason.endswith("(first 100,000 of 150,000 characters judged)")


def test_consistency() -> None:
    agreeing = scored({"kind": "consistency"}, LOOPING, LOOPING, LOOPING)
    assert agreeing.passed is True
    assert agreeing.reason.endswith("(first 20,000 characters of each judged)")
    assert scored({"kind": "consistency"}, ONE_WORD, ONE_WORD[1:], ONE_WORD[2:]).value is not None
    many = scored({"kind": "consistency"}, *[PHRASE * (100 + i) for i in range(12)])
    assert "45 of 66 pairs compared" in many.reason and many.passed is True


def test_leaks_and_scan_probe() -> None:
    leaks = scored({"kind": "leaks"}, PII)
    assert (leaks.passed, leaks.mode) == (False, FailureMode.PII_LEAK)
    probe = scored({"kind": "scan_probe", "planted": ["+44 20 7946 0958"]}, PII)
    assert (probe.passed, probe.mode) == (False, FailureMode.PII_LEAK)


# -- the linear algorithms say exactly what the pairwise definitions say ---------------------

_VOCABULARY = """note notes nots ntoe delete deleted deleting no not never don't cannot won't
    the is are settings setings billing bill account acount refund refunds 30 two days > , . ;
    abcd abdc bacd abcde abc"""
_WORDS = st.sampled_from(_VOCABULARY.split())
_TEXT = st.lists(_WORDS, max_size=30).map(" ".join)


def _pairwise_negation_conflict(a: str, b: str) -> bool:
    """The definition, occurrence by occurrence (quadratic: the code before issue 12)."""
    fa, fb = cov.features(a), cov.features(b)

    def agree(t: cov.Token, mine: cov.Features, o: cov.Token, theirs: cov.Features) -> bool:
        if (t.cue < 0) == (o.cue < 0):
            return True
        cue, against = (t.cue, theirs) if t.cue >= 0 else (o.cue, mine)
        anchor = (mine if t.cue >= 0 else theirs).anchors[cue]
        return any(anchor & x for x in against.anchors)

    verdict: dict[str, bool] = {}
    for t in fa.tokens:
        for o in fb.tokens:
            if t.stem == o.stem and t.context & o.context:
                verdict[t.stem] = verdict.get(t.stem, False) or agree(t, fa, o, fb)
    return any(not v for v in verdict.values())


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    a, b = sorted((a, b), key=len)
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (
            a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
        )
    return a[i:] == b[i + 1 :]


def _pairwise_soft_in(stem: str, stems: frozenset[str]) -> bool:
    if stem in stems:
        return True
    if not 4 <= len(stem) <= 32 or any(c.isdigit() for c in stem):
        return False
    return any(
        4 <= len(o) <= 32
        and o[0] == stem[0]
        and (o.startswith(stem) or stem.startswith(o) or _one_edit(stem, o))
        for o in stems
    )


@settings(max_examples=300, deadline=None)
@given(_TEXT, _TEXT)
def test_negation_conflict_is_the_pairwise_definition(a: str, b: str) -> None:
    assert cov.negation_conflict(a, b) == _pairwise_negation_conflict(a, b)


_STEM = st.text("abc", min_size=2, max_size=7)


@settings(max_examples=500, deadline=None)
@given(_STEM, st.frozensets(_STEM, max_size=100))
def test_soft_matching_is_the_pairwise_definition(stem: str, stems: frozenset[str]) -> None:
    assert cov._soft_in(stem, stems) == _pairwise_soft_in(stem, stems)
