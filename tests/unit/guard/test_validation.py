"""Tests of the validate input guard."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from golive.guard.base import Action
from golive.guard.validation import ValidateArgs, ValidateGuard

G = ValidateGuard()


def test_empty_and_whitespace_block() -> None:
    for text in ("", "   \n\t"):
        d = G.check(text)
        assert d.action == Action.BLOCK and "empty" in d.reasons[0]


def test_too_long_blocks() -> None:
    d = ValidateGuard(ValidateArgs(max_chars=10)).check("x" * 11)
    assert d.action == Action.BLOCK and d.detections[0].kind == "TOO_LONG"


def test_invisible_stripped_or_blocked() -> None:
    text = "pay\u200b to\u202e account\x07"
    d = G.check(text)
    assert d.action == Action.REDACT and d.text == "pay to account"
    assert {x.kind for x in d.detections} == {"INVISIBLE", "BIDI"}
    blocked = ValidateGuard(ValidateArgs(invisible="block")).check(text)
    assert blocked.action == Action.BLOCK


def test_plain_text_with_newlines_allowed() -> None:
    assert G.check("hello\nworld\ttab").action == Action.ALLOW


def test_languages() -> None:
    g = ValidateGuard(ValidateArgs(languages=["en"]))
    fr = "Bonjour, je voudrais réserver une table pour deux personnes ce soir"
    assert g.check(fr).action == Action.BLOCK
    assert g.check("Hello, I would like to book a table for two tonight").action == Action.ALLOW
    assert g.check("Bonjour").action == Action.ALLOW  # too short to judge


@given(st.text(max_size=300))
@settings(max_examples=150, deadline=None)
def test_never_raises_and_deterministic(text: str) -> None:
    assert G.check(text) == G.check(text)


def test_megabyte_and_surrogates() -> None:
    assert G.check("a" * 1_000_000).action == Action.BLOCK
    assert G.check("ok \ud800 text").action in (Action.ALLOW, Action.REDACT)
