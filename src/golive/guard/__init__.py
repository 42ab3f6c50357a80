"""Runtime guardrails: PII, prompt injection, input validation and output checks.

``check(texts, guards=["pii", "injection"])`` gives each text its ``Decision`` (what
``golive guard check`` writes per line). ``chain.check(text, origin="document")`` checks
content the application did not write (a retrieved page, an e-mail, a tool's output) as
such: see ``Origin``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, overload

from golive.guard.base import Action, Decision, Detection, Guard, GuardArgs, Origin, Stage

__all__ = ["Action", "Decision", "Detection", "Guard", "GuardArgs", "Origin", "Stage", "check"]

DEFAULT_MAX_CHARS = 50_000  # as `golive guard check --max-chars`


@overload
def check(  # type: ignore[overload-overlap]  # a str is an Iterable[str] too: it comes first
    texts: str,
    *,
    guards: Sequence[str | Mapping[str, Any]] = ...,
    origin: Origin = ...,
    max_chars: int | None = ...,
) -> Decision: ...


@overload
def check(
    texts: Iterable[str],
    *,
    guards: Sequence[str | Mapping[str, Any]] = ...,
    origin: Origin = ...,
    max_chars: int | None = ...,
) -> list[Decision]: ...


def check(
    texts: str | Iterable[str],
    *,
    guards: Sequence[str | Mapping[str, Any]] = ("pii", "injection"),
    origin: Origin = "user",
    max_chars: int | None = DEFAULT_MAX_CHARS,
) -> Decision | list[Decision]:
    """Check one text (a ``Decision``) or many (a list, in order) with ``guards``.

    Args:
        texts: a text, or an iterable of texts.
        guards: guard names or specs (``{"kind": "pii", "backend": "presidio"}``).
        origin: ``"user"`` (a user's own message) or ``"document"`` (content the application
            passes on, where any instruction addressed to the assistant is an attack).
        max_chars: a longer text is blocked unscanned (one OVERSIZED detection); None: no limit.

    Raises:
        ConfigError: an unknown guard or a bad spec, or an origin other than user/document.
    """
    from golive.errors import ConfigError
    from golive.guard.chain import build_chain

    if origin not in ("user", "document"):
        raise ConfigError(f"{origin!r} is neither user nor document", field="origin")
    chain = build_chain(list(guards), max_chars=max_chars)
    if isinstance(texts, str):
        return chain.check(texts, origin=origin)
    return [chain.check(text, origin=origin) for text in texts]
