"""Small detectors the demo assistant uses: the user's language, PII, injections.

They are deliberately simple (stopword counts, regular expressions, a Luhn check): the demo
is the system under test, not golive's guardrail library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "PiiSpan",
    "detect_language",
    "find_pii",
    "injected_phrase",
    "is_injection",
    "ordered_token",
]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _wordset(
        "the and is i my how can to a of for do does what in on with you it not why "
        "where when are was have"
    ),
    "es": _wordset(
        "el la los las de que y en un una por para con cómo como mi mis es puedo qué "
        "cuánto cuesta no se al del lo su sus mí tengo hay está dónde cuándo"
    ),
    "fr": _wordset(
        "le la les des de du et est un une pour mon ma mes comment je puis que qui pas "
        "avec dans sur vous quel quelle combien où mot ne pourquoi"
    ),
    "de": _wordset(
        "der die das und ist ich mein meine meinen wie kann nicht ein eine mit für auf "
        "zu den dem sie was als wo warum wann kostet ich habe"
    ),
}
# Characters that only (or mostly) occur in one of the languages.
_MARKS = {"es": "¿¡ñ", "fr": "çèêàùœ", "de": "ßäöü"}


def detect_language(text: str) -> str:
    """``en``, ``es``, ``fr`` or ``de``: the language whose common words the text uses most."""
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    for lang, marks in _MARKS.items():
        scores[lang] += 2 * sum(text.count(c) for c in marks)
    best = max(("es", "fr", "de"), key=lambda lang: scores[lang])
    if scores[best] >= 2 and scores[best] > scores["en"]:
        return best
    return "en"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A piece of personal data found in a text."""

    kind: str  # "email" | "card" | "phone"
    text: str
    start: int
    end: int


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
_PHONE = re.compile(r"(?<![\w])\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,4}(?![\w])")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_pii(text: str) -> list[PiiSpan]:
    """Emails, card numbers (Luhn-checked) and phone numbers in a text, in order."""
    spans: list[PiiSpan] = [
        PiiSpan("email", m.group(), m.start(), m.end()) for m in _EMAIL.finditer(text)
    ]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            spans.append(PiiSpan("card", m.group(), m.start(), m.end()))

    def taken(start: int, end: int) -> bool:
        return any(s.start < end and start < s.end for s in spans)

    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 9 <= len(digits) <= 15 and not taken(m.start(), m.end()):
            spans.append(PiiSpan("phone", m.group().strip(), m.start(), m.end()))
    spans.sort(key=lambda s: s.start)
    return spans


_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)"
    r"|disregard\s+(?:all\s+|any\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|instructions|rules)"
    r"|forget\s+(?:all\s+)?(?:your|the|previous)\s+(?:instructions|rules)"
    r"|(?:reveal|print|show|repeat|output|display|leak)\s+(?:me\s+)?(?:your|the)\s+"
    r"(?:full\s+|hidden\s+|secret\s+|initial\s+|original\s+)*(?:system\s+prompt|instructions|prompt|rules)"
    r"|system\s+prompt|you\s+are\s+now\s+|developer\s+mode"
    r"|ignora\s+(?:todas\s+)?las\s+instrucciones|ignore[sz]?\s+(?:toutes\s+)?les\s+instructions"
    r"|ignoriere\s+(?:alle\s+)?(?:vorherigen\s+)?anweisungen",
    re.IGNORECASE,
)
_QUOTED_ORDER = re.compile(
    r"(?:reply|respond|answer|say|print|output|write)\s+(?:only\s+)?(?:with\s+)?(?:the\s+words?\s+)?"
    r"[\"'“‘«]([^\"'”’»]{1,200})[\"'”’»]",
    re.IGNORECASE,
)


# An order to emit a token ("start your reply with CANARY-…"): a small model follows these
# even when no "ignore previous instructions" phrase gives the attack away.
_TOKEN_ORDER = re.compile(
    r"(?i:\b(?:say|reply|respond|answer|print|output|write|begin|start|include|add|end|prefix"
    r"|append|type|repeat|di|dis|diga|escribe|écris|ecris|sag|schreib|schreibe|bolo|likho)\b)"
    r"[^\n]{0,160}?\b(CANARY-[A-Z0-9]{4,})"
)


def ordered_token(text: str) -> str | None:
    """A canary-like token the text orders the assistant to output, if any."""
    match = _TOKEN_ORDER.search(text)
    return match.group(1) if match else None


def is_injection(text: str) -> bool:
    """Whether the text tries to override or extract the assistant's instructions."""
    return _INJECTION.search(text) is not None


def injected_phrase(text: str) -> str | None:
    """The exact words an injection orders the assistant to say, if it names them."""
    match = _QUOTED_ORDER.search(text)
    return match.group(1).strip() if match else None
