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

from golive.diversity._hinglish import FEMININE, is_verb, to_hinglish
from golive.diversity._text import (
    Tokens,
    choose,
    data_lines,
    find_phrases,
    looks_english,
    norm_word,
    tokenize,
)
from golive.diversity.base import Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = [
    "CODEMIX_LANGUAGES",
    "CodemixArgs",
    "HinglishArgs",
    "HinglishMutator",
    "codemix",
    "lexicon",
]

CODEMIX_LANGUAGES = ("es", "fr", "de", "pt", "hi")
_MAX_PHRASE_WORDS = 3
_SENTENCE_END = frozenset(".?!:;\n\"'“”«»¿¡(")
_HYPHENS = frozenset("-‐‑–")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Particles of phrasal verbs: after a verb ("log in", "turn on", "get into") they belong to
# the verb, and "log en" or "turn em" changes the meaning, so they are never switched.
_PARTICLES = _wordset("in on up out off into onto over down back away through around about for")
# Before a word that is both noun and verb ("help", "order", "refund"), a determiner says it
# is the noun: "my refund" → "mi reembolso", but "Can you help me" keeps its verb.
_DETERMINERS = _wordset(
    "a an the my your our their his her its this that these those some any no every each "
    "another new old last next first"
)
# Hindi possessives agree with the possessed noun: (masculine, feminine, plural/oblique).
_HI_POSSESSIVES = {
    "my": ("mera", "meri", "mere"), "your": ("aapka", "aapki", "aapke"),
    "our": ("hamara", "hamari", "hamare"), "his": ("uska", "uski", "uske"),
    "her": ("uska", "uski", "uske"), "their": ("unka", "unki", "unke"),
}  # fmt: skip
# Loanwords whose gender Hinglish speakers agree on; a possessive before any other noun stays
# English rather than risk "mera subscription".
_HI_MASCULINE = _wordset(
    "account password phone number plan data laptop device card refund order bill message "
    "profile username address computer mobile balance attachment backup note"
)
_HI_MODIFIERS = _wordset(
    "new old last first current existing own whole other credit debit email phone billing "
    "desktop mobile free paid monthly yearly"
)
_HI_MARKERS_BEFORE = ("yaar", "arre yaar", "bhai", "acha", "toh")
_HI_MARKERS_AFTER = ("yaar", "na", "please yaar", "bhai")


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


def _hyphenated(parts: list[str], index: int) -> bool:
    """Part of a hyphenated word ("sign-on", "two-factor"): switching half of it breaks it."""
    before = parts[index - 1] if index > 0 else ""
    after = parts[index + 1] if index + 1 < len(parts) else ""
    return bool(before and before[-1] in _HYPHENS) or bool(after and after[0] in _HYPHENS)


def _adjacent(tokens: Tokens, k: int) -> bool:
    """Whether word k and word k + 1 are separated by whitespace only."""
    words, parts = tokens.words, tokens.parts
    return words[k + 1] == words[k] + 2 and parts[words[k] + 1].isspace()


def _protected(tokens: Tokens, language: str) -> set[int]:
    """Indices into ``tokens.words`` of the words a code-switcher would not switch."""
    parts, words = tokens.parts, tokens.words
    keep = {k for k, w in enumerate(words) if _hyphenated(parts, w)}
    for k in range(len(words) - 1):
        word, following = norm_word(parts[words[k]]), norm_word(parts[words[k + 1]])
        if following in _PARTICLES and _adjacent(tokens, k) and is_verb(word):
            keep.update((k, k + 1))  # the whole phrasal verb: "sign in", "get into"
        elif word == "how":  # "how much", "how long": the question word's pair
            keep.add(k + 1)
    table = lexicon(language)
    for k, w in enumerate(words):
        word = norm_word(parts[w])
        if word in table and is_verb(word):  # "help", "order": only as a noun
            previous = norm_word(parts[words[k - 1]]) if k else ""
            if not (k and _adjacent(tokens, k - 1) and previous in _DETERMINERS):
                keep.add(k)
    return keep


def _hindi_possessive(tokens: Tokens, k: int) -> str | None:
    """ "meri" before "subscription", "mera" before "account", "mere" before "notes"; None
    when the noun's gender is not known."""
    parts, words = tokens.parts, tokens.words
    forms = _HI_POSSESSIVES[norm_word(parts[words[k]])]
    gender: tuple[str, bool] | None = None  # (noun, plural) of the last known noun
    for j in range(k + 1, min(k + 4, len(words))):
        if not _adjacent(tokens, j - 1):
            break
        word = norm_word(parts[words[j]])
        if word in _HI_MASCULINE or word in FEMININE:
            gender = (word, False)
        elif word.endswith("s") and (word[:-1] in _HI_MASCULINE or word[:-1] in FEMININE):
            gender = (word[:-1], True)
        elif word not in _HI_MODIFIERS:
            break
    if gender is None:
        return None
    noun, plural = gender
    if noun in FEMININE:
        return forms[1]  # the feminine plural keeps "meri": "meri files"
    return forms[2] if plural else forms[0]


Match = tuple[int, int, str]  # (first, end) index tokens.words; the text put in their place


def _matches(tokens: Tokens, language: str, shouting: bool) -> list[list[Match]]:
    """Units a code-switcher switches, each one or more matches switched together."""
    words = tokens.words
    keep = _protected(tokens, language)
    found = [
        [(first, end, target)]
        for first, end, target in find_phrases(tokens, lexicon(language), _MAX_PHRASE_WORDS)
        if not any(k in keep or _name_like(tokens, words[k], shouting) for k in range(first, end))
    ]
    if language == "hi":  # possessives: one unit, as a speaker says "mera" all through or not
        possessives: list[Match] = []
        for k, w in enumerate(words):
            if norm_word(tokens.parts[w]) in _HI_POSSESSIVES and k not in keep:
                form = _hindi_possessive(tokens, k)
                if form is not None and not _name_like(tokens, w, shouting):
                    possessives.append((k, k + 1, form))
        if possessives:
            found.append(possessives)
    return found


def _hindi_marker(text: str, rng: random.Random) -> tuple[str, str | None]:
    """A discourse marker Hinglish speakers add ("yaar", "arre", "na"), before or after."""
    if rng.random() < 0.5 or len(text) > 400:
        return text, None
    stripped = text.rstrip()
    if rng.random() < 0.5:
        marker = rng.choice(_HI_MARKERS_BEFORE)
        head = text.lstrip()
        lead = text[: len(text) - len(head)]
        keep_capital = head[:2].isupper() or head.startswith("I ")
        body = head if keep_capital else head[:1].lower() + head[1:]
        return f"{lead}{marker[:1].upper()}{marker[1:]}, {body}", marker
    marker = rng.choice(_HI_MARKERS_AFTER)
    end = len(stripped)
    while end and stripped[end - 1] in ".?!":
        end -= 1
    if end == 0:
        return text, None
    return f"{stripped[:end]} {marker}{stripped[end:]}{text[len(stripped) :]}", marker


def codemix(text: str, language: str, rate: float, rng: random.Random) -> Mutation | None:
    """Replace ``rate`` of the words the lexicon knows with their ``language`` equivalent.

    Only English text is mixed; hyphenated words, phrasal verbs ("log in", "turn on") and
    verbs are kept, as code-switchers switch nouns, adjectives and discourse markers."""
    if rate <= 0.0 or not looks_english(text):
        return None
    tokens = tokenize(text)
    if not tokens.words:
        return None
    parts, words = tokens.parts, tokens.words
    shouting = not any(c.islower() for c in text)
    matches = _matches(tokens, language, shouting)
    if not matches:
        return None
    replaced: list[list[str]] = []
    for i in choose(rng, len(matches), rate):
        for first, end, target in matches[i]:
            start, stop = words[first], words[end - 1]
            source = "".join(parts[start : stop + 1])
            parts[start] = _cased(source, target, _sentence_start(parts, start))
            for k in range(start + 1, stop + 1):
                parts[k] = ""
            replaced.append([source, parts[start]])
    out = tokens.text()
    params: dict[str, object] = {"language": language, "rate": rate, "replaced": replaced}
    if language == "hi" and not shouting:
        out, marker = _hindi_marker(out, rng)
        if marker is not None:
            params["marker"] = marker
    return Mutation(out, params)


class CodemixArgs(MutatorArgs):
    """Code-mixing options (shared by every language)."""

    rate: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Share of the words the lexicon knows replaced."
    )


class _Codemix(MutatorBase[CodemixArgs]):
    family = "language"
    language: ClassVar[str]

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        return codemix(text, self.language, self.args.rate, rng)


@mutator("codemix_es", args=CodemixArgs)
class CodemixEs(_Codemix):
    """Spanglish: English with some words switched to Spanish."""

    language = "es"
    description = "Spanglish: a share of the words switched to Spanish, as code-switchers write."
    example = "How do I cancel my subscription? → How do I cancelar mi suscripción?"


@mutator("codemix_fr", args=CodemixArgs)
class CodemixFr(_Codemix):
    """Franglais: English with some words switched to French."""

    language = "fr"
    description = "Franglais: a share of the words switched to French, as code-switchers write."
    example = "I forgot my password → I oublié my mot de passe"


@mutator("codemix_de", args=CodemixArgs)
class CodemixDe(_Codemix):
    """Denglisch: English with some words switched to German."""

    language = "de"
    description = "Denglisch: a share of the words switched to German, as code-switchers write."
    example = "Where can I download my invoices? → Wo can I herunterladen my Rechnungen?"


@mutator("codemix_pt", args=CodemixArgs)
class CodemixPt(_Codemix):
    """Portuñol-style English with some words switched to Portuguese."""

    language = "pt"
    description = "English with a share of the words switched to (Brazilian) Portuguese."
    example = "How do I delete my account? → How do I apagar my conta?"


@mutator("codemix_hi", args=CodemixArgs)
class CodemixHi(_Codemix):
    """English with some words switched to Hindi written in Latin script."""

    language = "hi"
    description = "English with a share of the words switched to Hindi in Latin script."
    example = "My payment failed again today → Mera payment failed phir se aaj"


class HinglishArgs(MutatorArgs):
    """Hinglish has no rate: sentences are rewritten whole."""

    kind: Literal["hinglish"] = "hinglish"


@mutator("hinglish", args=HinglishArgs)
class HinglishMutator(MutatorBase[HinglishArgs]):
    """Transliterated Hinglish: Hindi grammar in Latin script around the English nouns."""

    family = "language"
    description = "Transliterated Hinglish: Hindi grammar in Latin script, English nouns kept."
    example = "How do I reset my password? → apna password reset kaise karu?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not text.strip():
            return None
        out, templates = to_hinglish(text, rng)
        if out == text:
            return None
        return Mutation(out, {"templates": templates})
