"""Lexical similarity signals (character n-grams, stemmed words, negation and number checks).

These are the default semantic-similarity backend: pure Python, a few tens of microseconds
a pair, no model. ``benchmarks/semantic_auc.py`` measures each signal and the combination on
the labelled set in ``tests/data/semantic_pairs.jsonl``; the combination is what it chose.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Generic, TypeVar

__all__ = [
    "char_grams",
    "char_ngram_cosine",
    "char_trigram_jaccard",
    "lexical_similarity",
    "negation_mismatch",
    "normalize",
    "number_mismatch",
    "text_cache",
    "word_overlap",
]

T = TypeVar("T")
# Texts longer than this get a cache of their own, of a few entries: a 100,000-character reply
# and what is computed from it take megabytes, and replies rarely repeat; references and user
# messages are short and repeat across samples, so thousands of those are kept.
LONG_TEXT = 2_000

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# Clock times, so "6 pm", "6:00 pm" and "18:00" state the same number (the hour).
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b|\b(\d{1,2}):(\d{2})\b", re.I)
# Spelled-out numbers, so "two business days" and "2 business days" agree.
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "twenty": "20",
    "thirty": "30", "hundred": "100", "half": "50",
}  # fmt: skip
# Negation cues (English after apostrophes are dropped, plus es/fr/de basics).
_NEGATIONS_TEXT = """\
    not no never cannot cant dont doesnt didnt wont isnt arent wasnt werent shouldnt
    couldnt wouldnt hasnt havent hadnt nothing none nobody neither nor without non nunca
    nada ni ne pas jamais nicht kein keine keinen nie"""
_NEGATIONS = frozenset(_NEGATIONS_TEXT.split())
_STOPWORDS_TEXT = """\
    a an the to of in on at for by with from and or is are was were be been it its this
    that these those you your we our us i my me he she they them their his her as so if do
    does did can could will would should may might please just also any all there here
    what how when where which who whom why have has had am up out about into than then"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_SUFFIXES = ("ingly", "edly", "ing", "ed", "ly", "es", "s")


class text_cache(Generic[T]):  # lower case: used as a decorator, like lru_cache
    """``lru_cache`` for a function of a text: 8,192 short texts, but only 8 long ones."""

    def __init__(self, fn: Callable[..., T]) -> None:
        self._short = lru_cache(maxsize=8192)(fn)
        self._long = lru_cache(maxsize=8)(fn)
        self.__doc__ = fn.__doc__

    def __call__(self, text: str, *args: Hashable) -> T:
        return (self._long if len(text) > LONG_TEXT else self._short)(text, *args)

    def cache_clear(self) -> None:
        self._short.cache_clear()
        self._long.cache_clear()


@text_cache
def normalize(text: str) -> str:
    """Lowercase, NFKD-fold accents away, turn apostrophes off and collapse whitespace."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("'", "").replace("’", "")
    return " ".join(_WORD.findall(folded))


def _stem(word: str) -> str:
    """Stemming-lite: strip one common English suffix while keeping at least 3 letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@text_cache
def _words(text: str) -> tuple[str, ...]:
    return tuple(_NUMBER_WORDS.get(w, w) for w in normalize(text).split())


@text_cache
def _content_stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _words(text) if w not in _STOPWORDS)


@text_cache
def _char_grams(text: str, low: int, high: int) -> Counter[str]:
    return char_grams(text, low, high)


def char_grams(text: str, low: int, high: int) -> Counter[str]:
    """Character ``low``- to ``high``-grams of the normalised text, padded with a space."""
    padded = f" {normalize(text)} "
    grams: Counter[str] = Counter()
    for n in range(low, high + 1):
        grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def char_trigram_jaccard(a: str, b: str) -> float:
    """Jaccard overlap of the two texts' sets of character trigrams."""
    ga, gb = _char_grams(a, 3, 3).keys(), _char_grams(b, 3, 3).keys()
    if not ga or not gb:
        return 1.0 if normalize(a) == normalize(b) else 0.0
    return len(ga & gb) / len(ga | gb)


def char_ngram_cosine(a: str, b: str) -> float:
    """Cosine of sublinear-TF vectors of character 2-, 3- and 4-grams."""
    ga, gb = _char_grams(a, 2, 4), _char_grams(b, 2, 4)
    if not ga or not gb:
        return 1.0 if normalize(a) == normalize(b) else 0.0
    wa = {g: 1.0 + math.log(c) for g, c in ga.items()}
    wb = {g: 1.0 + math.log(c) for g, c in gb.items()}
    dot = sum(w * wb[g] for g, w in wa.items() if g in wb)
    na = math.sqrt(sum(w * w for w in wa.values()))
    nb = math.sqrt(sum(w * w for w in wb.values()))
    return dot / (na * nb)


def word_overlap(a: str, b: str) -> float:
    """Dice overlap of stemmed content words (stopwords dropped)."""
    sa, sb = _content_stems(a), _content_stems(b)
    if not sa or not sb:
        return 1.0 if sa == sb else 0.0
    return 2 * len(sa & sb) / (len(sa) + len(sb))


@text_cache
def _negated(text: str) -> bool:
    # Presence, not parity: French "ne ... pas" is two cues for one negation.
    return any(w in _NEGATIONS for w in _words(text))


def negation_mismatch(a: str, b: str) -> bool:
    """True when one text carries a negation cue and the other does not."""
    return _negated(a) != _negated(b)


def _hour(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        hour = int(match.group(1)) % 12 + (12 if match.group(3).lower() == "p" else 0)
        minutes = match.group(2)
    else:
        hour, minutes = int(match.group(4)), match.group(5)
    return f" {hour} " if minutes in (None, "00") else f" {hour} {minutes} "


@text_cache
def _numbers(text: str) -> frozenset[str]:
    digits = _NUMBER.findall(_CLOCK.sub(_hour, text).replace(",", ""))
    spelled = [_NUMBER_WORDS[w] for w in normalize(text).split() if w in _NUMBER_WORDS]
    return frozenset(d.lstrip("0") or "0" for d in [*digits, *spelled])


def number_mismatch(a: str, b: str) -> bool:
    """True when both texts state numbers and neither's numbers contain the other's."""
    na, nb = _numbers(a), _numbers(b)
    return bool(na and nb) and not (na <= nb or nb <= na)


def lexical_similarity(
    a: str,
    b: str,
    *,
    negation_penalty: float = 0.25,
    number_penalty: float = 0.25,
) -> float:
    """The default lexical score in [0, 1]: mean of the n-gram and word signals, penalised
    when the texts disagree on negation or on the numbers they state."""
    base = (char_ngram_cosine(a, b) + char_trigram_jaccard(a, b) + word_overlap(a, b)) / 3
    if negation_mismatch(a, b):
        base *= negation_penalty
    if number_mismatch(a, b):
        base *= number_penalty
    return max(0.0, min(1.0, base))
