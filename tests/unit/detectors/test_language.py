"""The language detector (lingua, one detector per language set) that the ``language`` scorer
and the output and validation guards share."""

from __future__ import annotations

import pytest

from golive.detectors import language as detection
from golive.detectors.language import detect_language, iso_language, warm_language

ES = "Puede obtener un reembolso dentro de los treinta días posteriores a su compra."


def test_detect_language_on_long_text() -> None:
    code, confidence = detect_language(ES)
    assert code == "es" and confidence > 0.8


def test_detection_is_among_the_candidates_only() -> None:
    code, _ = detect_language(ES, ("en", "de"))
    assert code in ("en", "de")


def test_an_unknown_code_is_named() -> None:
    with pytest.raises(ValueError, match="'xx'"):
        iso_language("xx")


def test_warm_builds_the_detector_for_the_language_set() -> None:
    key = frozenset(["en", "fi"])
    detection._detectors.pop(key, None)
    detection._detect.cache_clear()  # a cached answer would skip the detector
    warm_language(("en", "fi"))
    assert key in detection._detectors
