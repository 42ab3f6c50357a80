"""The phone number recognizer: a cheap regex finds runs of digits and separators, context
and shape rule most out, and libphonenumber's numbering plans judge the rest.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterator
from typing import Any

from golive.detectors._spans import Span, labelled_other, labelled_version

__all__ = ["load_phonenumbers", "phones"]


# Phones: a cheap regex finds runs of digits and phone separators; only those runs go to
# libphonenumber (``phonenumbers``). Its parse costs 40-60 µs and its PhoneNumberMatcher
# 120-180 µs per text and region: too much to spend on every digit run of every message.
# Starts with a character class, no lookbehind, so the regex engine can skip ahead; what may
# not stand before a number is checked in Python.
_PHONE_RUN = re.compile(r"[+(\d][\d().\-/ +]*+")  # a charset first: scanned in C, 3x faster
_PHONE_OPEN = re.compile(r"(?:\(\+|\+\(?|\()?\d[^+]*")
_PHONE_GLUE = frozenset("+.,/:#@$€£¥%*-_")
_NON_DIGIT = re.compile(r"\D")
_PHONE_EXT = re.compile(r" ?(?:x|ext\.?|extension) ?\d{1,6}(?!\w)", re.IGNORECASE)
# Shapes that are something else: dates, dotted quads, ZIP+4, grouped card digits, amounts.
_NOT_PHONE_SHAPE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,3}(?:\.\d{1,3}){3}"
    r"|\d{5}-\d{4}|\d{4}([ -])\d{4}\1\d{4}(?:\1\d{1,4})?|\d{3}-\d{2}-\d{4}|\d+\.\d+"
    r"|\d{2}-\d{7}"  # a US employer id (EIN)
)
# Digits introduced as some other identifier are that, whatever their shape.
_NOT_PHONE_CONTEXT = re.compile(
    r"\b(?:account|acct|routing|aba|sort code|licen[cs]e|passport|id|tax|ein|mrn|policy"
    r"|member|customer|employee|case|claim|record|patient|reg|registration|vat|code|pin"
    r"|otp|identification|social security|ssn|iban|bic|swift|imei|serial)\b"
    r"\W{0,3}(?:no\.?|number|#|id)?\W{0,3}$",
    re.IGNORECASE,
)
_NANP = re.compile(r"(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}")
_THOUSANDS = re.compile(r"\d{1,3}(?: \d{3})+")
_BRAZIL = re.compile(r"\(\d{2}\) ?9?\d{4}-\d{4}")  # "(11) 91234-5678"
# "number" counts only before the digits, and only where no other noun claims them
# ("account number" is caught by _NOT_PHONE_CONTEXT first).
_NUMBER_BEFORE = re.compile(r"\b(?:number|no\.|nr\.?|n[º°o])\W{0,6}(?:is\W{1,3})?$", re.IGNORECASE)
_PHONE_CONTEXT = re.compile(
    r"\b(?:call|called|phone|tel|telephone|mobile|cell|ring|reach|contact|fax|whatsapp|sms"
    r"|text|dial|hotline|helpline|(?:support|help|phone|direct|service)\s?line|landline"
    r"|t[ée]l[ée]phone|portable|appelez|rappelez"
    r"|num[ée]ro|anrufen|telefon|telefono|tel[ée]fono|telefone|ligue|celular|handy|nummer"
    r"|rufnummer|erreichbar|m[óo]vil|bel|bellen|chiama|chiamare|llama|llamar|zadzwo[ńn]"
    r"|電話|携帯)\b",
    re.IGNORECASE,
)
# Where a national number without its country code may come from: the EU, the UK, India,
# Brazil, Japan, North America. Trunk-prefix countries write a leading 0 (06 in Hungary).
_TRUNK_REGIONS = (
    "GB", "DE", "FR", "NL", "BE", "AT", "CH", "SE", "FI", "IE", "IN", "JP", "BR", "BG", "HR",
    "SK", "SI", "RO", "LT", "HU",
)  # fmt: skip
_OTHER_REGIONS = (
    "US", "IT", "ES", "PL", "PT", "GR", "DK", "CZ", "NO", "LU", "IN", "BR", "LV", "EE", "CY",
    "MT",
)  # fmt: skip


@functools.cache
def load_phonenumbers() -> Any:
    """libphonenumber, imported on the first phone-shaped run (its import takes ~100 ms)."""
    return importlib.import_module("phonenumbers")


@functools.cache
def _possible_lengths(region: str) -> frozenset[int]:
    """The national-number lengths libphonenumber's metadata allows in ``region`` (what
    is_possible_number checks, looked up once instead of per call)."""
    metadata = load_phonenumbers().PhoneMetadata.metadata_for_region(region)
    return frozenset(metadata.general_desc.possible_length) if metadata else frozenset()


def _national_ok(digits: str, *, valid: bool) -> bool:
    """Whether ``digits`` (written without a country code) is a possible number, or with
    ``valid`` a valid one, in a region it may come from."""
    pn = load_phonenumbers()
    candidates: list[tuple[str, str, bool]] = []  # region, national number, Italian zero
    if digits.startswith("0"):
        for region in _TRUNK_REGIONS:
            trunk = "06" if region == "HU" else "0"
            if digits.startswith(trunk):
                candidates.append((region, digits[len(trunk) :], False))
        candidates.append(("IT", digits, True))  # Italy keeps the leading 0 in the number
    else:
        candidates.extend((region, digits, False) for region in _OTHER_REGIONS)
    for region, nsn, italian in candidates:
        if len(nsn) not in _possible_lengths(region):
            continue
        if not valid:
            return True
        number = pn.PhoneNumber(
            country_code=pn.country_code_for_region(region),
            national_number=int(nsn),
            italian_leading_zero=italian or None,
        )
        if pn.is_valid_number(number):
            return True
    return False


def _international(raw: str, digits: str) -> bool | None:
    """For "+44 20…", "(+358) …", "0044 20…", "001-345-…", "011 44…": whether it is a
    possible number for its country code; None when ``raw`` is not written that way."""
    if raw.startswith(("+", "(+")):
        # "+44 (0)20 …": the bracketed 0 is the trunk digit, not dialled after a country code.
        dialled = _NON_DIGIT.sub("", raw.replace("(0)", ""))
    elif raw.startswith("00") and not raw.startswith("000"):
        dialled = digits[2:]
    elif raw.startswith("011 "):
        dialled = digits[3:]
    else:
        return None
    # Country codes are prefix-free: the first 1-3 digits that are one are it. Building the
    # number directly costs a tenth of phonenumbers.parse.
    pn = load_phonenumbers()
    for size in (1, 2, 3):
        cc = int(dialled[:size] or 0)
        if cc in pn.COUNTRY_CODE_TO_REGION_CODE:
            nsn = dialled[size:]
            if not nsn:
                return False
            zeros = len(nsn) - len(nsn.lstrip("0"))
            number = pn.PhoneNumber(
                country_code=cc,
                national_number=int(nsn),
                italian_leading_zero=zeros > 0 or None,
                number_of_leading_zeros=zeros if zeros > 1 else None,
            )
            # Not IS_POSSIBLE_LOCAL_ONLY: "+1-555-0100" cannot be dialled from abroad.
            reason = pn.is_possible_number_with_reason(number)
            return bool(reason == pn.ValidationResult.IS_POSSIBLE)
    return False


def _phone_score(text: str, start: int, raw: str, ext_end: int | None) -> float:
    """How likely ``raw`` (a trimmed run, without its extension, which ends at ``ext_end``)
    is a phone number; 0 if it is not."""
    has_ext = ext_end is not None
    digits = _NON_DIGIT.sub("", raw)
    if not 7 <= len(digits) <= 15 or _NOT_PHONE_SHAPE.fullmatch(raw):
        return 0.0
    end = start + len(raw)
    after = text[ext_end or end : (ext_end or end) + 2]
    if after[:1].isalnum() or (after[:1] in "-_/" and after[1:].isalnum()):
        return 0.0  # "987654321-REV", "78452139K": part of a longer code
    if labelled_other(text, start):
        return 0.0
    # A country code is evidence enough; the context searches below are for the rest.
    international = _international(raw, digits)
    if international is not None:  # "+1-555-0100" is not a national number either
        return (0.95 if has_ext else 0.9) if international else 0.0
    if labelled_version(text, start):
        return 0.0
    if _NOT_PHONE_CONTEXT.search(text[max(0, start - 30) : start]):
        return 0.0

    def context() -> bool:  # searched only where it decides: three searches per candidate
        return (
            has_ext
            or _PHONE_CONTEXT.search(text[max(0, start - 40) : start]) is not None
            or _PHONE_CONTEXT.search(text[end : end + 30]) is not None
            or _NUMBER_BEFORE.search(text[max(0, start - 20) : start]) is not None
        )

    pn = load_phonenumbers()
    formatted = not raw.isdigit()
    if _NANP.fullmatch(raw):
        # Valid in the US or Canada (not all 25 NANP regions: is_valid_number tries each).
        number = pn.PhoneNumber(country_code=1, national_number=int(digits[-10:]))
        if any(pn.is_valid_number_for_region(number, r) for r in ("US", "CA")):
            return 0.9
        return 0.8 if context() else 0.6  # well-formed, but no such area code or exchange
    if _BRAZIL.fullmatch(raw):
        number = pn.PhoneNumber(country_code=55, national_number=int(digits))
        if pn.is_valid_number_for_region(number, "BR"):
            return 0.85
    if raw.startswith("(") and not raw.startswith("(0"):
        # "(351) 938 218 952": a country code in brackets without its "+".
        try:
            number = pn.parse("+" + digits, None)
        except pn.NumberParseException:
            number = None
        if number is not None and pn.is_valid_number(number):
            return 0.85
    if digits.startswith("0") and formatted:
        # "020 7946 0000", "(0161) 496 0123", "06 12 34 56 78": a trunk 0 and grouping.
        return 0.85 if _national_ok(digits, valid=False) else 0.0
    if not context():
        return 0.0  # bare digits, or "697 353 829" (a count?): a phone only in context
    if len(digits) == 10 and digits[0] in "23456789" and not formatted:
        return 0.75  # "call 4155550132"
    strict = not formatted or _THOUSANDS.fullmatch(raw) is not None
    if _national_ok(digits, valid=strict):
        return 0.75 if formatted else 0.7
    return 0.0


_RUN_BREAK = re.compile(r" +/ +| {2,}")  # "030 1234 / 030 5678": two numbers


def phones(text: str) -> Iterator[Span]:
    for m in _PHONE_RUN.finditer(text):
        if m.end() - m.start() < 7:
            continue  # too short to hold seven digits: "12", "1 299", "4587"
        before = text[m.start() - 1 : m.start()]
        if before and (before.isalnum() or before in _PHONE_GLUE):
            continue
        run, pos = m.group(0), 0
        for brk in (*_RUN_BREAK.finditer(run), None):
            stop = brk.start() if brk is not None else len(run)
            span = _phone_in(text, m.start() + pos, run[pos:stop])
            if span is not None:
                yield span
            pos = brk.end() if brk is not None else stop


def _phone_in(text: str, start: int, run: str) -> Span | None:
    """The phone number that ``run`` (at ``start``) begins with, if any."""
    opened = _PHONE_OPEN.match(run)  # "+" or "(" opens a number, and "+" only there
    if opened is None:
        return None
    whole = opened.group(0).rstrip(" .-/(")
    if whole.count(")") > whole.count("("):
        whole = whole.rstrip(")")
    # A run can take in the next number after a space ("call 0161 496 0123 12 times"):
    # try it whole, then without its last group or two.
    raw = whole
    for attempt in range(3):
        ext = _PHONE_EXT.match(text, start + len(raw)) if attempt == 0 else None
        score = _phone_score(text, start, raw, ext.end() if ext else None)
        if score:
            end = ext.end() if ext is not None else start + len(raw)
            return Span("PHONE", start, end, score, "phone number")
        cut = max(raw.rfind(" "), raw.rfind("/"))
        if cut <= 0 or _NOT_PHONE_SHAPE.fullmatch(whole):
            return None
        raw = raw[:cut].rstrip(" .-/(")
    return None
