"""Word-level noise: speech-to-text homophones, stripped accents and contractions. Imported
by ``golive.diversity.noise``, which is what registers them; split out to keep modules small.
Homophones and contractions use English tables, so they apply to English text only.
"""

from __future__ import annotations

import random
import re
import unicodedata
from functools import cache
from typing import Literal

from pydantic import Field

from golive.diversity._text import (
    Tokens,
    choose,
    data_lines,
    find_phrases,
    looks_english,
    match_case,
    norm_word,
    tokenize,
)
from golive.diversity.base import Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = ["Contractions", "Homophones", "StripAccents"]


class _WordNoise(MutatorBase[MutatorArgs]):
    family = "noise"


@cache
def _homophones() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in data_lines("homophones.txt"):
        # Number words are neither replaced nor written: a quantity must not change.
        group = [w for w in line.split() if not w.endswith("*")]
        for word in group:
            others = tuple(w for w in group if w != word)
            if others:
                table[norm_word(word)] = others
    return table


# A sentence-initial question word is heard as one: speech-to-text does not write "Wear is
# my data stored?", so these stay when they open a sentence.
_QUESTION_WORDS = frozenset(["where", "which", "whose", "who's"])


def _starts_sentence(tok: Tokens, k: int) -> bool:
    """Whether word k of ``tok`` opens a sentence (nothing but spaces or . ? ! before it)."""
    if k == 0:
        return True
    between = "".join(tok.parts[tok.words[k - 1] + 1 : tok.words[k]])
    return "\n" in between or between.strip()[-1:] in (".", "?", "!")


class HomophonesArgs(MutatorArgs):
    kind: Literal["homophones"] = "homophones"
    rate: float = Field(default=0.5, ge=0.0, le=1.0, description="Share of the homophones swapped.")


@mutator("homophones", args=HomophonesArgs)
class Homophones(_WordNoise):
    """Speech-to-text homophones: their/there, your/you're, then/than…"""

    description = "Speech-to-text homophones (their/there, your/you're, then/than, buy/by…)."
    example = "Where can I see my invoices? → Where can I sea my invoices?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not looks_english(text):
            return None
        table = _homophones()
        tok = tokenize(text)
        cands = [
            i
            for k, i in enumerate(tok.words)
            if norm_word(tok.parts[i]) in table
            and not (norm_word(tok.parts[i]) in _QUESTION_WORDS and _starts_sentence(tok, k))
        ]
        picked = choose(rng, len(cands), self.args.rate)
        for c in picked:
            word = tok.parts[cands[c]]
            tok.parts[cands[c]] = match_case(word, rng.choice(table[norm_word(word)]))
        if not picked:
            return None
        return Mutation(tok.text(), {"changed": len(picked)})


_DIACRITICS = re.compile("[\u0300-\u036f]")
# Letters that do not decompose but that people without the key still type plainly.
_PLAIN = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss",
                        "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})  # fmt: skip


@mutator("strip_accents")
class StripAccents(_WordNoise):
    """Accents stripped (café → cafe), as typed on a keyboard without them."""

    description = "Latin accents and diacritics stripped (NFD, marks dropped); other scripts kept."
    example = "¿Cómo puedo obtener un reembolso? → ¿Como puedo obtener un reembolso?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if text.isascii():
            return None
        # Only the combining diacritics block: Devanagari or Thai vowel signs are letters.
        nfd = unicodedata.normalize("NFD", text)
        plain = _DIACRITICS.sub("", nfd)
        marks = len(nfd) - len(plain)
        out = unicodedata.normalize("NFC", plain.translate(_PLAIN))
        if out == unicodedata.normalize("NFC", text):
            return None
        return Mutation(out, {"marks": marks})


@cache
def _contractions() -> tuple[dict[str, str], dict[str, str]]:
    """(long → short, short → long) tables."""
    contract: dict[str, str] = {}
    expand: dict[str, str] = {}
    for line in data_lines("contractions.txt"):
        arrow = "<=>" if "<=>" in line else "=>" if "=>" in line else "<="
        long, short = (s.strip() for s in line.split(arrow))
        if arrow in ("<=>", "=>"):
            contract[norm_word(long)] = short
        if arrow in ("<=>", "<="):
            expand[norm_word(short)] = long
    return contract, expand


class ContractionsArgs(MutatorArgs):
    kind: Literal["contractions"] = "contractions"
    rate: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of the matches rewritten.")


@mutator("contractions", args=ContractionsArgs)
class Contractions(_WordNoise):
    """Contract ("do not" → "don't") or expand ("I'm" → "I am"), one direction per variant."""

    description = "Contracts (do not → don't) or expands (I'm → I am), one direction per variant."
    example = "I do not see my notes → I don't see my notes"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not looks_english(text):
            return None
        tok = tokenize(text)
        contract, expand = _contractions()
        found = {
            "contract": find_phrases(tok, contract, 2),
            "expand": find_phrases(tok, expand, 1),
        }
        directions = [d for d, matches in found.items() if matches]
        if not directions:
            return None
        direction = rng.choice(directions)
        matches = found[direction]
        parts, words = tok.parts, tok.words
        picked = choose(rng, len(matches), self.args.rate)
        for c in picked:
            first, end, new = matches[c]
            source = " ".join(parts[words[w]] for w in range(first, end))
            parts[words[first]] = _case_like(source, new)
            for j in range(words[first] + 1, words[end - 1] + 1):
                parts[j] = ""
        out = tok.text()
        params = {"direction": direction, "changed": len(picked)}
        return None if out == text else Mutation(out, params)


def _case_like(source: str, new: str) -> str:
    """Keep the table's own casing ("I'm") unless the source was Title or ALL CAPS."""
    if source[:1].isupper() and not source.startswith(("I ", "I'", "I’")):
        return match_case(source, new)
    letters = [c for c in source if c.isalpha()]
    return new.upper() if len(letters) > 1 and all(c.isupper() for c in letters) else new
