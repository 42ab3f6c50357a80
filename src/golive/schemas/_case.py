"""Cases: what the user wants tested, as written in the suite file."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["Case", "Message"]


class Message(BaseModel):
    """One chat message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user", "assistant", "tool"]
    content: str


class Case(BaseModel):
    """One test case. ``input`` is a user message or a whole chat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(
        min_length=1, description="Unique within the suite; cases match across runs by id."
    )
    input: str | list[Message] = Field(description="The user's text, or a list of chat messages.")
    reference: str | None = Field(
        default=None, description="A correct answer, for semantic scoring."
    )
    assertions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Extra checks for this case, each a scorer spec: {kind: contains, value: x}.",
    )
    tags: list[str] = Field(default_factory=list)
    capability: str = Field(
        default="general", description="What the case exercises, for per-capability rates."
    )
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("input")
    @classmethod
    def _not_empty_chat(cls, value: str | list[Message]) -> str | list[Message]:
        if isinstance(value, list) and not value:
            raise ValueError("a chat input needs at least one message")
        return value

    def messages(self) -> tuple[Message, ...]:
        """The input as chat messages."""
        if isinstance(self.input, str):
            return (Message(role="user", content=self.input),)
        return tuple(self.input)

    def user_text(self) -> str:
        """The last user message: what language checks and echo checks look at."""
        for message in reversed(self.messages()):
            if message.role == "user":
                return message.content
        return ""
