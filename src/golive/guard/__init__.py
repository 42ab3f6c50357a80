"""Runtime guardrails: PII, prompt injection, input validation and output checks.

``chain.check(text, origin="document")`` checks content the application did not write (a
retrieved page, an e-mail, a tool's output) as such: see ``Origin``.
"""

from golive.guard.base import Action, Decision, Detection, Guard, GuardArgs, Origin, Stage

__all__ = ["Action", "Decision", "Detection", "Guard", "GuardArgs", "Origin", "Stage"]
