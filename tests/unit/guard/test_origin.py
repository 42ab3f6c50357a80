"""An input's origin (user or document) reaches every guard of a chain, and the guards that
do not care ignore it."""

from __future__ import annotations

import golive.guard
from golive.guard import Action, Decision, Detection, Origin, Stage
from golive.guard.chain import GuardChain
from golive.guard.output import LeakArgs, LeakGuard
from golive.guard.pii import PiiGuard
from golive.guard.validation import ValidateArgs, ValidateGuard


class Recording:
    """Notes the origin of every call; redacts ``SECRET`` without saying how (opaque)."""

    stages: tuple[Stage, ...] = ("input", "output")

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self.origins: list[Origin] = []

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        self.origins.append(origin)
        if "SECRET" in text:
            return Decision(Action.REDACT, (Detection("WORD", 1.0),), text.replace("SECRET", "#"))
        return Decision(Action.ALLOW, guard=self.name)


class Legacy:
    """A guard written before the contract had ``origin``."""

    name = "legacy"
    stages: tuple[Stage, ...] = ("input",)

    def __init__(self) -> None:
        self.calls = 0

    def check(self, text: str, *, stage: Stage = "input", context: str | None = None) -> Decision:
        self.calls += 1
        return Decision(Action.BLOCK if "attack" in text else Action.ALLOW, guard=self.name)


def test_the_chain_passes_origin_to_every_guard() -> None:
    first, second = Recording("first"), Recording("second")
    chain = GuardChain([first, second])
    chain.check("a page", origin="document")
    chain.check_detailed("a question")
    chain.check_detailed("a reply", stage="output", origin="document")
    assert first.origins == second.origins == ["document", "user", "document"]


def test_an_opaque_redactor_run_again_gets_the_same_origin() -> None:
    # Two redactors: the opaque one is run again on the other's text, with the same origin.
    opaque = Recording()
    decision = GuardChain([PiiGuard(), opaque]).check("jo@acme.io SECRET", origin="document")
    assert decision.text is not None and "SECRET" not in decision.text
    assert "jo@acme.io" not in decision.text
    assert opaque.origins == ["document", "document"]


def test_a_guard_without_the_origin_keyword_still_runs() -> None:
    legacy, recording = Legacy(), Recording()
    chain = GuardChain([legacy, recording])  # type: ignore[list-item]  # on purpose
    outcome = chain.check_detailed("an attack", origin="document")
    assert outcome.decision.action == Action.BLOCK  # it ran: not a TypeError turned into allow
    assert not any("failed" in why for why in outcome.decision.reasons)
    assert chain.check("fine", origin="document").action == Action.ALLOW
    assert legacy.calls == 2


def test_validate_judges_only_the_characters_of_a_document() -> None:
    guard = ValidateGuard(ValidateArgs(max_chars=10, languages=["en"]))
    assert guard.check("").action == Action.BLOCK
    assert guard.check("", origin="document").action == Action.ALLOW  # a tool returned nothing
    assert guard.check("x" * 11).action == Action.BLOCK
    assert guard.check("x" * 11, origin="document").action == Action.ALLOW
    hidden = guard.check("ok\u200bok", origin="document")
    assert hidden.action == Action.REDACT and hidden.text == "okok"


def test_guards_that_do_not_care_give_the_same_decision_for_both_origins() -> None:
    text = "mail jo@acme.io, the key is CANARY-42"
    pii = PiiGuard()
    assert pii.check(text).action == Action.REDACT
    assert pii.check(text) == pii.check(text, origin="document")
    leak = LeakGuard(LeakArgs(canaries=["CANARY-42"]))
    assert leak.check(text, stage="output").action == Action.BLOCK
    assert leak.check(text, stage="output") == leak.check(text, stage="output", origin="document")


def test_origin_is_public() -> None:
    assert "Origin" in golive.guard.__all__
    assert golive.guard.Origin is Origin
