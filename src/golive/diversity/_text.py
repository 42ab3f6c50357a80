"""Text helpers shared by the rule-based mutators: a lossless word tokeniser that leaves
numbers, URLs and e-mail addresses alone, casing helpers, a QWERTY map and data-file loading.

Every helper is linear in the text's length (mutators must handle 100 kB inputs) and pure:
randomness always comes from the ``random.Random`` a mutator is given.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TypeVar

__all__ = [
    "QWERTY_NEIGHBOURS",
    "Tokens",
    "choose",
    "data_lines",
    "find_phrases",
    "is_protected",
    "looks_english",
    "lower_first",
    "match_case",
    "norm_word",
    "tokenize",
]

V = TypeVar("V")

_SPACE_SPLIT = re.compile(r"(\s+)")
# Words keep inner apostrophes ("don't", "it’s") so contractions are one token.
_WORD_SPLIT = re.compile(r"(\w+(?:['’]\w+)*)")
_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

QWERTY_NEIGHBOURS: dict[str, str] = {
    "q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj",
    "i": "uojk", "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx",
    "f": "drtgvc", "g": "ftyhbv", "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop",
    "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}  # fmt: skip
"""Letters next to each letter on a US QWERTY keyboard (lowercase)."""


def is_protected(chunk: str) -> bool:
    """URLs, e-mail addresses and paths: one token that no mutator may change."""
    return "://" in chunk or "@" in chunk or chunk.startswith("www.") or "/" in chunk


@dataclass(slots=True)
class Tokens:
    """A text cut into parts so that ``"".join(parts) == text``.

    ``words`` are the indices of the parts a mutator may rewrite: runs of letters (with inner
    apostrophes). Numbers, words with digits or underscores, URLs, e-mail addresses and paths
    are parts too, but never in ``words``, so rewriting ``words`` keeps every number intact.
    """

    parts: list[str]
    words: list[int]

    def text(self) -> str:
        return "".join(self.parts)


def tokenize(text: str) -> Tokens:
    parts: list[str] = []
    words: list[int] = []
    for i, chunk in enumerate(_SPACE_SPLIT.split(text)):
        if not chunk:
            continue
        if i % 2 == 1 or is_protected(chunk):  # odd chunks are whitespace
            parts.append(chunk)
            continue
        for j, piece in enumerate(_WORD_SPLIT.split(chunk)):
            if not piece:
                continue
            if j % 2 == 1 and _LETTERS.fullmatch(piece):
                words.append(len(parts))
            parts.append(piece)
    return Tokens(parts, words)


def norm_word(word: str) -> str:
    """Lowercase with typographic apostrophes made plain, for table look-ups."""
    return word.lower().replace("’", "'")


def match_case(source: str, replacement: str) -> str:
    """``replacement`` cased like ``source``: ALL CAPS stays caps, Title stays Title."""
    letters = [c for c in source if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if source[:1].isupper() and replacement:
        return replacement[0].upper() + replacement[1:]
    return replacement


def lower_first(text: str) -> str:
    """Lowercase the first letter when it only starts a sentence ("How" → "how"), not for
    "I", acronyms ("PDF") or names written in capitals."""
    head = text.split(" ", 1)[0]
    if len(head) < 2 or not head[0].isupper() or not head[1:].islower():
        return text
    if norm_word(head).startswith("i'"):  # I'm, I've
        return text
    return text[0].lower() + text[1:]


def choose(rng: random.Random, n: int, rate: float) -> list[int]:
    """Sorted indices of ``max(1, round(rate * n))`` of ``n`` items (none when n == 0)."""
    if n <= 0:
        return []
    k = min(n, max(1, round(rate * n)))
    return sorted(rng.sample(range(n), k))


def find_phrases(
    tokens: Tokens, table: Mapping[str, V], max_words: int
) -> list[tuple[int, int, V]]:
    """Non-overlapping matches of ``table``'s keys, longest first, as (first, end, value)
    where first/end index ``tokens.words``. Keys are lowercase words joined by one space;
    words of a phrase must be separated by plain whitespace in the text."""
    found: list[tuple[int, int, V]] = []
    words, parts = tokens.words, tokens.parts
    i, n = 0, len(words)
    while i < n:
        key = norm_word(parts[words[i]])
        best: tuple[int, V] | None = None
        if key in table:
            best = (i + 1, table[key])
        j = i + 1
        while j < n and j - i < max_words:
            # adjacent words: exactly one whitespace part between them
            if words[j] != words[j - 1] + 2 or not parts[words[j] - 1].isspace():
                break
            key = f"{key} {norm_word(parts[words[j]])}"
            j += 1
            if key in table:
                best = (j, table[key])
        if best is None:
            i += 1
            continue
        found.append((i, best[0], best[1]))
        i = best[0]
    return found


_ENGLISH_WORDS = (
    "the a an to of and or is are was were be do does did i i'm you he she it we they my your "
    "our their me this that what how where when why who which can could would will should not "
    "no in on for with at from by as if so have has had am there"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split(" "))


def looks_english(text: str) -> bool:
    """Whether ``text`` reads as English: a fifth of its first 200 words are common English
    function words (or it is a short ASCII phrase such as "Dark mode?"). Mutators that use
    English word lists or add English sentences apply only then, so a Spanish question does
    not get an English preamble that would change the language a reply is expected in."""
    words = [norm_word(w) for w in _LETTERS.findall(text, 0, 4000)[:200]]
    if not words:
        return False
    hits = sum(w in _ENGLISH for w in words)
    return hits * 5 >= len(words) if hits or len(words) >= 4 else text.isascii()


@cache
def data_lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment (#) lines of a bundled file in golive/diversity/data/."""
    text = (files("golive.diversity") / "data" / name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))
