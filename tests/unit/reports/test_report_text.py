"""Text hygiene helpers for hostile model output."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from golive.reports._text import clean, excerpt, xml_safe


def test_clean_neutralises_controls_but_keeps_layout() -> None:
    assert clean("a\x1b[31mb\x00c\x7f\x85d") == "a\ufffd[31mb\ufffdc\ufffd\ufffdd"
    assert clean("line\n\ttab\r\n") == "line\n\ttab\r\n"
    assert clean("naïve — ok 日本") == "naïve — ok 日本"


def test_excerpt_is_one_short_line() -> None:
    assert excerpt("  a\n\n b\tc  ") == "a b c"
    cut = excerpt("x" * 200, 20)
    assert len(cut) == 20 and cut.endswith("…")
    assert excerpt("\x1b[2J wipe") == "\ufffd[2J wipe"


def test_xml_safe_output_always_parses() -> None:
    hostile = "ok\x00\x01\x08\x0b\x0c\x1f\ud800\ufffe\uffff end & <tag> \x85"
    safe = xml_safe(hostile)
    assert safe == "ok end & <tag> "
    element = ET.Element("x", {"a": safe})
    element.text = safe
    parsed = ET.fromstring(ET.tostring(element, encoding="utf-8"))
    assert parsed.text == safe and parsed.get("a") == safe
