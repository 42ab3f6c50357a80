"""Language check: ``language`` flags a reply in another language than expected
(→ language_mismatch), using lingua restricted to the configured languages
(``golive.detectors.language``: one detector per language set, built on first use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from golive.detectors.language import (
    DEFAULT_LANGUAGES,
    detect_language,
    iso_language,
    warm_language,
)
from golive.registry import scorer
from golive.schemas import Case, FailureMode, Observation, Score
from golive.scoring._common import judged, skipped
from golive.scoring.base import ScorerArgs

__all__ = ["LanguageArgs", "language"]


class LanguageArgs(ScorerArgs):
    kind: Literal["language"] = "language"
    expected: str | None = None
    """ISO 639-1 code the reply must be in; None: the language of the user's message."""
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES), min_length=2)
    """Candidate languages (ISO 639-1); fewer candidates means faster, surer detection."""
    min_words: int = Field(default=3, ge=1)
    """Texts shorter than this are not judged."""
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    """lingua confidence needed to call a text's language."""

    @field_validator("expected")
    @classmethod
    def _known_expected(cls, value: str | None) -> str | None:
        if value is not None:
            iso_language(value.lower())
            return value.lower()
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        for code in value:
            iso_language(code.lower())
        return [c.lower() for c in value]


@dataclass
class _Language:
    args: LanguageArgs
    name: str = "language"
    scope: Literal["sample"] = "sample"

    @property
    def _candidates(self) -> tuple[str, ...]:
        langs = list(self.args.languages)
        if self.args.expected and self.args.expected not in langs:
            langs.append(self.args.expected)
        return tuple(langs)

    def warm(self) -> None:
        """Build the detector and load its language models (about a second, once)."""
        warm_language(self._candidates)

    def _confident(self, text: str) -> tuple[str, float] | None:
        if len(text.split()) < self.args.min_words:
            return None
        code, confidence = detect_language(text, self._candidates)
        return (code, confidence) if code and confidence >= self.args.min_confidence else None

    async def score(self, observation: Observation, case: Case) -> Score:
        a = self.args
        want = a.expected
        if want is None:
            user = self._confident(case.user_text())
            if user is None:
                return skipped(self.name, "the user's language is unclear (short or mixed)")
            want = user[0]
        if len(observation.output.split()) < a.min_words:
            return skipped(self.name, f"reply shorter than {a.min_words} words")
        got, confidence = detect_language(observation.output, self._candidates)
        if got == want:
            return judged(
                self.name,
                True,
                f"reply in {want}",
                FailureMode.LANGUAGE_MISMATCH,
                a.mode,
                value=confidence,
            )
        if confidence < a.min_confidence:
            return skipped(self.name, f"reply language unclear ({got} {confidence:.2f})")
        return judged(
            self.name,
            False,
            f"reply in {got} ({confidence:.2f}), expected {want}",
            FailureMode.LANGUAGE_MISMATCH,
            a.mode,
            value=confidence,
        )


@scorer("language", args=LanguageArgs)
def language(args: LanguageArgs) -> _Language:
    """The reply is in the expected language (by default, the user's)."""
    return _Language(args)
