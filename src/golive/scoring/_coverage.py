"""Answer-vs-reference signals: soft reference coverage, the best-aligned sentence window, and
local contradiction checks (negation, numbers, menu paths) that only count on shared content.

The ``semantic`` scorer asks "does the answer convey the reference without contradicting it?",
which is asymmetric: a long, chatty answer that contains the reference is a good answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from golive.scoring._lexical import (
    _NEGATIONS,
    _NUMBER_WORDS,
    _STOPWORDS,
    _char_grams,
    _numbers,
    _stem,
    normalize,
)

__all__ = [
    "Features",
    "answer_score",
    "conflicts",
    "coverage",
    "features",
    "negation_conflict",
    "number_conflict",
    "path_conflict",
    "symmetric_score",
    "window_containment",
]

# Sentence ends and bullet starts; clauses also end at , ; : (a negation's scope stops there).
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+\s*(?:[-*•]|\d+[.)])?\s*")
_CLAUSE = re.compile(r"[,;:()\[\]]|\s[-–—]\s")
# "Settings > Billing > Invoices": each adjacent pair of menu items is one link.
_PATH = re.compile(r"([^\W_]+)\s*(?:>|→|›)\s*(?=([^\W_]+))")
_DIGITS = re.compile(r"\d")
_SCOPE = 4  # content words after a negation cue that it negates (within the clause)
_CONTEXT = 3  # content words either side that place a word (for local alignment)
_NUMBER_WEIGHT = 2.0  # stated figures matter more than any one word


@dataclass(frozen=True, slots=True)
class Token:
    stem: str
    cue: int  # index of the negation cue whose scope holds the word; -1: not negated
    context: frozenset[str]


@dataclass(frozen=True, slots=True)
class Features:
    """What the checks need from one text, computed once per text (references repeat)."""

    tokens: tuple[Token, ...]
    stems: frozenset[str]
    sentences: tuple[str, ...]
    numbers: frozenset[str]
    links: frozenset[tuple[str, str]]
    anchors: tuple[frozenset[str], ...]  # per negation cue: the words next to it


def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s for s in (p.strip() for p in _SENTENCE.split(text)) if s)


@lru_cache(maxsize=8192)
def features(text: str) -> Features:
    """Tokens (stem, negated, local context), sentences, numbers and menu-path links."""
    sentences = _sentences(text)
    raw: list[tuple[str, int, int]] = []  # (stem, cue index or -1, sentence index)
    anchors: list[frozenset[str]] = []
    for index, sentence in enumerate(sentences):
        for clause in _CLAUSE.split(sentence):
            scope, before = 0, ""
            for word in normalize(clause).split():
                word = _NUMBER_WORDS.get(word, word)
                if word in _NEGATIONS:
                    # The cue's anchors: the word before it and the words it scopes over.
                    scope = _SCOPE
                    anchors.append(frozenset([before] if before else []))
                    continue
                if word in _STOPWORDS:
                    continue
                stem = _stem(word)
                cue = len(anchors) - 1 if scope > 0 else -1
                if cue >= 0 and scope > _SCOPE - 2:
                    anchors[cue] |= {stem}
                raw.append((stem, cue, index))
                scope, before = max(0, scope - 1), stem
    tokens = []
    for i, (stem, cue, sent) in enumerate(raw):
        near = raw[max(0, i - _CONTEXT) : i + _CONTEXT + 1]
        context = frozenset(s for s, _, j in near if j == sent and s != stem)
        tokens.append(Token(stem, cue, context))
    links = frozenset(
        (_stem(normalize(m.group(1))), _stem(normalize(m.group(2)))) for m in _PATH.finditer(text)
    )
    stems = frozenset(t.stem for t in tokens)
    return Features(tuple(tokens), stems, sentences, _numbers(text), links, tuple(anchors))


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one insertion, deletion, substitution or swap."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (
            a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
        )
    return a[i:] == b[i + 1 :]


def _soft_in(stem: str, stems: frozenset[str]) -> bool:
    """Exact stem, or (for words of 4+ letters) a prefix form or a one-letter typo."""
    if stem in stems:
        return True
    if len(stem) < 4 or _DIGITS.search(stem):
        return False
    for other in stems:
        if len(other) < 4 or other[0] != stem[0]:
            continue
        if other.startswith(stem) or stem.startswith(other) or _one_edit(stem, other):
            return True
    return False


def coverage(answer: str, reference: str) -> float:
    """Weighted share of the reference's content words the answer contains (soft-matched)."""
    ref, ans = features(reference), features(answer)
    if not ref.stems:
        return 1.0 if not ans.stems else 0.5
    total = found = 0.0
    for stem in ref.stems:
        weight = _NUMBER_WEIGHT if _DIGITS.search(stem) else 1.0
        total += weight
        if _soft_in(stem, ans.stems):
            found += weight
    return found / total


def window_containment(answer: str, reference: str) -> float:
    """Best share of the reference's character 3-grams found in 1-3 consecutive answer
    sentences, each window discounted by how much else it says (an F2 score)."""
    ref = _char_grams(reference, 3, 3).keys()
    if not ref:
        return 1.0 if not normalize(answer) else 0.0
    sentences = features(answer).sentences or ("",)
    best = 0.0
    for start in range(len(sentences)):
        for size in (1, 2, 3):
            if start + size > len(sentences):
                break
            window = _char_grams(" ".join(sentences[start : start + size]), 3, 3).keys()
            if not window:
                continue
            shared = len(ref & window)
            recall, precision = shared / len(ref), shared / len(window)
            if shared:
                best = max(best, 5 * precision * recall / (4 * precision + recall))
    return best


def _agree(token: Token, mine: Features, other: Token, theirs: Features) -> bool:
    """Same polarity, or the negated side's cue sits on words the other side negates too
    (the scopes differ: "no notes are deleted" / "notes won't be deleted")."""
    if (token.cue < 0) == (other.cue < 0):
        return True
    cue, against = (token.cue, theirs) if token.cue >= 0 else (other.cue, mine)
    anchor = (mine if token.cue >= 0 else theirs).anchors[cue]
    return any(anchor & a for a in against.anchors)


def negation_conflict(a: str, b: str) -> bool:
    """A word both texts share, in the same local context, is negated in one and not the
    other, and no aligned occurrence agrees. Negations elsewhere do not count."""
    fa, fb = features(a), features(b)
    by_stem: dict[str, list[Token]] = {}
    for token in fb.tokens:
        by_stem.setdefault(token.stem, []).append(token)
    verdict: dict[str, bool] = {}  # stem -> some aligned pair agrees
    for token in fa.tokens:
        for other in by_stem.get(token.stem, ()):
            if token.context & other.context:
                agree = _agree(token, fa, other, fb)
                verdict[token.stem] = verdict.get(token.stem, False) or agree
    return any(not agrees for agrees in verdict.values())


def number_conflict(answer: str, reference: str) -> bool:
    """A number the reference states is missing from the answer, and the answer states a
    different number where the reference had it (same neighbouring words)."""
    ref, ans = features(reference), features(answer)
    missing = ref.numbers - ans.numbers
    extra = ans.numbers - ref.numbers
    if not missing or not extra:
        return False
    ref_ctx = frozenset().union(*(t.context for t in ref.tokens if t.stem in missing))
    ans_ctx = frozenset().union(*(t.context for t in ans.tokens if t.stem in extra))
    return bool(ref_ctx & ans_ctx - missing - extra)


def _same_word(a: str, b: str) -> bool:
    return a == b or _soft_in(a, frozenset([b]))


def _has_link(link: tuple[str, str], links: frozenset[tuple[str, str]]) -> bool:
    return any(_same_word(link[0], lft) and _same_word(link[1], rgt) for lft, rgt in links)


def path_conflict(answer: str, reference: str) -> bool:
    """A menu-path step of the reference ("Settings > Billing") is missing from the answer,
    which gives a menu path of its own instead ("Settings > Account")."""
    ref, ans = features(reference).links, features(answer).links
    if not ref or not ans or all(_has_link(link, ans) for link in ref):
        return False
    return any(not _has_link(link, ref) for link in ans)


def conflicts(answer: str, reference: str) -> tuple[bool, bool]:
    """(negation conflict, number or menu-path conflict) of an answer with its reference."""
    figures = number_conflict(answer, reference) or path_conflict(answer, reference)
    return negation_conflict(answer, reference), figures


def _penalise(value: float, conflict: tuple[bool, bool], negation: float, number: float) -> float:
    if conflict[0]:
        value *= negation
    if conflict[1]:
        value *= number
    return max(0.0, min(1.0, value))


def answer_score(
    answer: str, reference: str, *, negation_penalty: float, number_penalty: float
) -> float:
    """How well the answer conveys the reference without contradicting it, in [0, 1]:
    the mean of soft coverage and best-window containment, times each conflict's penalty."""
    value = (coverage(answer, reference) + window_containment(answer, reference)) / 2
    conflict = conflicts(answer, reference)
    return _penalise(value, conflict, negation_penalty, number_penalty)


def symmetric_score(a: str, b: str, *, negation_penalty: float, number_penalty: float) -> float:
    """Mean coverage both ways, times the penalty of a conflict found either way."""
    value = (coverage(a, b) + coverage(b, a)) / 2
    ab, ba = conflicts(a, b), conflicts(b, a)
    return _penalise(value, (ab[0] or ba[0], ab[1] or ba[1]), negation_penalty, number_penalty)
