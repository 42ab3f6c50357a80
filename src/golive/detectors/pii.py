"""The built-in PII recognizers: a regex finds a candidate, a validator (checksum, range,
context) decides whether it counts and how sure it is.

Scores are calibrated-ish: a checksum-valid find is 0.99, a well-formed shape 0.85-0.95,
a shape that only context makes likely 0.6-0.8. Offsets are character offsets into the text.
Phone numbers, the largest recognizer, are in ``_phone``.
"""

from __future__ import annotations

import base64
import bisect
import functools
import importlib
import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from golive.detectors._phone import load_phonenumbers, phones
from golive.detectors._regex_heads import required_literals
from golive.detectors._spans import Span, labelled_other, labelled_version

__all__ = [
    "PII_TYPES",
    "Span",
    "find_spans",
    "iban_valid",
    "luhn_valid",
    "preload",
]

PII_TYPES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "API_KEY")


# --- checksums ---------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that payment card numbers carry."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# ISO 13616 registry lengths; a wrong length for the country is not an IBAN.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


@functools.cache
def _stdnum_iban() -> Any:
    """python-stdnum's IBAN module, imported on the first mod-97-valid candidate."""
    return importlib.import_module("stdnum.iban")


def iban_valid(iban: str) -> bool:
    """ISO 13616: known country, its registered length, the mod-97 check, and (python-stdnum)
    the country's BBAN format. Upper or lower case; no spaces."""
    iban = iban.upper()
    if not iban.isascii() or not iban.isalnum():
        return False
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    # A mod-97 of our own first: stdnum's check costs ~70 µs, so it only sees candidates
    # that already pass the checksum.
    rearranged = iban[4:] + iban[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        return False
    # check_country=False: stdnum's national checks look banks up in a registry, and refuse
    # well-formed accounts of banks it does not list (the BE68 5390 0754 7034 example).
    return bool(_stdnum_iban().is_valid(iban, check_country=False))


def preload(types: frozenset[str] | None = None) -> None:
    """Import the validation libraries now (~100 ms each) rather than on the first text that
    needs them: a guard built at start-up keeps that cost off the first request."""
    if types is None or "PHONE" in types:
        load_phonenumbers()
    if types is None or "IBAN" in types:
        _stdnum_iban()


# --- recognizers -------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+-])(?<!\w')[A-Za-z0-9_%+-][A-Za-z0-9_%+'-]*(?:\.[A-Za-z0-9_%+'-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)
# "icon@2x.png" and "logo@3x.webp" are asset names, not addresses.
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "js", "css", "py", "md"})


def _emails(text: str) -> Iterator[Span]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        domain = m.group(0).rpartition("@")[2].lower()
        if domain.rpartition(".")[2] in _FILE_TLDS:
            continue
        if text[m.end() : m.end() + 1] == ":" and text[m.end() + 1 : m.end() + 2] not in " \n":
            continue  # "git@github.com:org/repo.git" is an SSH remote, not an address
        yield Span("EMAIL", m.start(), m.end(), 0.95, "e-mail address")


_CARD = re.compile(r"(?<![\w.,-])(?<!\d )\d(?:[ -]?\d){11,18}(?![\w-]|[.,]\d| \d)")
_CARD_RANGES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("4", "4", (13, 16, 19)),  # Visa
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard 2-series
    ("2200", "2204", (16, 17, 18, 19)),  # Mir
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),
    ("6011", "6011", (16, 17, 18, 19)),  # Discover
    ("644", "649", (16, 17, 18, 19)),
    ("65", "65", (16, 17, 18, 19)),
    ("300", "305", (14, 15, 16, 17, 18, 19)),  # Diners Club
    ("3095", "3095", (14, 15, 16, 17, 18, 19)),
    ("36", "36", (14, 15, 16, 17, 18, 19)),
    ("38", "39", (14, 15, 16, 17, 18, 19)),
    ("35", "35", (16, 17, 18, 19)),  # JCB (3528-3589 issued; test ranges use all of 35xx)
    ("2131", "2131", (15,)),  # JCB, the old 15-digit ranges
    ("1800", "1800", (15,)),
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("81", "81", (16, 17, 18, 19)),
    ("50", "50", (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
    ("56", "69", (12, 13, 14, 15, 16, 17, 18, 19)),
    ("0604", "0604", (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro UK (Faker's test range)
)


def _known_iin(digits: str) -> bool:
    for low, high, lengths in _CARD_RANGES:
        if len(digits) in lengths and low <= digits[: len(low)] <= high:
            return True
    return False


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD.finditer(text):
        raw = m.group(0)
        # One separator style throughout: "4111 1111-1111 1111" is more likely two numbers.
        if " " in raw and "-" in raw:
            continue
        digits = raw.replace(" ", "").replace("-", "")
        if _known_iin(digits) and luhn_valid(digits) and not labelled_other(text, m.start()):
            yield Span("CREDIT_CARD", m.start(), m.end(), 0.99, "card number (Luhn, known IIN)")


# Any case: people paste "de89 3704 0044 0532 0130 00" as often as the printed form.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")


def _ibans(text: str) -> Iterator[Span]:
    for m in _IBAN.finditer(text):
        raw = m.group(0)
        want = _IBAN_LENGTHS.get(raw[:2].upper())
        if want is None:
            continue
        # The match may run on into the next word ("… 32 AB12"): cut at the country's length.
        count, end = 0, 0
        for i, ch in enumerate(raw):
            if ch != " ":
                count += 1
                if count == want:
                    end = i + 1
                    break
        if end and iban_valid(raw[:end].replace(" ", "")):
            after = raw[end : end + 2]
            if after[:1].isalnum() or (after[:1] == " " and after[1:].isdigit()):
                continue  # longer than the country's length: an unrelated code
            yield Span("IBAN", m.start(), m.start() + end, 0.99, "IBAN (mod-97)")


_SSN = re.compile(r"(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])")
_SSN_CONTEXT = re.compile(r"\b(?:ssn|social security|ss#|ssa|taxpayer|tin)\b", re.IGNORECASE)


def _ssn_ok(area: str, group: str, serial: str) -> bool:
    return not (area in ("000", "666") or area >= "900" or group == "00" or serial == "0000")


def _ssns(text: str) -> Iterator[Span]:
    for m in _SSN.finditer(text):
        if not _ssn_ok(m.group(1), m.group(3), m.group(4)):
            continue
        near = text[max(0, m.start() - 40) : m.start()]
        context = _SSN_CONTEXT.search(near) is not None
        if m.group(2) == "-":
            score = 0.95 if context else 0.85
        elif context:
            score = 0.8
        else:
            continue  # nine bare digits are an SSN only when the text says so
        yield Span("US_SSN", m.start(), m.end(), score, "US social security number")


_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\w)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?![\w:.])"
)


def _ipv4(text: str) -> Iterator[Span]:
    if "." not in text:
        return
    for m in _IPV4.finditer(text):
        octets = m.group(0).split(".")
        if any(int(o) > 255 or (len(o) > 1 and o[0] == "0") for o in octets):
            continue
        # Decision: a dotted quad right after "version"/"v"/"release"/"build" is a
        # version string, not an address; "10.0.0.0/8" is a network, not a host.
        if labelled_version(text, m.start()):
            continue
        if text[m.end() : m.end() + 1] == "/" and text[m.end() + 1 : m.end() + 2].isdigit():
            continue
        yield Span("IP_ADDRESS", m.start(), m.end(), 0.9, "IPv4 address")


def _ipv6(text: str) -> Iterator[Span]:
    if "::" not in text and text.count(":") < 7:
        return
    for m in _IPV6.finditer(text):
        raw = m.group(0)
        try:
            ipaddress.IPv6Address(raw)
        except ValueError:
            continue
        # "1::2" (a slice) is a valid address; demand some substance.
        if sum(c in "0123456789abcdefABCDEF" for c in raw) < 4:
            continue
        yield Span("IP_ADDRESS", m.start(), m.end(), 0.9, "IPv6 address")


def _ips(text: str) -> Iterator[Span]:
    yield from _ipv6(text)  # first, so "::ffff:192.0.2.1" is one address, not an IPv4 inside
    yield from _ipv4(text)


_KEY_SHAPES: tuple[tuple[re.Pattern[str], float, str], ...] = (
    (re.compile(r"(?<![\w-])sk-(?:proj-|ant-(?:api\d\d-)?|svcacct-)?[A-Za-z0-9_-]{20,}"), 0.95,
     "OpenAI/Anthropic-style secret key"),
    (re.compile(r"(?<!\w)(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"), 0.95, "Stripe key"),
    (re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])"), 0.95,
     "AWS access key id"),
    (re.compile(r"(?<!\w)gh[pousr]_[A-Za-z0-9]{36}(?!\w)"), 0.99, "GitHub token"),
    (re.compile(r"(?<!\w)github_pat_[A-Za-z0-9_]{60,}"), 0.99, "GitHub fine-grained token"),
    (re.compile(r"(?<![\w-])xox[abpors]-[A-Za-z0-9-]{10,}"), 0.95, "Slack token"),
    (re.compile(r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])"), 0.95, "Google API key"),
    (re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
     0.0, "JWT"),  # scored by _jwt_score
    (re.compile(r"(?<=\bBearer )[A-Za-z0-9._~+/-]{20,}=*", re.IGNORECASE), 0.9, "bearer token"),
)  # fmt: skip


def _jwt_score(token: str) -> float:
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, UnicodeDecodeError):
        return 0.7
    return 0.99 if isinstance(decoded, dict) and "alg" in decoded else 0.7


def _looks_random(secret: str) -> bool:
    """Placeholders ("sk-xxxxxxxx…", "sk-your-key-here") are not keys: demand variety."""
    body = secret.rsplit("_", 1)[-1] if secret.startswith(("sk_", "rk_", "pk_")) else secret
    body = re.sub(r"^(?:sk-(?:proj-|ant-)?|xox[a-z]-)", "", body)
    return len(set(body)) >= 10 and any(c.isdigit() for c in body)


# The prefix each key shape must contain ("sk-", "AKIA", ".eyJ"): the stream relay runs this
# on every chunk, and one search for all of them is far cheaper than a search per shape.
_KEY_HEADS = tuple(required_literals(p.pattern, p.flags) for p, _, _ in _KEY_SHAPES)
_ANY_KEY_HEAD = re.compile("|".join(re.escape(h) for heads in _KEY_HEADS if heads for h in heads))


def _api_keys(text: str) -> Iterator[Span]:
    headed = _ANY_KEY_HEAD.search(text) is not None
    for (pattern, score, reason), heads in zip(_KEY_SHAPES, _KEY_HEADS, strict=True):
        if heads is not None and not (headed and any(h in text for h in heads)):
            continue
        for m in pattern.finditer(text):
            token = m.group(0)
            if reason == "JWT":
                yield Span("API_KEY", m.start(), m.end(), _jwt_score(token), reason)
            elif _looks_random(token):
                yield Span("API_KEY", m.start(), m.end(), score, reason)


# Order matters: on overlap the earlier recognizer (the stronger evidence) keeps the span.
_RECOGNIZERS: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("API_KEY", _api_keys),
    ("EMAIL", _emails),
    ("IBAN", _ibans),
    ("CREDIT_CARD", _cards),
    ("US_SSN", _ssns),
    ("IP_ADDRESS", _ips),
    ("PHONE", phones),
)


_ANY_DIGIT = re.compile(r"\d")


def _overlaps(found: list[Span], starts: list[int], span: Span) -> bool:
    """Whether ``span`` overlaps one of ``found`` (sorted, non-overlapping; ``starts`` are
    their starts): only the neighbours either side of where it would go can overlap it."""
    i = bisect.bisect_right(starts, span.start)
    return (i > 0 and found[i - 1].end > span.start) or (
        i < len(found) and found[i].start < span.end
    )


def find_spans(text: str, types: frozenset[str] | None = None) -> list[Span]:
    """Every validated PII span in ``text``, non-overlapping, in text order.

    On overlap the earlier recognizer keeps the span (and, within one, the earlier find).
    O(n log n) in the spans: a recognizer yields runs of sorted, disjoint spans (one per
    pattern it tries); each run is checked against the spans kept so far by bisection and
    merged into them when it ends. A text full of values (3.9 MB of e-mails and digit
    groups: 144k spans) costs seconds, not the hours a pairwise check took.
    """
    found: list[Span] = []
    starts: list[int] = []
    has_digit = _ANY_DIGIT.search(text) is not None  # a regex: 40x a generator on prose
    for kind, recognizer in _RECOGNIZERS:
        if types is not None and kind not in types:
            continue
        if not has_digit and kind not in ("EMAIL", "API_KEY"):
            continue
        run: list[Span] = []  # kept from the current run: sorted, disjoint
        last: Span | None = None
        for span in recognizer(text):
            if last is not None and span.start < last.end:  # a new run: merge the last one
                found, starts = _merged(found, run)
                run = []
            last = span
            if not _overlaps(found, starts, span):
                run.append(span)
        found, starts = _merged(found, run)
    return found


def _merged(found: list[Span], run: list[Span]) -> tuple[list[Span], list[int]]:
    if not run:
        return found, [s.start for s in found]
    merged = sorted(found + run, key=lambda s: s.start)  # two sorted runs: timsort is linear
    return merged, [s.start for s in merged]
