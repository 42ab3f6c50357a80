"""Runtime guardrails: PII, prompt injection, input validation and output checks."""

from golive.guard.base import Action, Decision, Detection, Guard, GuardArgs, Stage

__all__ = ["Action", "Decision", "Detection", "Guard", "GuardArgs", "Stage"]
