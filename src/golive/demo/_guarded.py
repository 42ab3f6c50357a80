"""The hardened demo: the same flawed assistant behind golive.guard, as a user would deploy it.

``--hardened`` changes nothing in the assistant itself. An input chain (``validate``, ``pii``,
``injection``) checks the user's message before the model sees it, and an output chain
(``output_pii``, ``leak`` with the system prompt and its canary, ``language_match``) checks
the reply before any of it leaves. The chains are built from ``HARDENED_GUARDS``, the same
``ProxyConfig`` that ``golive proxy --config guard.yaml`` reads, so what the demo shows is
what golive.guard does for the user's own application. The app reacts to the decisions the
way an application using the library would: a block becomes a refusal, a redaction is what
the model sees or what the user gets, and a language mismatch is re-asked once in the
user's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from golive.demo._responder import CANARY, SYSTEM_PROMPT, ChatMessage, Reply, Responder
from golive.detectors.language import detect_language
from golive.guard.base import Action, Decision
from golive.guard.config import ProxyConfig

__all__ = ["BLOCKED_REPLY", "HARDENED_GUARDS", "GuardedResponder"]

# What `golive proxy --config guard.yaml` would apply to this app, as a guard.yaml:
#   input: [validate, pii, injection]
#   output: [output_pii, {kind: leak, system_prompt: "...", canaries: [CANARY-NIMBUS-7731]},
#            language_match]
HARDENED_GUARDS = ProxyConfig(
    input=["validate", "pii", "injection"],
    output=[
        "output_pii",
        {"kind": "leak", "system_prompt": SYSTEM_PROMPT, "canaries": [CANARY]},
        "language_match",
    ],
)
BLOCKED_REPLY = (
    "I'm sorry, but I can't help with that request: it was stopped by a safety check. "
    "I'm happy to help with any question about Nimbus Notes."
)
_BLOCKED = Reply(BLOCKED_REPLY, "refusal")
# Languages the assistant can be asked to reply in (its phrase book).
_REASK_LANGUAGES = frozenset({"en", "es", "fr", "de"})


@dataclass(frozen=True, slots=True)
class Guarded:
    """A reply and the guard decisions behind it (``reasked``: re-asked in the user's
    language after a mismatch)."""

    reply: Reply
    input: Decision | None
    output: Decision | None
    reasked: bool = False


class GuardedResponder:
    """The demo assistant with golive.guard's input and output chains around it."""

    def __init__(self, responder: Responder, config: ProxyConfig = HARDENED_GUARDS) -> None:
        self.responder = responder
        self.input_chain, self.output_chain = config.chains()
        for chain in (self.input_chain, self.output_chain):
            if chain is not None:
                chain.warm()  # the corpus index and the language detector: not on a request

    def reply(self, messages: Sequence[ChatMessage], request_seed: int | None = None) -> Reply:
        """The guarded reply to the last user message of a chat."""
        return self.guarded(messages, request_seed).reply

    def guarded(self, messages: Sequence[ChatMessage], request_seed: int | None = None) -> Guarded:
        """The guarded reply with the decisions that shaped it."""
        chat = list(messages)
        last = next((i for i in range(len(chat) - 1, -1, -1) if chat[i][0] == "user"), None)
        user = chat[last][1] if last is not None else ""
        checked_in: Decision | None = None
        if last is not None and self.input_chain is not None:
            checked_in = self.input_chain.check(user, stage="input")
            if checked_in.action == Action.BLOCK:
                return Guarded(_BLOCKED, checked_in, None)
            if checked_in.text is not None:  # the model only ever sees the redacted text
                chat[last] = ("user", checked_in.text)
        reply = self.responder.reply(chat, request_seed)
        checked_out = self._check_output(reply, user)
        reasked = False
        language = self._reask_language(checked_out, user)
        if language is not None:
            reply = self.responder.reply(chat, request_seed, language=language)
            checked_out, reasked = self._check_output(reply, user), True
        if checked_out is None:
            return Guarded(reply, checked_in, None, reasked)
        if checked_out.action == Action.BLOCK:
            return Guarded(_BLOCKED, checked_in, checked_out, reasked)
        if checked_out.text is not None:
            reply = Reply(checked_out.text, reply.kind, reply.article_id)
        return Guarded(reply, checked_in, checked_out, reasked)

    def _check_output(self, reply: Reply, user: str) -> Decision | None:
        if self.output_chain is None:
            return None
        return self.output_chain.check(reply.text, stage="output", context=user)

    @staticmethod
    def _reask_language(decision: Decision | None, user: str) -> str | None:
        """The user's language when the output guards found the reply in another one and the
        assistant can answer in it; the app then asks once more, in that language."""
        if decision is None or decision.action == Action.BLOCK:
            return None
        if not any(d.kind == "LANGUAGE_MISMATCH" for d in decision.detections):
            return None
        language, _ = detect_language(user)
        return language if language in _REASK_LANGUAGES and language != "en" else None
