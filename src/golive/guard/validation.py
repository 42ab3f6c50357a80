"""The ``validate`` input guard: empty input, length, control/invisible characters, languages.

On a document (``origin="document"``: a tool's output, a retrieved page) only the characters
are judged: an empty tool result, a long page or one in another language is normal there, and
the chain's ``max_chars`` still bounds what is scanned. Hidden characters are stripped (or
blocked) wherever they are: they are how instructions hide in pasted content.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from golive.detectors.language import DEFAULT_LANGUAGES, detect_language
from golive.guard.base import Action, Decision, Detection, GuardArgs, Origin, Stage
from golive.registry import guard

__all__ = ["ValidateArgs", "ValidateGuard", "validate"]

# C0/C1 controls except tab, newline, carriage return; zero-width, bidi overrides/isolates,
# word joiners, BOM, soft hyphen, Mongolian vowel separator, tag characters.
_BAD = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


class ValidateArgs(GuardArgs):
    """Options of the input validation guard."""

    kind: Literal["validate"] = "validate"
    max_chars: int = Field(default=32_000, ge=1)
    """Longest accepted input, in characters."""
    invisible: Literal["block", "strip", "allow"] = "strip"
    """Control, zero-width and bidi-override characters: block the input, strip them (redact
    with the cleaned text), or let them through."""
    languages: list[str] | None = None
    """Allowed languages (ISO 639-1 codes); None accepts any language."""
    min_chars_for_language: int = Field(default=24, ge=1)
    """Language is only judged on inputs at least this long (short texts are ambiguous)."""


class ValidateGuard:
    """Reject empty or over-long inputs, clean invisible characters, enforce languages."""

    name = "validate"
    stages: tuple[Stage, ...] = ("input",)

    def __init__(self, args: ValidateArgs | None = None) -> None:
        self.args = args or ValidateArgs()

    def _block(self, reason: str, *dets: Detection) -> Decision:
        return Decision(Action.BLOCK, dets, guard=self.name, reasons=(reason,))

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        a = self.args
        document = origin == "document"
        if not text.strip() and not document:
            return self._block("empty or whitespace-only input", Detection("EMPTY", 1.0))
        if len(text) > a.max_chars and not document:
            return self._block(
                f"input longer than {a.max_chars} characters ({len(text)})",
                Detection("TOO_LONG", 1.0),
            )
        cleaned = _SURROGATE.sub("\ufffd", text)
        bad = [m.span() for m in _BAD.finditer(cleaned)] if a.invisible != "allow" else []
        dets = tuple(
            Detection(
                "BIDI" if _BIDI.match(cleaned, s) else "INVISIBLE",
                1.0,
                s,
                e,
                reason=f"U+{ord(cleaned[s]):04X}",
            )
            for s, e in bad[:100]
        )
        if bad:
            if a.invisible == "block":
                return self._block(f"{len(bad)} control or invisible characters", *dets)
            cleaned = _BAD.sub("", cleaned)
            if not cleaned.strip():
                return self._block("only control or invisible characters", *dets)
        if a.languages and not document and len(cleaned.strip()) >= a.min_chars_for_language:
            lang = self._language(cleaned)
            if lang is not None and lang not in a.languages:
                return self._block(
                    f"language {lang!r} not in {a.languages}",
                    Detection("LANGUAGE", 1.0, reason=lang),
                )
        if bad:
            return Decision(
                Action.REDACT,
                dets,
                text=cleaned,
                guard=self.name,
                reasons=(f"stripped {len(bad)} control or invisible characters",),
            )
        return Decision(Action.ALLOW, guard=self.name)

    def _language(self, text: str) -> str | None:
        candidates = tuple(sorted(set(DEFAULT_LANGUAGES) | set(self.args.languages or ())))
        try:
            lang, confidence = detect_language(text, candidates)
        except ValueError:  # an unknown ISO code in the args
            return None
        return lang if lang and confidence >= 0.5 else None


@guard("validate", args=ValidateArgs)
def validate(args: ValidateArgs) -> ValidateGuard:
    """Input validation: empty input, length, control/invisible characters, languages."""
    return ValidateGuard(args)
