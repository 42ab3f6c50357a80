"""The proxy's side of origin: which messages of a chat request are documents, and how the
guard runner checks them (in order, origin passed on, stopping at the first block)."""

from __future__ import annotations

from typing import Any

import pytest

from golive.guard._proxy_body import documents, last_user, untrusted
from golive.guard._proxy_offload import GuardRunner
from golive.guard.base import Action, Decision, Origin, Stage
from golive.guard.chain import GuardChain


class Recording:
    name = "recording"
    stages: tuple[Stage, ...] = ("input",)

    def __init__(self) -> None:
        self.seen: list[tuple[str, Origin]] = []

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        self.seen.append((text, origin))
        return Decision(Action.BLOCK if "attack" in text else Action.ALLOW, guard=self.name)


def test_tool_function_and_untrusted_messages_are_documents() -> None:
    messages: list[Any] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Summarise these."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]},  # no text
        {"role": "tool", "tool_call_id": "c", "content": "page one"},
        {"role": "function", "name": "lookup", "content": [{"type": "text", "text": "row"}]},
        {"role": "user", "name": "untrusted", "content": "an e-mail"},
        {"role": "user", "name": "untrusted_web", "content": "a page"},
        {"role": "system", "name": "untrusted-rag", "content": "a passage"},
        {"role": "user", "name": "untrustedly", "content": "Jo's own words"},
        "not a message",
    ]
    assert documents(messages) == [
        (3, "page one"), (4, "row"), (5, "an e-mail"), (6, "a page"), (7, "a passage")
    ]  # fmt: skip
    # The user's text is the last user message not marked untrusted.
    assert last_user(messages) == 8
    assert last_user(messages[:8]) == 1


def test_only_the_name_field_marks_a_message_untrusted() -> None:
    assert untrusted({"role": "user", "name": "untrusted"})
    assert untrusted({"role": "user", "name": "untrusted-web"})
    assert not untrusted({"role": "user", "name": "Untrusted"})  # exactly as documented
    assert not untrusted({"role": "user", "name": 7})
    assert not untrusted({"role": "user", "content": "untrusted"})
    assert documents([{"role": "user", "content": "hi"}]) == []


@pytest.mark.parametrize("inline_chars", [10_000, 0])  # on the loop; in the thread
async def test_check_all_passes_origin_in_order_and_stops_at_the_first_block(
    inline_chars: int,
) -> None:
    recording = Recording()
    runner = GuardRunner({"input": GuardChain([recording])}, inline_chars=inline_chars,
                         processes=0)  # fmt: skip
    await runner.start()
    try:
        texts = ["page one", "an attack", "never checked"]
        outcomes = await runner.check_all("input", texts, stage="input", origin="document")
        user = await runner.check("input", "a question", stage="input")
    finally:
        await runner.close()
    assert [o.decision.action for o in outcomes] == [Action.ALLOW, Action.BLOCK]
    assert recording.seen == [
        ("page one", "document"), ("an attack", "document"), ("a question", "user")
    ]  # fmt: skip
    assert user.decision.action == Action.ALLOW


async def test_an_oversized_document_is_blocked_unscanned() -> None:
    recording = Recording()
    chain = GuardChain([recording], max_chars=5)
    runner = GuardRunner({"input": chain}, inline_chars=0, processes=0)
    await runner.start()
    try:
        (outcome,) = await runner.check_all("input", ["far too long"], stage="input",
                                            origin="document")  # fmt: skip
    finally:
        await runner.close()
    assert outcome.decision.action == Action.BLOCK and outcome.decision.guard == "oversized"
    assert recording.seen == []
