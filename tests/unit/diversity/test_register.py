"""Register mutators: the same question in another voice, still answerable."""

from __future__ import annotations

import random

import pytest

from golive.diversity._text import data_lines
from golive.diversity.base import Mutation, Mutator
from golive.registry import registry


def build(name: str, **args: object) -> Mutator:
    parsed = registry.parse("mutator", {"kind": name, **args}, field="test")
    built = registry.build("mutator", parsed)
    assert isinstance(built, Mutator) and built.family == "register"
    return built


def run(name: str, text: str, seed: int = 0, **args: object) -> Mutation:
    out = build(name, **args).mutate(text, random.Random(seed))
    assert out is not None, f"{name} did not apply to {text!r}"
    return out


def test_slang_abbreviates_longest_phrases_first() -> None:
    out = run("slang", "I don't know why you need my password, please help. Thanks!", rate=1.0)
    assert out.text.startswith("idk y u need my ")
    assert any(f" {pw}, " in out.text for pw in ("pw", "pwd"))
    assert any(f"{p} help" in out.text for p in ("pls", "plz"))
    assert out.text.endswith(("thx!", "thnx!"))
    assert out.params["changed"] == 6


def test_slang_keeps_shouting_in_capitals_and_skips_plain_text() -> None:
    assert run("slang", "THANK YOU", rate=1.0).text in ("TY", "THX")
    assert build("slang").mutate("Dark mode?", random.Random(0)) is None


@pytest.mark.parametrize("seed", range(6))
def test_fragments_drop_function_words_but_keep_negations_and_numbers(seed: int) -> None:
    out = run("fragments", "Why is my card not charged for the 2 seats?", seed)
    kept = out.text.lower()
    for word in ("why", "card", "not", "charged", "2", "seats"):
        assert word in kept
    for gone in (" is ", " my ", " the ", " for "):
        assert gone not in f" {kept} "


def test_fragments_keep_word_order() -> None:
    # "reset password how?" / "maximum size attachment what?" read as machine reordering
    outs = {run("fragments", "How do I reset my password?", seed).text for seed in range(10)}
    assert outs == {"how reset password?"}
    for seed in range(10):
        out = run("fragments", "What is the maximum size of an attachment?", seed).text
        assert out.startswith("what") and not out.rstrip("?").endswith("what")
    # "How long" is one question; it must stay together.
    assert all(
        run("fragments", "How long do I have to ask for a refund?", s).text.startswith("how long")
        for s in range(10)
    )


def test_fragments_need_something_left() -> None:
    assert build("fragments").mutate("Is it?", random.Random(0)) is None
    assert build("fragments").mutate("Refund policy", random.Random(0)) is None


def test_run_on_keeps_the_question_and_adds_a_bundled_one() -> None:
    out = run("run_on", "How do I cancel my subscription?")
    assert out.params["added"] in data_lines("support_questions.txt")
    assert "cancel my subscription" in out.text
    assert out.params["added"].lower() in out.text.lower()
    assert out.params["order"] in ("before", "after")


@pytest.mark.parametrize("seed", range(6))
def test_angry_adds_frustration_but_keeps_the_words(seed: int) -> None:
    text = "How do I cancel my subscription?"
    out = run("angry", text, seed)
    assert out.params["preamble"] in out.text
    assert "how do i cancel my subscription" in out.text.lower()
    assert out.params["shouted"] in ("cancel", "subscription")
    assert out.params["shouted"].upper() in out.text
    assert "!" in out.params["ending"]


def test_polite_wraps_the_question_unchanged() -> None:
    out = run("polite", "how do i delete my account")
    assert "how do i delete my account?" in out.text
    assert out.text.startswith(out.params["opening"])
    assert out.text.endswith(out.params["closing"])


def test_chatter_puts_small_talk_first() -> None:
    out = run("chatter", "How do I export a note to PDF?", 1)
    assert out.text.startswith(out.params["chatter"])
    assert out.params["chatter"] in data_lines("chatter.txt")
    assert out.text.lower().endswith("how do i export a note to pdf?")


@pytest.mark.parametrize("name", ["run_on", "angry", "polite", "chatter"])
def test_wrappers_skip_empty_input(name: str) -> None:
    assert build(name).mutate("   \n", random.Random(0)) is None


@pytest.mark.parametrize("name", ["slang", "fragments", "run_on", "angry", "polite", "chatter"])
def test_register_mutators_are_invariant_and_deterministic(name: str) -> None:
    m = build(name)
    assert (m.family, m.expectation) == ("register", "invariant")
    text = "I don't know how do I change the email on my account, please help"
    assert m.mutate(text, random.Random(5)) == m.mutate(text, random.Random(5))


@pytest.mark.parametrize("name", ["slang", "fragments", "run_on", "angry", "polite", "chatter"])
@pytest.mark.parametrize(
    "text",
    ["¿Cuánto cuesta el plan Plus al mes?", "Wie kann ich meine Notizen als PDF exportieren?"],
)
def test_register_mutators_leave_other_languages_alone(name: str, text: str) -> None:
    # An English preamble would change the language the reply is expected in.
    assert build(name).mutate(text, random.Random(0)) is None
