"""Format mutators, character level: look-alike letters, invisible characters, Unicode
normalisation shifts and emoji.

Each keeps the words recoverable (map confusables back, drop zero-width characters, NFKC,
strip the emoji), so a correct system must still answer as it did for the original. The
document-shaped ones (wrappers, signatures, PDF artefacts, tables, padding) are in
``_format_docs`` and are registered when this module is imported.
"""

from __future__ import annotations

import random
import re
import unicodedata
from typing import Literal

from pydantic import Field

from golive.diversity._format_docs import (
    EmailQuote,
    HtmlWrap,
    MarkdownWrap,
    Signature,
    format_data,
)
from golive.diversity._format_pages import (
    EMPTY_FORMS,
    EmptyInput,
    FlattenedTable,
    LongContext,
    LongContextArgs,
    PdfArtifacts,
)
from golive.diversity._text import choose, tokenize
from golive.diversity.base import Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = [
    "EMPTY_FORMS",
    "HOMOGLYPHS",
    "ZERO_WIDTH",
    "EmailQuote",
    "Emoji",
    "EmojiArgs",
    "EmptyInput",
    "FlattenedTable",
    "Homoglyphs",
    "HomoglyphsArgs",
    "HtmlWrap",
    "LongContext",
    "LongContextArgs",
    "MarkdownWrap",
    "PdfArtifacts",
    "Signature",
    "UnicodeNormalization",
    "UnicodeNormalizationArgs",
    "ZeroWidth",
    "ZeroWidthArgs",
]

# Latin letter → look-alikes from Cyrillic and Greek (the confusables attackers and
# copy-pasted text actually carry); each renders like the Latin letter in common fonts.
HOMOGLYPHS: dict[str, str] = {
    "a": "а", "c": "с", "d": "ԁ", "e": "е", "h": "һ", "i": "і", "j": "ј", "o": "оο",
    "p": "р", "q": "ԛ", "s": "ѕ", "v": "ν", "w": "ԝ", "x": "х", "y": "у",
    "A": "АΑ", "B": "ВΒ", "C": "СϹ", "E": "ЕΕ", "H": "НΗ", "I": "ІΙ", "J": "Ј", "K": "КΚ",
    "M": "МΜ", "N": "Ν", "O": "ОΟ", "P": "РΡ", "S": "Ѕ", "T": "ТΤ", "X": "ХΧ", "Y": "ҮΥ",
    "Z": "Ζ",
}  # fmt: skip
"""Each Latin letter that has look-alikes, with them (one character each)."""

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
"""Zero-width space, non-joiner, joiner, word joiner and BOM: invisible inside a word."""

_FULLWIDTH_OFFSET = 0xFEE0  # "!".."~" → U+FF01..U+FF5E
_LIGATURES = (("ffi", "ﬃ"), ("ffl", "ﬄ"), ("ff", "ﬀ"), ("fi", "ﬁ"), ("fl", "ﬂ"))
_LIGATURE = re.compile("|".join(a for a, _ in _LIGATURES))
_ODD_SPACES = "\u00a0\u202f\u2009\u2002"  # all NFKC-fold to a plain space
_INNER_GAP = re.compile(r"(?<=\w)(?=\w)")
_EMOJI_SLOT = re.compile(r"(\w+)|([.!?]+)(?=\s|$)")


class HomoglyphsArgs(MutatorArgs):
    kind: Literal["homoglyphs"] = "homoglyphs"
    rate: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Share of swappable letters swapped."
    )


@mutator("homoglyphs", args=HomoglyphsArgs)
class Homoglyphs(MutatorBase[HomoglyphsArgs]):
    """Latin letters swapped for Cyrillic or Greek look-alikes."""

    family = "format"
    description = "Latin letters swapped for Cyrillic or Greek look-alikes (Unicode confusables)."
    example = "reset my password → rеset my pаsswοrd (е, а, ο are not Latin)"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        tokens = tokenize(text)  # words only: URLs and e-mail addresses stay intact
        slots = [
            (w, i) for w in tokens.words for i, c in enumerate(tokens.parts[w]) if c in HOMOGLYPHS
        ]
        if not slots:
            return None
        parts = tokens.parts
        chosen = choose(rng, len(slots), self.args.rate)
        for k in chosen:
            w, i = slots[k]
            word = parts[w]
            parts[w] = word[:i] + rng.choice(HOMOGLYPHS[word[i]]) + word[i + 1 :]
        return Mutation(tokens.text(), {"swapped": len(chosen)})


class ZeroWidthArgs(MutatorArgs):
    kind: Literal["zero_width"] = "zero_width"
    rate: float = Field(
        default=0.15, ge=0.0, le=1.0, description="Share of in-word letter gaps that get one."
    )


@mutator("zero_width", args=ZeroWidthArgs)
class ZeroWidth(MutatorBase[ZeroWidthArgs]):
    """Zero-width spaces and joiners inside words."""

    family = "format"
    description = "Invisible zero-width spaces and joiners inserted inside words."
    example = "cancel my plan → can\u200bcel my pl\u200dan (looks identical)"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        gaps = [m.start() for m in _INNER_GAP.finditer(text)]
        if not gaps:
            return None
        chosen = [gaps[k] for k in choose(rng, len(gaps), self.args.rate)]
        pieces: list[str] = []
        last = 0
        for pos in chosen:
            pieces.append(text[last:pos])
            pieces.append(rng.choice(ZERO_WIDTH))
            last = pos
        pieces.append(text[last:])
        return Mutation("".join(pieces), {"inserted": len(chosen)})


class UnicodeNormalizationArgs(MutatorArgs):
    kind: Literal["unicode_normalization"] = "unicode_normalization"
    rate: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of words made full-width, or of spaces made odd (those forms).",
    )


def _fullwidth(word: str) -> str:
    return "".join(chr(ord(c) + _FULLWIDTH_OFFSET) if "!" <= c <= "~" else c for c in word)


def _ligatures(text: str) -> str:
    table = dict(_LIGATURES)
    return _LIGATURE.sub(lambda m: table[m.group(0)], text)


@mutator("unicode_normalization", args=UnicodeNormalizationArgs)
class UnicodeNormalization(MutatorBase[UnicodeNormalizationArgs]):
    """NFD/NFKC shifts, full-width forms, ligatures and odd spaces."""

    family = "format"
    description = (
        "Unicode normalisation shifts: decomposed accents (NFD), full-width letters, "
        "ligatures, no-break spaces; NFKC maps them back."
    )
    example = "How do I find my files? → Ｈｏｗ do I ﬁnd my ｆｉｌｅｓ?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not text.strip():
            return None
        forms: list[str] = []
        if unicodedata.normalize("NFD", text) != text:
            forms.append("nfd")
        if unicodedata.normalize("NFKC", text) != text:
            forms.append("nfkc")
        tokens = tokenize(text)
        if tokens.words:
            forms.append("fullwidth")
        if _LIGATURE.search(text):
            forms.append("ligatures")
        if " " in text:
            forms.append("odd_spaces")
        if not forms:
            return None
        form = rng.choice(forms)
        if form == "nfd":
            out = unicodedata.normalize("NFD", text)
        elif form == "nfkc":
            out = unicodedata.normalize("NFKC", text)
        elif form == "fullwidth":
            if rng.random() < 0.25:  # an IME left in full-width mode: the whole message
                out = _fullwidth(text).replace(" ", "\u3000")
            else:
                for k in choose(rng, len(tokens.words), self.args.rate):
                    w = tokens.words[k]
                    tokens.parts[w] = _fullwidth(tokens.parts[w])
                out = tokens.text()
        elif form == "ligatures":
            out = _ligatures(text)
        else:  # text pasted from a web page or a word processor keeps its odd spaces
            space = rng.choice(_ODD_SPACES)
            chars = list(text)
            spots = [i for i, c in enumerate(chars) if c == " "]
            for k in choose(rng, len(spots), self.args.rate):
                chars[spots[k]] = space
            out = "".join(chars)
        return Mutation(out, {"form": form})


class EmojiArgs(MutatorArgs):
    kind: Literal["emoji"] = "emoji"
    rate: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Chance that a word with an emoji (phone → phone 📱) or a sentence end "
        "gets one.",
    )


@mutator("emoji", args=EmojiArgs)
class Emoji(MutatorBase[EmojiArgs]):
    """Emoji after words they illustrate and at the end of sentences."""

    family = "format"
    description = "Emoji sprinkled in: after the words they picture and at sentence ends."
    example = "My phone won't sync. → My phone 📱 won't sync 🔄. 😩"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not text.strip():
            return None
        data = format_data()
        words: dict[str, str] = data["emoji_words"]
        endings: dict[str, list[str]] = data["emoji_endings"]
        rate = self.args.rate
        added = 0

        def decorate(m: re.Match[str]) -> str:
            nonlocal added
            token = m.group(0)
            if m.group(1) is not None:
                pick = words.get(token.lower())
            else:
                mood = {"?": "question", "!": "exclamation"}.get(token[-1], "statement")
                pick = rng.choice(endings[mood])
            if pick is None or rng.random() >= rate:
                return token
            added += 1
            return f"{token} {pick}"

        out = _EMOJI_SLOT.sub(decorate, text)
        if added == 0:
            # At least one: the end of the message, where most people put it.
            end = len(out.rstrip())
            mood = {"?": "question", "!": "exclamation"}.get(out[end - 1 : end], "statement")
            out = f"{out[:end]} {rng.choice(endings[mood])}{out[end:]}"
            added = 1
        return Mutation(out, {"added": added})
