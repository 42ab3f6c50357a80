"""Properties every registered rule-based mutator must hold, whoever wrote it: deterministic
for a seed, never raising on any Unicode, empty or 100 kB input, fast, and (for the mutators
whose contract says so) keeping every number of the input."""

from __future__ import annotations

import random
import re
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golive.diversity.base import FAMILIES, Mutation, Mutator
from golive.diversity.expand import rule_based_names
from golive.registry import registry

NAMES = rule_based_names()
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Realistic words, numbers and punctuation: what users type, so the mutators actually apply.
_VOCABULARY = (
    "how do I reset my password their there your you're don't cannot please thanks "
    "because tomorrow café naïve Straße modern clown PDF invoice is the a to two"
)
WORDS = st.sampled_from(_VOCABULARY.split(" "))
NUMBERS = st.from_regex(r"\A(\d{1,6}|\d+\.\d+|\$\d+|\d{4}-\d{4})\Z")
PUNCT = st.sampled_from([",", ".", "?", "!", "...", " -", "'"])
SENTENCES = st.lists(st.one_of(WORDS, WORDS, NUMBERS, PUNCT), max_size=30).map(" ".join)
ANY_TEXT = st.one_of(st.text(), SENTENCES)

BIG_INPUTS = {
    "prose": (
        "How do I reset my password? I was charged $12 twice on 4111-1111, café naïve. "
        "Their cat's over there, I don't know why!\n"
    ),
    "one_word": "a",
    "dotted": "a.",
    "mixed_scripts": "Straße नमस्ते 한국어 ¿Cómo? 42 ",
}


def build(name: str) -> Any:
    return registry.build("mutator", registry.parse("mutator", {"kind": name}, field=name))


MUTATORS = {name: build(name) for name in NAMES}


def keeps_numbers(m: Any) -> bool:
    """Noise and register mutators promise it; others may opt in with ``keeps_numbers``."""
    return bool(getattr(m, "keeps_numbers", m.family in ("noise", "register")))


def check(out: Mutation | None) -> None:
    assert out is None or isinstance(out, Mutation)
    if out is not None:
        assert isinstance(out.text, str)
        assert isinstance(out.params, dict)


def test_every_family_of_mine_is_registered() -> None:
    for name in ("typos", "char_noise", "ocr", "homophones", "casing", "whitespace_punct",
                 "strip_accents", "contractions", "slang", "fragments", "run_on", "angry",
                 "polite", "chatter"):  # fmt: skip
        assert name in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_describes_itself_for_the_list(name: str) -> None:
    m = MUTATORS[name]
    assert isinstance(m, Mutator)
    assert m.name == name
    assert m.family in FAMILIES
    assert m.expectation in ("invariant", "must_resist")
    assert m.description and "\n" not in m.description
    assert m.example.strip() and "\n" not in m.example


@pytest.mark.parametrize("name", NAMES)
@PROPS
@given(text=ANY_TEXT, seed=st.integers(0, 2**63 - 1))
def test_same_seed_same_output_and_never_raises(name: str, text: str, seed: int) -> None:
    m = MUTATORS[name]
    first = m.mutate(text, random.Random(seed))
    check(first)
    assert m.mutate(text, random.Random(seed)) == first


@pytest.mark.parametrize("name", [n for n in NAMES if keeps_numbers(MUTATORS[n])])
@PROPS
@given(text=ANY_TEXT, seed=st.integers(0, 2**32))
def test_keeps_every_number(name: str, text: str, seed: int) -> None:
    out = MUTATORS[name].mutate(text, random.Random(seed))
    if out is None:
        return
    for number in re.findall(r"\d+", text):
        assert number in out.text


@pytest.mark.parametrize("name", NAMES)
def test_empty_and_blank_input(name: str) -> None:
    for text in ("", " ", "\n\t", "?"):
        check(MUTATORS[name].mutate(text, random.Random(1)))


@pytest.mark.parametrize("name", NAMES)
def test_100_kb_inputs_in_reasonable_time(name: str) -> None:
    m = MUTATORS[name]
    for kind, unit in BIG_INPUTS.items():
        text = (unit * (100_000 // len(unit) + 1))[:100_000]
        started = time.perf_counter()
        out = m.mutate(text, random.Random(7))
        took = time.perf_counter() - started
        check(out)
        # A hang or a quadratic blow-up (minutes on 100 kB), not speed: a busy machine must not
        # fail this; speed is benchmarks/perturb_speed.py's (docs/benchmarks.md).
        assert took < 30.0, f"{name} took {took:.2f}s on 100 kB of {kind}"


_RATE_PROBES = (
    "How do I reset my password? Their two phones are over there, I don't know why.",
    "I was charged twice this month, what should I do? My notes are not syncing.",
    "Where can I download my invoices? Can I read my existing notes offline on my phone?",
)


@pytest.mark.parametrize("name", NAMES)
def test_rate_is_described_as_unused_exactly_where_it_changes_nothing(name: str) -> None:
    reg = registry.get("mutator", name)
    low = reg.factory(reg.args_model(kind=name, rate=0.05))
    high = reg.factory(reg.args_model(kind=name, rate=1.0))
    same = all(
        _text(low.mutate(t, random.Random(s))) == _text(high.mutate(t, random.Random(s)))
        for t in _RATE_PROBES
        for s in range(4)
    )
    description = reg.args_model.model_fields["rate"].description or ""
    if not same:  # a mutator that reads rate must say what it is a share of
        assert not description.startswith("Not used"), description
    if description == "How much to change: share of words or chars.":
        pytest.fail("the generic rate description says nothing true")
    if same and name != "contractions":  # a per-match share the probes may not reach
        assert description.startswith("Not used"), description


def _text(m: Mutation | None) -> str | None:
    return None if m is None else m.text
