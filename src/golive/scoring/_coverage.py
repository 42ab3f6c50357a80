"""Answer-vs-reference signals: soft reference coverage, the best-aligned sentence window, and
local contradiction checks (negation, numbers, menu paths) that only count on shared content.

The ``semantic`` scorer asks "does the answer convey the reference without contradicting it?",
which is asymmetric: a long, chatty answer that contains the reference is a good answer.

Every check is linear in the length of the texts (a looping model's 100,000-character reply
scores in a fraction of a second; ``benchmarks/scorer_bounds.py``): words are looked up in
indexes, never compared with every other word. Two bounds keep it so on hostile text: a
"word" longer than 32 letters only matches itself exactly (no prefix or typo match), and
only the first 64 menu-path steps of a text are compared.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from golive.scoring._lexical import (
    _NEGATIONS,
    _NUMBER_WORDS,
    _STOPWORDS,
    _char_grams,
    _numbers,
    _stem,
    char_grams,
    normalize,
    text_cache,
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
# "Settings > Billing > Invoices": each adjacent pair of menu items is one link. Possessive,
# and anchored at a word's start, so a long run of letters is scanned once, not once per letter.
_PATH = re.compile(r"(?<![^\W_])([^\W_]++)\s*+(?:>|→|›)\s*+(?=([^\W_]+))")
_MAX_LINKS = 64  # menu-path steps compared per text (real answers give a handful)
_SOFT_MIN, _SOFT_MAX = 4, 32  # word lengths that prefix and typo matching apply to
_SCAN_MAX = 48  # up to this many words, soft matching scans them instead of building an index
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
    soft: _SoftIndex = field(compare=False)


def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s for s in (p.strip() for p in _SENTENCE.split(text)) if s)


@text_cache
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
    links: dict[tuple[str, str], None] = {}  # in order of appearance, the first _MAX_LINKS
    for m in _PATH.finditer(text):
        links[(_stem(normalize(m.group(1))), _stem(normalize(m.group(2))))] = None
        if len(links) == _MAX_LINKS:
            break
    stems = frozenset(t.stem for t in tokens)
    return Features(
        tuple(tokens),
        stems,
        sentences,
        _numbers(text),
        frozenset(links),
        tuple(anchors),
        _SoftIndex(stems),
    )


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
    return stem in stems or _SoftIndex(stems).soft(stem)


class _SoftIndex:
    """Answers "does a word of the set match ``stem`` by prefix or one typo?" in time linear
    in the length of ``stem``, whatever the size of the set (a pairwise scan was quadratic:
    a 100,000-character reply holds thousands of distinct words).

    The rule (``_soft_in``): a word of the set with 4 to 32 letters, the same first letter as
    ``stem``, that starts with ``stem``, or that ``stem`` starts with, or that is one
    insertion, deletion, substitution or swap of adjacent letters away.
    """

    __slots__ = ("_deleted", "_sorted", "_substituted", "_words")

    def __init__(self, stems: frozenset[str]) -> None:
        self._words = frozenset(w for w in stems if _SOFT_MIN <= len(w) <= _SOFT_MAX)
        self._sorted: list[str] | None = None  # built on first use, as are the two below
        # (i, the word less its letter i) and the word less a letter, for i > 0: the first
        # letter must stay, and a deletion or substitution there that keeps it is at i = 1 too.
        self._substituted: set[tuple[int, str]] = set()
        self._deleted: set[str] = set()

    def _build(self) -> list[str]:
        if self._sorted is None:
            substituted = {(i, w[:i] + w[i + 1 :]) for w in self._words for i in range(1, len(w))}
            self._substituted = substituted
            self._deleted = {d for _, d in substituted}
            self._sorted = sorted(self._words)
        return self._sorted

    def soft(self, stem: str) -> bool:
        """Whether a word of the set matches ``stem`` by prefix or one typo (not exactly)."""
        n = len(stem)
        if not _SOFT_MIN <= n <= _SOFT_MAX or _DIGITS.search(stem) or not self._words:
            return False
        words = self._words
        if len(words) <= _SCAN_MAX:  # a reference, a short answer: a scan beats an index
            first = stem[0]
            return any(
                w[0] == first and (w.startswith(stem) or stem.startswith(w) or _one_edit(stem, w))
                for w in words
            )
        ordered = self._build()
        # A word that starts with stem sorts right at or after it.
        i = bisect_left(ordered, stem)
        if i < len(ordered) and ordered[i].startswith(stem):
            return True
        if stem in self._deleted:  # one letter more in the word
            return True
        # From here the first letter stays (see __init__), so no candidate needs checking.
        less = [stem[:k] + stem[k + 1 :] for k in range(1, n)]
        if not words.isdisjoint(less):  # one letter fewer
            return True
        if not self._substituted.isdisjoint(zip(range(1, n), less, strict=True)):
            return True
        if not words.isdisjoint([stem[:k] for k in range(_SOFT_MIN, n)]):  # a prefix of stem
            return True
        swaps = [stem[:k] + stem[k + 1] + stem[k] + stem[k + 2 :] for k in range(1, n - 1)]
        return not words.isdisjoint(swaps)


def coverage(answer: str, reference: str) -> float:
    """Weighted share of the reference's content words the answer contains (soft-matched)."""
    ref, ans = features(reference), features(answer)
    if not ref.stems:
        return 1.0 if not ans.stems else 0.5
    total = found = 0.0
    for stem in ref.stems:
        weight = _NUMBER_WEIGHT if _DIGITS.search(stem) else 1.0
        total += weight
        if stem in ans.stems or ans.soft.soft(stem):
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
            # Not cached: a long reply has thousands of windows, each seen once.
            window = char_grams(" ".join(sentences[start : start + size]), 3, 3).keys()
            if not window:
                continue
            shared = len(ref & window)
            recall, precision = shared / len(ref), shared / len(window)
            if shared:
                best = max(best, 5 * precision * recall / (4 * precision + recall))
    return best


def negation_conflict(a: str, b: str) -> bool:
    """A word both texts share, in the same local context, is negated in one and not the
    other, and no aligned occurrence agrees. Negations elsewhere do not count.

    Two occurrences are aligned when they share the stem and a context word. They agree when
    both are negated or neither is, or when the negated one's cue sits on words the other
    text negates too (the scopes differ: "no notes are deleted" / "notes won't be deleted").
    Linear: each occurrence in ``a`` looks up its (stem, context word) keys in an index of
    ``b``, instead of being compared with every occurrence of its stem there.
    """
    fa, fb = features(a), features(b)
    negated_a = frozenset().union(*fa.anchors)  # the words either text's negations sit on
    negated_b = frozenset().union(*fb.anchors)
    # (stem, context word) in b -> (plain occurrence, negated one, negated one that agrees
    # with a negated occurrence in a), as bits.
    plain, negated, negated_agrees = 1, 2, 4
    index: dict[tuple[str, str], int] = {}
    for other in fb.tokens:
        if other.cue < 0:
            bits = plain
        else:
            bits = negated | (negated_agrees if fb.anchors[other.cue] & negated_a else 0)
        for word in other.context:
            key = (other.stem, word)
            index[key] = index.get(key, 0) | bits
    verdict: dict[str, bool] = {}  # stem -> some aligned pair agrees
    for token in fa.tokens:
        found = 0
        for word in token.context:
            found |= index.get((token.stem, word), 0)
        if not found:
            continue
        if token.cue < 0:
            agree = bool(found & (plain | negated_agrees))
        else:
            agree = bool(found & negated) or (
                bool(found & plain) and bool(fa.anchors[token.cue] & negated_b)
            )
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
