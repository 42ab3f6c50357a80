"""The PII finder the ``leaks`` scorer uses: a thin view over ``golive.detectors.pii`` (the
one PII implementation, which the ``pii`` guard uses too), reporting emails, card numbers,
IBANs and phone numbers with a normalised value so a reply's PII can be compared with the
reference's.
"""

from __future__ import annotations

from dataclasses import dataclass

from golive.detectors.pii import find_spans, iban_valid, luhn_valid

__all__ = ["PiiMatch", "find_pii", "iban_valid", "luhn_valid"]

# The recognizers' types this finder reports, under the names the leaks scorer uses. Secrets,
# SSNs and IP addresses stay out: the scorer's ``pii`` option documents these four.
_KINDS = {"EMAIL": "email", "CREDIT_CARD": "card", "IBAN": "iban", "PHONE": "phone"}
_TYPES = frozenset(_KINDS)


@dataclass(frozen=True, slots=True)
class PiiMatch:
    kind: str  # "email" | "card" | "iban" | "phone"
    text: str  # as written
    value: str  # normalised (digits only, lowercased email…) for comparison


def _normalise(kind: str, text: str) -> str:
    if kind == "email":
        return text.lower()
    if kind == "iban":
        return text.replace(" ", "").upper()
    return "".join(c for c in text if c.isdigit())


def find_pii(text: str) -> list[PiiMatch]:
    """Every email, Luhn-valid card number, mod-97-valid IBAN and phone number in ``text``."""
    matches = []
    for span in find_spans(text, _TYPES):
        kind = _KINDS[span.kind]
        raw = text[span.start : span.end]
        matches.append(PiiMatch(kind, raw, _normalise(kind, raw)))
    return matches
