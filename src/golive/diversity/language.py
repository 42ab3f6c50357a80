"""Language mutators: code-mixing by word substitution (Spanglish, Franglais, Denglisch…)
from lexicons bundled with golive, and transliterated Hinglish.

Both preserve meaning (invariant): the system must still answer, and in a language the user
can read. Product names, numbers, URLs and e-mail addresses are never touched.
"""

from __future__ import annotations

import random
from functools import cache
from typing import ClassVar, Literal

from pydantic import Field

from golive.diversity._hinglish import to_hinglish
from golive.diversity._text import Tokens, choose, data_lines, find_phrases, tokenize
from golive.diversity.base import Expectation, Mutation, MutatorArgs
from golive.registry import mutator

__all__ = [
    "CODEMIX_LANGUAGES",
    "CodemixArgs",
    "CodemixDeArgs",
    "CodemixEsArgs",
    "CodemixFrArgs",
    "CodemixHiArgs",
    "CodemixPtArgs",
    "HinglishArgs",
    "HinglishMutator",
    "codemix",
    "lexicon",
]

CODEMIX_LANGUAGES = ("es", "fr", "de", "pt", "hi")
_MAX_PHRASE_WORDS = 3
_SENTENCE_END = frozenset(".?!:;\n\"'“”«»¿¡(")


@cache
def lexicon(language: str) -> dict[str, str]:
    """English word or phrase (lowercase) → the word a code-switching user writes instead."""
    table: dict[str, str] = {}
    for line in data_lines(f"lexicon_{language}.tsv"):
        english, _, target = line.partition("\t")
        if target:
            table[english.strip()] = target.strip()
    return table


def _sentence_start(parts: list[str], index: int) -> bool:
    """Whether the part at ``index`` starts a sentence (so its capital is not a name's)."""
    for j in range(index - 1, -1, -1):
        part = parts[j]
        if not part or part.isspace():  # "" where a phrase was merged into its first word
            if "\n" in part:
                return True
            continue
        return part[-1] in _SENTENCE_END
    return True


def _name_like(tokens: Tokens, index: int, shouting: bool) -> bool:
    """Capitalised mid-sentence (Plus, PayPal, PDF): a product or proper name, kept."""
    word = tokens.parts[index]
    if shouting or word == "I" or not word[:1].isupper():
        return False
    return not _sentence_start(tokens.parts, index)


def _cased(source: str, target: str, sentence_start: bool) -> str:
    letters = [c for c in source if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return target.upper()
    if source[:1].isupper() and (source != "I" or sentence_start):
        return target[:1].upper() + target[1:]
    return target


def codemix(text: str, language: str, rate: float, rng: random.Random) -> Mutation | None:
    """Replace ``rate`` of the words the lexicon knows with their ``language`` equivalent."""
    if rate <= 0.0:
        return None
    tokens = tokenize(text)
    if not tokens.words:
        return None
    parts, words = tokens.parts, tokens.words
    shouting = not any(c.islower() for c in text)
    matches = [
        (first, end, target)
        for first, end, target in find_phrases(tokens, lexicon(language), _MAX_PHRASE_WORDS)
        if not any(_name_like(tokens, words[k], shouting) for k in range(first, end))
    ]
    if not matches:
        return None
    replaced: list[list[str]] = []
    for i in choose(rng, len(matches), rate):
        first, end, target = matches[i]
        start, stop = words[first], words[end - 1]
        source = "".join(parts[start : stop + 1])
        parts[start] = _cased(source, target, _sentence_start(parts, start))
        for k in range(start + 1, stop + 1):
            parts[k] = ""
        replaced.append([source, parts[start]])
    return Mutation(tokens.text(), {"language": language, "rate": rate, "replaced": replaced})


class CodemixArgs(MutatorArgs):
    """Code-mixing options (shared by every language)."""

    rate: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Share of the words the lexicon knows replaced."
    )


class CodemixEsArgs(CodemixArgs):
    kind: Literal["codemix_es"] = "codemix_es"


class CodemixFrArgs(CodemixArgs):
    kind: Literal["codemix_fr"] = "codemix_fr"


class CodemixDeArgs(CodemixArgs):
    kind: Literal["codemix_de"] = "codemix_de"


class CodemixPtArgs(CodemixArgs):
    kind: Literal["codemix_pt"] = "codemix_pt"


class CodemixHiArgs(CodemixArgs):
    kind: Literal["codemix_hi"] = "codemix_hi"


class _Codemix:
    family = "language"
    expectation: Expectation = "invariant"
    language: ClassVar[str]
    name: ClassVar[str]
    description: ClassVar[str]
    example: ClassVar[str]

    def __init__(self, args: CodemixArgs) -> None:
        self.args = args

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        return codemix(text, self.language, self.args.rate, rng)


@mutator("codemix_es", args=CodemixEsArgs)
class CodemixEs(_Codemix):
    """Spanglish: English with some words switched to Spanish."""

    name, language = "codemix_es", "es"
    description = "Spanglish: a share of the words switched to Spanish, as code-switchers write."
    example = "How do I cancel my subscription? → How do I cancelar mi suscripción?"


@mutator("codemix_fr", args=CodemixFrArgs)
class CodemixFr(_Codemix):
    """Franglais: English with some words switched to French."""

    name, language = "codemix_fr", "fr"
    description = "Franglais: a share of the words switched to French, as code-switchers write."
    example = "I forgot my password → I oublié my mot de passe"


@mutator("codemix_de", args=CodemixDeArgs)
class CodemixDe(_Codemix):
    """Denglisch: English with some words switched to German."""

    name, language = "codemix_de", "de"
    description = "Denglisch: a share of the words switched to German, as code-switchers write."
    example = "Where can I download my invoices? → Wo can I herunterladen my Rechnungen?"


@mutator("codemix_pt", args=CodemixPtArgs)
class CodemixPt(_Codemix):
    """Portuñol-style English with some words switched to Portuguese."""

    name, language = "codemix_pt", "pt"
    description = "English with a share of the words switched to (Brazilian) Portuguese."
    example = "How do I delete my account? → How do I apagar my conta?"


@mutator("codemix_hi", args=CodemixHiArgs)
class CodemixHi(_Codemix):
    """English with some words switched to Hindi written in Latin script."""

    name, language = "codemix_hi", "hi"
    description = "English with a share of the words switched to Hindi in Latin script."
    example = "My payment failed again today → Mera payment failed phir se aaj"


class HinglishArgs(MutatorArgs):
    """Hinglish has no rate: sentences are rewritten whole."""

    kind: Literal["hinglish"] = "hinglish"


@mutator("hinglish", args=HinglishArgs)
class HinglishMutator:
    """Transliterated Hinglish: Hindi grammar in Latin script around the English nouns."""

    name = "hinglish"
    family = "language"
    expectation: Expectation = "invariant"
    description = "Transliterated Hinglish: Hindi grammar in Latin script, English nouns kept."
    example = "How do I reset my password? → apna password reset kaise karu?"

    def __init__(self, args: HinglishArgs) -> None:
        self.args = args

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not text.strip():
            return None
        out, templates = to_hinglish(text, rng)
        if out == text:
            return None
        return Mutation(out, {"templates": templates})
