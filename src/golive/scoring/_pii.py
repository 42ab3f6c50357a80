"""A small built-in PII finder: emails, payment card numbers (Luhn), phone numbers, IBANs
(mod-97). Checksums keep random digit runs (order ids, timestamps) from counting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PiiMatch", "find_pii", "iban_valid", "luhn_valid"]

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# A leading + or a grouped layout; 9 to 15 digits (E.164 allows 15).
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?!\w)"
)


@dataclass(frozen=True, slots=True)
class PiiMatch:
    kind: str  # "email" | "card" | "iban" | "phone"
    text: str  # as written
    value: str  # normalised (digits only, lowercased email…) for comparison


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that payment card numbers carry."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN without spaces."""
    iban = iban.upper()
    if not (15 <= len(iban) <= 34) or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def find_pii(text: str) -> list[PiiMatch]:
    """Every email, Luhn-valid card number, mod-97-valid IBAN and phone number in ``text``."""
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, m: re.Match[str], value: str) -> None:
        found.append(PiiMatch(kind, m.group(0), value))
        taken.append(m.span())

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= s or m.start() >= e for s, e in taken)

    for m in _EMAIL.finditer(text):
        add("email", m, m.group(0).lower())
    for m in _IBAN.finditer(text):
        compact = m.group(0).replace(" ", "")
        if free(m) and iban_valid(compact):
            add("iban", m, compact)
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if free(m) and 13 <= len(digits) <= 19 and luhn_valid(digits):
            add("card", m, digits)
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if free(m) and 9 <= len(digits) <= 15:
            add("phone", m, digits)
    return found
