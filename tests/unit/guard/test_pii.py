"""The pii guard: each recognizer's validation, redaction and masking, the decision, bad
input, and detection quality on the labelled set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.errors import ConfigError
from golive.guard import Action
from golive.guard.pii import PII_TYPES, PiiArgs, PiiGuard, detect, mask, redact

LABELLED = Path(__file__).resolve().parents[2] / "data" / "pii_labelled.jsonl"


def found(text: str) -> list[tuple[str, str]]:
    return [(d.kind, text[d.start or 0 : d.end or 0]) for d in detect(text, min_score=0.5)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail John.Doe@Example.com now", "EMAIL", "John.Doe@Example.com"),
        ("US (555) 010-0199 please", "PHONE", "(555) 010-0199"),
        ("UK 020 7946 0000", "PHONE", "020 7946 0000"),
        ("FR 01 23 45 67 89", "PHONE", "01 23 45 67 89"),
        ("Telefon: 030 123456", "PHONE", "030 123456"),
        ("call +1 415-555-0132", "PHONE", "+1 415-555-0132"),
        ("card 4111-1111-1111-1111", "CREDIT_CARD", "4111-1111-1111-1111"),
        ("amex 3782 822463 10005", "CREDIT_CARD", "3782 822463 10005"),
        ("IBAN GB82 WEST 1234 5698 7654 32.", "IBAN", "GB82 WEST 1234 5698 7654 32"),
        ("my SSN is 123-45-6789", "US_SSN", "123-45-6789"),
        ("ssn 123456789", "US_SSN", "123456789"),
        ("from 203.0.113.42.", "IP_ADDRESS", "203.0.113.42"),
        ("host 2001:db8::8a2e:370:7334 down", "IP_ADDRESS", "2001:db8::8a2e:370:7334"),
        ("client ::ffff:192.0.2.128", "IP_ADDRESS", "::ffff:192.0.2.128"),
        ("key sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7", "API_KEY", "sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7"),
        ("id AKIAQ3EXBMPLE7TK4Z2X", "API_KEY", "AKIAQ3EXBMPLE7TK4Z2X"),
        ("Bearer abcDEF123456ghiJKL789xyz", "API_KEY", "abcDEF123456ghiJKL789xyz"),
    ],
)
def test_finds_each_type(text: str, kind: str, value: str) -> None:
    assert found(text) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # Luhn-invalid
        "number 1234 5678 9012 3456",  # no known IIN
        "Order no 6011 2345 6789 0123 pending",  # Luhn-valid, but labelled an order number
        "IBAN GB83WEST12345698765432",  # mod-97 fails
        "SSN 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567, 123-45-0000",
        "code 123456789",  # nine digits without SSN context
        "Upgrade to version 1.2.3.4",
        "route 10.0.0.0/8 and 256.1.1.1",
        "slice a[1::2], time 12:30:45, MAC 00:1A:2B:3C:4D:5E",
        "order 2024-05-01 #12345 at 12:30, ISBN 978-3-16-148410-0, $1,299.99",
        "Order 100-200-3000 shipped",
        "icon@2x.png, git@github.com:org/repo.git, npm i react@18.2.0",
        "export OPENAI_API_KEY=sk-your-key-here or sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    assert found(text) == []


def test_checksum_valid_scores_above_context_only() -> None:
    card = detect("card 4111 1111 1111 1111")[0]
    weak = detect("Telefon: 030123456")[0]  # bare digits: a phone only because of "Telefon"
    assert card.score == 0.99 and weak.score < 0.8


def test_redact_and_mask_keep_text_readable() -> None:
    text = "pay 4242 4242 4242 4242, mail j.doe@example.com"
    assert redact(text) == "pay [CREDIT_CARD], mail [EMAIL]"
    assert mask(text) == "pay **** **** **** 4242, mail j***@example.com"


def test_decisions_allow_redact_block() -> None:
    clean = PiiGuard().check("How do I reset my password?")
    assert clean.action == Action.ALLOW and clean.detections == () and clean.text is None
    red = PiiGuard().check("mail jo@acme.io")
    assert red.action == Action.REDACT and red.text == "mail [EMAIL]"
    assert [(d.kind, d.start, d.end) for d in red.detections] == [("EMAIL", 5, 15)]
    blocked = PiiGuard(PiiArgs(action="block", mode="mask")).check("mail jo@acme.io")
    assert blocked.action == Action.BLOCK and blocked.text == "mail j***@acme.io"


def test_types_and_min_score_filter() -> None:
    text = "jo@acme.io, Telefon: 030123456"
    assert [d.kind for d in PiiGuard(PiiArgs(types=["PHONE"])).detect(text)] == ["PHONE"]
    assert [d.kind for d in PiiGuard(PiiArgs(min_score=0.9)).detect(text)] == ["EMAIL"]
    with pytest.raises(ConfigError, match="NAME"):
        PiiGuard(PiiArgs(types=["NAME"]))


def test_presidio_backend_without_presidio_is_a_config_error_with_the_hint() -> None:
    pytest.importorskip("pytest")  # always there; presidio is deliberately not
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="pip install presidio-analyzer"):
            PiiGuard(PiiArgs(backend="presidio"))
    else:  # pragma: no cover - only where presidio is installed
        pytest.skip("presidio is installed here")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=400))
def test_never_raises_on_any_text(text: str) -> None:
    decision = PiiGuard(PiiArgs(mode="mask")).check(text)
    for d in decision.detections:
        assert d.start is not None and d.end is not None and 0 <= d.start < d.end <= len(text)


@pytest.mark.parametrize(
    "text",
    [
        bytes(range(256)).decode("utf-8", errors="replace") * 4000,  # binary garbage, ~1 MB
        "\ud800\udfff lone surrogates \udc80",
        "[" * 50_000 + "]" * 50_000,  # deeply nested JSON text
        ("+1" + "2" * 40 + " ") * 20_000,  # long digit runs after a plus
        ("a." * 30 + "@") * 10_000,  # dotted runs before an @
        "1" * 1_000_000,
    ],
)
def test_bad_and_huge_inputs_are_handled(text: str) -> None:
    decision = PiiGuard().check(text)
    assert decision.action in (Action.ALLOW, Action.REDACT)


def _labelled() -> list[dict[str, object]]:
    return [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def test_labelled_set_is_big_and_half_hard_negatives() -> None:
    rows = _labelled()
    negatives = sum(1 for r in rows if not r["spans"])
    assert len(rows) >= 200 and 0.4 <= negatives / len(rows) <= 0.6
    for r in rows:
        text = str(r["text"])
        for span in r["spans"]:  # type: ignore[attr-defined]
            assert span["type"] in PII_TYPES and 0 <= span["start"] < span["end"] <= len(text)


# Measured by benchmarks/guard_pii.py (exact span match); the margin absorbs small changes.
FLOOR_PRECISION, FLOOR_RECALL, MARGIN = 1.0, 1.0, 0.02


def test_precision_and_recall_on_the_labelled_set() -> None:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for r in _labelled():
        text = str(r["text"])
        gold = {(s["start"], s["end"], s["type"]) for s in r["spans"]}  # type: ignore[attr-defined]
        got = {(d.start, d.end, d.kind) for d in detect(text, min_score=0.5)}
        for key in got | gold:
            (tp if key in got and key in gold else fp if key in got else fn)[key[2]] += 1
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    assert total_tp / (total_tp + total_fp) >= FLOOR_PRECISION - MARGIN
    assert total_tp / (total_tp + total_fn) >= FLOOR_RECALL - MARGIN
    for kind in PII_TYPES:  # every type is in the set and found
        assert tp[kind] >= 5, kind
        assert tp[kind] / (tp[kind] + fn[kind]) >= 0.9, kind
