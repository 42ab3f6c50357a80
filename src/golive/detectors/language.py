"""The language of a text: lingua, restricted to a set of candidate languages.

Building a lingua detector and loading its models is slow (about a second), so one detector
per language set is built on first use and shared module-wide. The ``language`` scorer and
the output and validation guards use it.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

__all__ = ["DEFAULT_LANGUAGES", "detect_language", "iso_language", "warm_language"]

DEFAULT_LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl")
# Long texts are judged on their opening: language rarely changes mid-answer, and
# lingua's cost grows with the text.
_MAX_CHARS = 1000
_detectors: dict[frozenset[str], Any] = {}
_WARM_TEXT = "How do I reset my password before the order ships?"
_lock = threading.Lock()


def iso_language(code: str) -> Any:
    """lingua's ``Language`` for an ISO 639-1 code; ValueError names an unknown code."""
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except ValueError:
        raise ValueError(f"unknown ISO 639-1 language code {code!r}") from None


def _detector(languages: frozenset[str]) -> Any:
    with _lock:
        detector = _detectors.get(languages)
        if detector is None:
            from lingua import LanguageDetectorBuilder

            detector = LanguageDetectorBuilder.from_languages(
                *(iso_language(c) for c in sorted(languages))
            ).build()
            _detectors[languages] = detector
        return detector


def detect_language(text: str, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> tuple[str, float]:
    """The most likely language of ``text`` (ISO 639-1) among ``languages``, with lingua's
    confidence in [0, 1]; ``("", 0.0)`` when nothing is detected."""
    return _detect(text[:_MAX_CHARS], tuple(languages))


def warm_language(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> None:
    """Build the detector for ``languages`` and load their models (about a second, once)."""
    # lingua loads each language's model on its first detection, not at build time.
    detect_language(_WARM_TEXT, languages)


# A case's user message is detected once per sample otherwise: lingua is the costliest
# scorer (about 0.4 ms a call), so repeated texts are answered from the cache.
@functools.lru_cache(maxsize=4096)
def _detect(text: str, languages: tuple[str, ...]) -> tuple[str, float]:
    values = _detector(frozenset(languages)).compute_language_confidence_values(text)
    if not values:
        return "", 0.0
    top = values[0]
    return str(top.language.iso_code_639_1.name.lower()), float(top.value)
