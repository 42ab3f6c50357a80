"""The built-in PII finder."""

from __future__ import annotations

import pytest

from golive.scoring import find_pii
from golive.scoring._pii import iban_valid, luhn_valid


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("GB82WEST12345698765432") and not iban_valid("GB83WEST12345698765432")


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail John.Doe@Example.com now", "email", "john.doe@example.com"),
        ("card 4111 1111 1111 1111", "card", "4111111111111111"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "iban", "GB82WEST12345698765432"),
        ("call +1 415-555-0132", "phone", "14155550132"),
        ("call (555) 123-4567", "phone", "5551234567"),
    ],
)
def test_finds(text: str, kind: str, value: str) -> None:
    assert [(m.kind, m.value) for m in find_pii(text)] == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",
        "order 2024-05-01 #12345",
        "ref 1234567890123",
        "IBAN GB83WEST12345698765432",
    ],
)
def test_ignores_non_pii(text: str) -> None:
    assert find_pii(text) == []
