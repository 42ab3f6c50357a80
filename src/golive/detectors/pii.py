"""The built-in PII recognizers: a regex finds a candidate, a validator (checksum, range,
context) decides whether it counts and how sure it is.

Scores are calibrated-ish: a checksum-valid find is 0.99, a well-formed shape 0.85-0.95,
a shape that only context makes likely 0.6-0.8. Offsets are character offsets into the text.
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
from dataclasses import dataclass
from typing import Any

from golive.detectors._regex_heads import required_literals

__all__ = [
    "PII_TYPES",
    "Span",
    "find_spans",
    "iban_valid",
    "luhn_valid",
    "preload",
]

PII_TYPES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "API_KEY")


@dataclass(frozen=True, slots=True)
class Span:
    kind: str
    start: int
    end: int
    score: float
    reason: str


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
        _phonenumbers()
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


# Digits introduced as an order, invoice or tracking number are that, even when they happen to
# pass a checksum or look like a phone number.
_NOT_PII_CONTEXT = re.compile(
    r"\b(?:order|invoice|tracking|serial|sku|ticket|ref|reference|part|lot|batch|isbn|ean"
    r"|lottery|lotto)"
    r"\b\W{0,3}(?:no\.?|number|#|id)?\W{0,3}$",
    re.IGNORECASE,
)


def _labelled_other(text: str, start: int) -> bool:
    return _NOT_PII_CONTEXT.search(text[max(0, start - 24) : start]) is not None


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD.finditer(text):
        raw = m.group(0)
        # One separator style throughout: "4111 1111-1111 1111" is more likely two numbers.
        if " " in raw and "-" in raw:
            continue
        digits = raw.replace(" ", "").replace("-", "")
        if _known_iin(digits) and luhn_valid(digits) and not _labelled_other(text, m.start()):
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
_VERSION_CONTEXT = re.compile(
    r"\b(?:version|versions|ver|release|build|firmware|v)\s*[:=#]?\s*$", re.IGNORECASE
)
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
        if _VERSION_CONTEXT.search(text[max(0, m.start() - 20) : m.start()]):
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
def _phonenumbers() -> Any:
    """libphonenumber, imported on the first phone-shaped run (its import takes ~100 ms)."""
    return importlib.import_module("phonenumbers")


@functools.cache
def _possible_lengths(region: str) -> frozenset[int]:
    """The national-number lengths libphonenumber's metadata allows in ``region`` (what
    is_possible_number checks, looked up once instead of per call)."""
    metadata = _phonenumbers().PhoneMetadata.metadata_for_region(region)
    return frozenset(metadata.general_desc.possible_length) if metadata else frozenset()


def _national_ok(digits: str, *, valid: bool) -> bool:
    """Whether ``digits`` (written without a country code) is a possible number, or with
    ``valid`` a valid one, in a region it may come from."""
    pn = _phonenumbers()
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
    pn = _phonenumbers()
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
    if _labelled_other(text, start):
        return 0.0
    # A country code is evidence enough; the context searches below are for the rest.
    international = _international(raw, digits)
    if international is not None:  # "+1-555-0100" is not a national number either
        return (0.95 if has_ext else 0.9) if international else 0.0
    if _VERSION_CONTEXT.search(text[max(0, start - 20) : start]):
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

    pn = _phonenumbers()
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


def _phones(text: str) -> Iterator[Span]:
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


# Order matters: on overlap the earlier recognizer (the stronger evidence) keeps the span.
_RECOGNIZERS: tuple[tuple[str, Callable[[str], Iterator[Span]]], ...] = (
    ("API_KEY", _api_keys),
    ("EMAIL", _emails),
    ("IBAN", _ibans),
    ("CREDIT_CARD", _cards),
    ("US_SSN", _ssns),
    ("IP_ADDRESS", _ips),
    ("PHONE", _phones),
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
