"""The literal prefilter: what it extracts, and that skipping searches changes no finding."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.detectors import pii as recognizers
from golive.detectors._regex_heads import required_literals
from golive.guard import _injection_heuristics as heuristics
from golive.scan.probes import build_attack_cases
from golive.scan.spec import ScanSpec

DATA = Path(__file__).parents[2] / "data"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\b(?:ignore|forget) all", {"ignore", "forget"}),
        (r"(?:abc)?xyz\b", {"xyz"}),  # an optional group is not required
        (r"(?:ab|cd)ef+ghij", {"ghij"}),  # the longest required run wins
        (r"(?:reveal|show)+ prompt", {" prompt"}),
        (r"(?:ignore)? previous?", {" previou"}),
        (r"(?<![\w-])sk-[A-Za-z0-9]{20,}", {"sk-"}),  # lookarounds are zero-width
        (r"(?:忽略|无视)[^。]{0,12}(?:指令|指示)", {"忽略", "无视"}),  # 2 CJK chars: a word
    ],
)
def test_extracts_the_required_literals(pattern: str, expected: set[str]) -> None:
    assert required_literals(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [
        r"a|bcd",  # one alternative has no literal of 3 characters
        r"\d{3}-\d{4}",
        r"(?i)ignore previous",  # case-insensitive: the text's case is not the pattern's
        r"(?:unclosed group",  # not a pattern at all: no prefilter, the search reports it
    ],
)
def test_none_where_no_literal_is_safe_to_demand(pattern: str) -> None:
    assert required_literals(pattern) is None
    assert required_literals("ignore previous", re.IGNORECASE) is None


@given(st.text(alphabet="abcdefgh xyz-", max_size=40))
@settings(max_examples=300, deadline=None)
def test_every_match_contains_a_required_literal(text: str) -> None:
    for pattern in (r"\b(?:abc|bad)e? (?:fa|ce)de", r"x(?:yza|zya)+b?", r"(?:hgf|ab c)-?d"):
        heads = required_literals(pattern)
        assert heads is not None
        for m in re.finditer(pattern, text):
            assert any(h in m.group(0) for h in heads), (pattern, m.group(0))


def _unfiltered_scan(text: str) -> list[tuple[tuple[str, str], float]]:
    best: dict[tuple[str, str], float] = {}
    for label, variant in heuristics.variants(text):
        for name, weight, rx, _ in heuristics._COMPILED:
            if weight > best.get((name, label), 0.0) and rx.search(variant):
                best[(name, label)] = weight
        if label in ("plain", "obfuscated") and heuristics._COMPACT.search(
            heuristics.compact(variant)
        ):
            best[("compact", label)] = max(best.get(("compact", label), 0.0), 0.85)
    return sorted(best.items())


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in (DATA / "injection_labelled.jsonl").open()]
    for case in build_attack_cases(ScanSpec(per_category=25), seed=3):
        if isinstance(case.input, str):
            texts.append(case.input)
        else:  # planted-PII probes: a conversation
            texts += [str(m.content) for m in case.input]
    return texts


def test_the_prefilter_changes_no_heuristic_finding() -> None:
    texts = _texts()
    assert len(texts) > 400
    hits = 0
    for text in texts:
        fast = sorted(((h.pattern, h.variant), h.weight) for h in heuristics.scan(text))
        assert fast == _unfiltered_scan(text), text[:80]
        hits += bool(fast)
    assert hits > 150  # the comparison covered texts that do match, not only misses


def test_the_prefilter_changes_no_api_key_finding() -> None:
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
    texts = [json.loads(line)["text"] for line in (DATA / "pii_labelled.jsonl").open()]
    for head in ("sk-", "sk-proj-", "sk_live_", "AKIA", "ghp_", "github_pat_", "xoxb-", "AIza",
                 "eyJ", "Bearer "):  # fmt: skip
        body = "".join(rng.choice(alphabet) for _ in range(64))
        texts.append(f"key {head}{body} and eyJ{body[:12]}.eyJ{body[12:24]}.{body[24:40]}")
    found = 0
    for text in texts:
        fast = list(recognizers._api_keys(text))
        slow = [
            (m.start(), m.end())
            for pattern, _, reason in recognizers._KEY_SHAPES
            for m in pattern.finditer(text)
            if reason == "JWT" or recognizers._looks_random(m.group(0))
        ]
        assert [(s.start, s.end) for s in fast] == slow, text[:80]
        found += len(fast)
    assert found >= 20
