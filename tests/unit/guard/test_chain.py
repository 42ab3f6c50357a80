"""GuardChain: severity, offsets into the original text, composed redactions, timing, specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from golive.errors import ConfigError
from golive.guard import Action, Decision, Detection, GuardArgs, Origin, Stage
from golive.guard.chain import GuardChain, build_chain
from golive.guard.pii import PiiArgs, PiiGuard
from golive.registry import guard


class ShoutArgs(GuardArgs):
    kind: Literal["test_shout"] = "test_shout"
    word: str = "SECRET"
    """The word to redact (opaquely: this guard does not say how, only the new text)."""


@dataclass
class Shout:
    """Test guard: redacts one word without exposing per-span replacements."""

    args: ShoutArgs
    name: str = "test_shout"
    stages: tuple[Stage, ...] = ("input",)

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        i = text.find(self.args.word)
        if i < 0:
            return Decision(Action.ALLOW, guard=self.name)
        det = Detection("WORD", 1.0, i, i + len(self.args.word))
        return Decision(Action.REDACT, (det,), text.replace(self.args.word, "###"), self.name)


guard("test_shout", args=ShoutArgs)(Shout)


@dataclass
class Blocker:
    name: str = "blocker"
    stages: tuple[Stage, ...] = ("input",)

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        hit = "attack" in text
        dets = (Detection("INJECTION", 0.97 if hit else 0.1),)
        return Decision(Action.BLOCK if hit else Action.ALLOW, dets, guard=self.name)


@dataclass
class Broken:
    name: str = "broken"
    stages: tuple[Stage, ...] = ("input", "output")

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        raise RuntimeError("bug")


TEXT = "mail jo@acme.io, SECRET, card 4111 1111 1111 1111"


def test_most_severe_wins_and_detections_are_kept() -> None:
    chain = GuardChain([PiiGuard(), Blocker()])
    decision = chain.check("mail jo@acme.io: attack")
    assert decision.action == Action.BLOCK
    assert [d.kind for d in decision.detections] == ["EMAIL", "INJECTION"]
    assert chain.check("hello").action == Action.ALLOW and chain.check("hello").text is None


def test_redactions_compose_and_offsets_point_into_the_original() -> None:
    chain = GuardChain([Shout(ShoutArgs()), PiiGuard(PiiArgs(mode="mask"))])
    decision = chain.check(TEXT)
    assert decision.action == Action.REDACT
    assert decision.text == "mail j***@acme.io, ###, card **** **** **** 1111"
    spans = {d.kind: TEXT[d.start or 0 : d.end or 0] for d in decision.detections}
    assert spans == {"WORD": "SECRET", "EMAIL": "jo@acme.io", "CREDIT_CARD": "4111 1111 1111 1111"}


def test_two_span_redactors_merge_by_span() -> None:
    emails, cards = PiiArgs(types=["EMAIL"]), PiiArgs(types=["CREDIT_CARD"])
    chain = GuardChain([PiiGuard(emails), PiiGuard(cards)])
    assert chain.check(TEXT).text == "mail [EMAIL], SECRET, card [CREDIT_CARD]"


def test_per_guard_timing_and_a_broken_guard_does_not_raise() -> None:
    outcome = GuardChain([PiiGuard(), Broken()]).check_detailed(TEXT)
    assert [r.guard for r in outcome.results] == ["pii", "broken"]
    assert all(r.seconds > 0 for r in outcome.results) and outcome.seconds > 0
    assert outcome.decision.action == Action.REDACT
    assert any("broken failed" in why for why in outcome.decision.reasons)


def test_guards_for_another_stage_are_skipped() -> None:
    outcome = GuardChain([Shout(ShoutArgs()), PiiGuard()]).check_detailed(TEXT, stage="output")
    assert [r.guard for r in outcome.results] == ["pii"]


def test_build_chain_from_names_and_specs() -> None:
    chain = build_chain(["pii", {"kind": "test_shout", "word": "card"}])
    assert [g.name for g in chain.guards] == ["pii", "test_shout"]
    masked = build_chain([{"kind": "pii", "mode": "mask"}]).check("mail jo@acme.io")
    assert masked.text == "mail j***@acme.io"


def test_build_chain_errors_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"guards\[1\]\.kind"):
        build_chain(["pii", "no_such_guard"])
    with pytest.raises(ConfigError, match=r"guards\[0\]\.mode"):
        build_chain([{"kind": "pii", "mode": "scramble"}])
    with pytest.raises(ConfigError, match="at least one"):
        build_chain([])


def test_warm_builds_what_the_guards_build_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.guard import _injection_corpus

    monkeypatch.setattr(_injection_corpus, "_index", None)
    chain = build_chain(["validate", "injection"])
    chain.warm()
    assert _injection_corpus._index is not None


def test_warm_warms_each_guard_that_has_something_to_load_once() -> None:
    """A guard with ``warm()`` (the contract scorers share, golive.detectors.warm) is warmed by
    the chain, once even when it appears twice; a guard without one is left alone."""

    @dataclass
    class Loading(Blocker):
        warmed: int = 0

        def warm(self) -> None:
            self.warmed += 1

    loading = Loading()
    GuardChain([loading, PiiGuard(), loading]).warm()
    assert loading.warmed == 1
