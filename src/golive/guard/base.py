"""The guard contract: a guard inspects a text (an input before the model, or an output
after it) and returns a decision with its detections.

Decisions are ordered by severity: allow < redact < escalate < block. A chain of guards takes
the most severe decision; redactions compose (each guard sees the previous one's text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal, Protocol, runtime_checkable

from golive.registry import ComponentArgs

__all__ = ["Action", "Decision", "Detection", "Guard", "GuardArgs", "Origin", "Stage"]

Stage = Literal["input", "output"]
# Who wrote an input: the user (or the application), or a third party whose content the
# application passes on (retrieved documents, web pages, emails, tool output). An instruction
# is normal in a user's message and an attack inside a document.
Origin = Literal["user", "document"]


class Action(IntEnum):
    """What to do with the text; higher is more severe."""

    ALLOW = 0
    REDACT = 1
    ESCALATE = 2  # let it through but flag it for a human
    BLOCK = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Detection:
    """One finding. ``start``/``end`` are character offsets into the text the guard saw
    (None when the finding is about the whole text, e.g. an injection score)."""

    kind: str  # e.g. EMAIL, CREDIT_CARD, IBAN, US_SSN, PHONE, IP_ADDRESS, API_KEY, INJECTION
    score: float  # 0..1 confidence
    start: int | None = None
    end: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    detections: tuple[Detection, ...] = ()
    text: str | None = None  # the redacted text when action is REDACT
    guard: str = ""
    reasons: tuple[str, ...] = field(default=())
    # The guard's own score where it has one (injection), also when it allowed the text: users
    # draw their own ROC from it.
    score: float | None = None


class GuardArgs(ComponentArgs):
    """Options every guard takes; subclasses narrow ``kind`` and add their own."""


@runtime_checkable
class Guard(Protocol):
    name: str
    stages: tuple[Stage, ...]  # where it can run

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        """Inspect ``text``. ``context`` is the other side (the input, when checking an
        output): needed for language match and echo checks. ``origin`` says who wrote an
        input (see ``Origin``). Must never raise on any input."""
        ...
