"""Noise mutators: the slips real users make while typing, dictating or scanning text
(typos, dropped letters, OCR and speech-to-text confusions, casing, spacing, accents,
contractions). All keep the meaning, so the answer must stay right, and none touches a
number, URL or e-mail address.
"""

from __future__ import annotations

import random
import re
import unicodedata
from typing import Literal

# Word-level noise lives in its own module; importing it here registers it with the rest.
from pydantic import Field

from golive.diversity._noise_words import Contractions, Homophones, StripAccents
from golive.diversity._text import (
    QWERTY_NEIGHBOURS,
    choose,
    is_protected,
    tokenize,
)
from golive.diversity.base import Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = [
    "Casing",
    "CharNoise",
    "Contractions",
    "Homophones",
    "Ocr",
    "StripAccents",
    "Typos",
    "WhitespacePunct",
]


class _Noise(MutatorBase[MutatorArgs]):
    """Shared class attributes; subclasses set description, example and ``mutate``."""

    family = "noise"


class TyposArgs(MutatorArgs):
    kind: Literal["typos"] = "typos"
    rate: float = Field(
        default=0.1, ge=0.0, le=1.0, description="Share of the words that get one keyboard slip."
    )


@mutator("typos", args=TyposArgs)
class Typos(_Noise):
    """Keyboard-neighbour typos on a QWERTY layout."""

    description = "Keyboard-neighbour typos (QWERTY): a share `rate` of the words gets one slip."
    example = "How do I reset my password? → How do I resey my passwprd?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        tok = tokenize(text)
        cands = [i for i in tok.words if len(tok.parts[i]) >= 3]
        picked = choose(rng, len(cands), self.args.rate)
        changed = inserted = 0
        for c in picked:
            word = tok.parts[cands[c]]
            keys = [p for p, ch in enumerate(word) if ch.lower() in QWERTY_NEIGHBOURS]
            if not keys:
                continue
            # First letters are rarely mistyped: slip on a later key when there is one.
            p = rng.choice([k for k in keys if k > 0] or keys)
            near = rng.choice(QWERTY_NEIGHBOURS[word[p].lower()])
            near = near.upper() if word[p].isupper() else near
            if rng.random() < 0.2:  # fat finger: both keys pressed
                tok.parts[cands[c]] = word[: p + 1] + near + word[p + 1 :]
                inserted += 1
            else:
                tok.parts[cands[c]] = word[:p] + near + word[p + 1 :]
            changed += 1
        if not changed:
            return None
        return Mutation(tok.text(), {"changed": changed, "inserted": inserted})


class CharNoiseArgs(MutatorArgs):
    kind: Literal["char_noise"] = "char_noise"
    rate: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Share of the words that get a swapped, dropped or doubled letter.",
    )


@mutator("char_noise", args=CharNoiseArgs)
class CharNoise(_Noise):
    """Swapped, dropped and doubled letters inside words."""

    description = "Swapped, dropped and doubled letters in a share `rate` of the words."
    example = "How do I cancel my subscription? → How do I cancle my subscripion?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        tok = tokenize(text)
        cands = [i for i in tok.words if len(tok.parts[i]) >= 3]
        ops = {"swap": 0, "drop": 0, "double": 0}
        for c in choose(rng, len(cands), self.args.rate):
            word = tok.parts[cands[c]]
            op = rng.choice(("swap", "drop", "double"))
            swaps = [p for p in range(1, len(word) - 1) if word[p] != word[p + 1]]
            if op == "swap" and swaps:
                p = rng.choice(swaps)
                word = word[:p] + word[p + 1] + word[p] + word[p + 2 :]
            elif op == "drop" and len(word) >= 4:
                p = rng.randrange(1, len(word))
                word = word[:p] + word[p + 1 :]
            else:
                op, p = "double", rng.randrange(1, len(word))
                word = word[: p + 1] + word[p:]
            tok.parts[cands[c]] = word
            ops[op] += 1
        if not any(ops.values()):
            return None
        return Mutation(tok.text(), {"changed": sum(ops.values()), **ops})


_OCR_RE = re.compile(r"rn|vv|cl|[mwdlIOoSBe]")
_OCR_MAP: dict[str, tuple[str, ...]] = {
    "rn": ("m",), "vv": ("w",), "cl": ("d",), "m": ("rn",), "w": ("vv",), "d": ("cl",),
    "l": ("1", "I"), "I": ("l", "1"), "O": ("0",), "o": ("0",), "S": ("5",), "B": ("8",),
    "e": ("c",),
}  # fmt: skip


class OcrArgs(MutatorArgs):
    kind: Literal["ocr"] = "ocr"
    rate: float = Field(
        default=0.1, ge=0.0, le=1.0, description="Share of the words with a scanned-text confusion."
    )


@mutator("ocr", args=OcrArgs)
class Ocr(_Noise):
    """OCR confusions: rn/m, cl/d, vv/w, l/1/I, O/0."""

    description = "Scanned-text confusions (rn↔m, cl↔d, vv↔w, l↔1, O↔0) in a share `rate` of words."
    example = "Where can I download my invoices? → Where can I download rny invoices?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        tok = tokenize(text)
        cands = [i for i in tok.words if _OCR_RE.search(tok.parts[i])]
        picked = choose(rng, len(cands), self.args.rate)
        for c in picked:
            word = tok.parts[cands[c]]
            # Pick a kind of confusion first: "e" is so common it would crowd out rn/m, l/1…
            by_kind: dict[str, list[re.Match[str]]] = {}
            for match in _OCR_RE.finditer(word):
                by_kind.setdefault(match.group(), []).append(match)
            m = rng.choice(by_kind[rng.choice(sorted(by_kind))])
            new = rng.choice(_OCR_MAP[m.group()])
            tok.parts[cands[c]] = word[: m.start()] + new + word[m.end() :]
        if not picked:
            return None
        return Mutation(tok.text(), {"changed": len(picked)})


_CASE_STYLES = ("random", "all_caps", "lower_no_punct")


@mutator("casing")
class Casing(_Noise):
    """Random casing, ALL CAPS, or all lowercase without punctuation (one style per variant)."""

    description = (
        "One casing style per variant: random word casing, ALL CAPS, or lowercase with no "
        "punctuation."
    )
    example = "How do I cancel my subscription? → how do i cancel my subscription"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        style = rng.choice(_CASE_STYLES)
        tok = tokenize(text)
        parts, words = tok.parts, set(tok.words)
        for i, part in enumerate(parts):
            if is_protected(part):
                continue
            if style == "all_caps":
                parts[i] = part.upper()
            elif style == "random":
                if i in words:
                    parts[i] = rng.choice((part.lower(), _title(part), part.upper()))
            elif i in words:
                parts[i] = part.lower().replace("'", "").replace("’", "")
            elif not part.isspace():
                parts[i] = _drop_punct(parts, i)
        out = tok.text()
        if style == "lower_no_punct" and not text[-1:].isspace():
            out = out.rstrip()  # "passe ?" must not end in a stray space
        return None if out == text else Mutation(out, {"style": style})


def _title(word: str) -> str:
    return word[:1].upper() + word[1:].lower()  # str.title() would give "Don'T"


def _drop_punct(parts: list[str], i: int) -> str:
    part = parts[i]
    kept = "".join(c for c in part if not unicodedata.category(c).startswith("P"))
    if kept == part:
        return part.lower()
    before = parts[i - 1] if i > 0 else ""
    after = parts[i + 1] if i + 1 < len(parts) else ""
    if before[-1:].isdigit() and after[:1].isdigit():  # 1.5, 4111-1111: part of a number
        return part
    if not kept and before and after and not before.isspace() and not after.isspace():
        return " "  # "yes,please" must not become "yesplease"
    return kept.lower()


class WhitespacePunctArgs(MutatorArgs):
    kind: Literal["whitespace_punct"] = "whitespace_punct"
    rate: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="Share of the spaces and punctuation marks disturbed.",
    )


_ENDINGS = {"?": ("???", "??", "?!"), ".": ("...", "..", ". ."), "!": ("!!!", "!!")}


@mutator("whitespace_punct", args=WhitespacePunctArgs)
class WhitespacePunct(_Noise):
    """Doubled spaces, missing spaces after punctuation, stray or repeated punctuation."""

    description = (
        "Doubled spaces, no space after punctuation, stray or repeated punctuation, trailing '???'."
    )
    example = "Hi, how do I export a note? → Hi,how do  I export a note???"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        tok = tokenize(text)
        parts, words = tok.parts, set(tok.words)
        cands: list[tuple[str, int]] = []
        for i in range(1, len(parts) - 1):
            if parts[i] == " " and parts[i - 1] and not parts[i - 1].isspace():
                if parts[i - 1] in (",", ".", ";", ":", "!", "?") and i - 2 in words:
                    cands.append(("no_space", i))
                elif i - 1 in words and i + 1 in words:
                    cands.append(("double_space", i))
            if i in words and parts[i + 1] == " ":
                cands.append(("stray", i))
        if tok.words and text.strip():
            cands.append(("trailing", len(parts) - 1))
        ops: dict[str, int] = {}
        for c in choose(rng, len(cands), self.args.rate):
            kind, i = cands[c]
            if kind == "no_space":
                parts[i] = ""
            elif kind == "double_space":
                parts[i] = "  "
            elif kind == "stray":
                parts[i] += ","
            else:
                end = parts[i].rstrip()
                tail = end[-1:]
                extra = (
                    rng.choice(_ENDINGS[tail]) if tail in _ENDINGS else rng.choice(("??", "..."))
                )
                parts[i] = (end[:-1] if tail in _ENDINGS else end) + extra + parts[i][len(end) :]
            ops[kind] = ops.get(kind, 0) + 1
        out = tok.text()
        return None if out == text else Mutation(out, {"ops": ops})
