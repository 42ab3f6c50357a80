"""The bundled knowledge base and its lexical retriever.

Retrieval matches whole words (after a crude English suffix strip), weighted by rarity.
That is the demo's intended weakness: a typo or another language shares no words with the
articles, so the right article is missed and the assistant declines or answers off-topic.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["Article", "Match", "Retriever", "demo_suite_path", "knowledge_base", "terms"]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = _wordset(
    "a about after again all am an and any are as at be been before being both but "
    "by can cannot could did do does doing don down during each few for from "
    "further get got had has have having he her here hers him his how i if in into "
    "is it its just me more most my no nor not now of off on once only or other our "
    "out over own please same she should so some such than that the their them then "
    "there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with would you your yours hi "
    "hello thanks thank nimbus also want need like know tell one way still"
)
# Suffixes stripped so "charges"/"charged"/"charge" meet; a final "e" goes too ("upgrade").
_SUFFIXES = ("ing", "ed", "s")
_TITLE_WEIGHT = 1.5


@dataclass(frozen=True, slots=True)
class Article:
    """One help-center article."""

    id: str
    title: str
    capability: str
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    """An article and how well it matched a question."""

    article: Article
    score: float


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def terms(text: str) -> list[str]:
    """The content words of a text, lower-cased and stemmed, stopwords dropped."""
    words = (w.lower() for w in _WORD.findall(text.replace("'", " ")))
    return [_stem(w) for w in words if len(w) > 1 and w not in _STOPWORDS and not w.isdigit()]


def _data_dir() -> Path:
    return Path(str(resources.files("golive.demo").joinpath("data")))


def demo_suite_path() -> Path:
    """The bundled suite of cases (JSON lines) for the demo application."""
    return _data_dir() / "suite.jsonl"


@cache
def _load_articles() -> tuple[Article, ...]:
    raw = json.loads((_data_dir() / "kb.json").read_text(encoding="utf-8"))
    return tuple(Article(**item) for item in raw)


def knowledge_base() -> list[Article]:
    """The bundled help-center articles."""
    return list(_load_articles())


class Retriever:
    """Ranks articles by the rarity-weighted count of words they share with a question."""

    def __init__(self, articles: Sequence[Article] | None = None, min_score: float = 4.0) -> None:
        self.articles = tuple(articles if articles is not None else _load_articles())
        self.min_score = min_score
        self._body = [frozenset(terms(a.title + " " + a.text)) for a in self.articles]
        self._title = [frozenset(terms(a.title)) for a in self.articles]
        df: Counter[str] = Counter()
        for body in self._body:
            df.update(body)
        n = len(self.articles)
        self._idf = {term: math.log(1.0 + n / count) for term, count in df.items()}

    def rank(self, question: str) -> list[Match]:
        """All articles sharing a word with the question, best first (ties by KB order)."""
        query = set(terms(question))
        matches: list[tuple[float, int]] = []
        for index, (body, title) in enumerate(zip(self._body, self._title, strict=True)):
            score = sum(self._idf[t] for t in query & body)
            score += sum(self._idf[t] * (_TITLE_WEIGHT - 1.0) for t in query & title)
            if score > 0:
                matches.append((score, index))
        matches.sort(key=lambda m: (-m[0], m[1]))
        return [Match(self.articles[i], round(score, 6)) for score, i in matches]

    def best(self, question: str) -> Match | None:
        """The best article when it matches well enough, else None (out of scope)."""
        ranked = self.rank(question)
        if ranked and ranked[0].score >= self.min_score:
            return ranked[0]
        return None
