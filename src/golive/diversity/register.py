"""Register mutators: the same question in the voice real users write in (texting slang,
keyword fragments, run-on messages, anger, over-politeness, chatter before the question).
All keep the question answerable, so the answer must stay right. Their phrases are English,
so they apply to English text only (a Spanish question gets no English preamble).
"""

from __future__ import annotations

import random
import re
from functools import cache
from typing import Literal

from pydantic import Field

from golive.diversity._text import (
    choose,
    data_lines,
    find_phrases,
    looks_english,
    lower_first,
    match_case,
    norm_word,
    tokenize,
)
from golive.diversity.base import Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = ["Angry", "Chatter", "Fragments", "Polite", "RunOn", "Slang"]

_FINAL_PUNCT = re.compile(r"[\s.!?…]+$")
_WH = frozenset({"how", "what", "where", "when", "why", "which", "who"})
_NEW_SENTENCE = re.compile(r"[.!?]\s+\S")


class _Register(MutatorBase[MutatorArgs]):
    family = "register"


def _body(text: str) -> str:
    """The text without its sentence-final punctuation, for joining into a run-on."""
    return _FINAL_PUNCT.sub("", text)


@cache
def _slang() -> tuple[dict[str, tuple[str, ...]], int]:
    table: dict[str, tuple[str, ...]] = {}
    for line in data_lines("slang.txt"):
        phrase, shorts = line.split("=>")
        table[norm_word(" ".join(phrase.split()))] = tuple(s.strip() for s in shorts.split("|"))
    return table, max(len(p.split()) for p in table)


class SlangArgs(MutatorArgs):
    kind: Literal["slang"] = "slang"
    rate: float = Field(default=0.6, ge=0.0, le=1.0, description="Share of the phrases shortened.")


@mutator("slang", args=SlangArgs)
class Slang(_Register):
    """Texting slang and abbreviations: you → u, please → pls, I don't know → idk."""

    description = "Texting abbreviations (you → u, please → pls, thanks → thx, because → bc, idk…)."
    example = (
        "Can you please tell me why my password is wrong? → Can u pls tell me y my pw is wrong?"
    )

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not looks_english(text):
            return None
        table, longest = _slang()
        tok = tokenize(text)
        matches = find_phrases(tok, table, longest)
        picked = choose(rng, len(matches), self.args.rate)
        parts, words = tok.parts, tok.words
        for c in picked:
            first, end, shorts = matches[c]
            source = " ".join(parts[words[w]] for w in range(first, end))
            short = rng.choice(shorts)
            # Texters write abbreviations in lowercase; only shouting stays in capitals.
            parts[words[first]] = match_case(source, short) if source.isupper() else short
            for j in range(words[first] + 1, words[end - 1] + 1):
                parts[j] = ""
        out = tok.text()
        return None if out == text else Mutation(out, {"changed": len(picked)})


@cache
def _function_words() -> frozenset[str]:
    return frozenset(norm_word(w) for w in data_lines("function_words.txt"))


class FragmentsArgs(MutatorArgs):
    kind: Literal["fragments"] = "fragments"
    rate: float = Field(default=1.0, ge=0.0, le=1.0, description="Share of function words dropped.")


@mutator("fragments", args=FragmentsArgs)
class Fragments(_Register):
    """Keyword fragments: function words dropped, word order kept ("reset password how?"
    reads as a machine's reordering, not a person's shorthand)."""

    description = "Keyword-style fragments: function words dropped (negations and numbers kept)."
    example = "How do I reset my password? → how reset password?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not looks_english(text):
            return None
        fw = _function_words()
        tok = tokenize(text)
        parts, words = tok.parts, tok.words
        cands = [i for i in words if norm_word(parts[i]) in fw]
        if not cands or len(cands) == len(words):  # nothing to drop, or nothing would remain
            return None
        picked = choose(rng, len(cands), self.args.rate)
        for c in picked:
            _drop(parts, cands[c])
        out = lower_first("".join(parts).lstrip())
        if not out.strip() or out == text:
            return None
        return Mutation(out, {"dropped": len(picked)})


def _drop(parts: list[str], i: int) -> None:
    """Remove the word at ``i`` with one adjoining space."""
    parts[i] = ""
    if i + 1 < len(parts) and parts[i + 1].isspace():
        parts[i + 1] = ""
    elif i > 0 and parts[i - 1].isspace():
        parts[i - 1] = ""


_JOINS = (" and also ", " also ", ", also ", " and ", " oh and ", " plus ")


@mutator("run_on")
class RunOn(_Register):
    """A run-on message: the question merged with a second, unrelated support question."""

    description = "Run-on message: the question merged with a second generic support question."
    example = (
        "How do I cancel my subscription? → How do I cancel my subscription and also is "
        "there a dark mode"
    )

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = _body(text.strip())
        if not body or not looks_english(body):
            return None
        other = rng.choice(data_lines("support_questions.txt"))
        join = rng.choice(_JOINS)
        if rng.random() < 0.6:
            order, out = "after", body + join + other
        else:
            order, out = "before", other[:1].upper() + other[1:] + join + lower_first(body)
        out += rng.choice(("?", "", "??"))
        return Mutation(out, {"added": other, "order": order})


_PREAMBLES = (
    "This is the third time I'm asking.",
    "I've been waiting for DAYS and nobody has answered.",
    "Seriously, this is ridiculous.",
    "I'm so fed up with this.",
    "Why is this so hard?!",
    "I have wasted my whole morning on this.",
    "Your help pages are useless.",
    "I'm paying for this and nothing works.",
    "Nobody in your support team reads anything, so one more time.",
    "Unbelievable.",
)
_SUFFIXES = ("I want an answer TODAY.", "Just fix it.", "Answer the question please.")


@mutator("angry")
class Angry(_Register):
    """Angry, emotional tone: a frustrated preamble, a shouted word, "!!!"."""

    description = "Angry tone: a frustrated preamble, one word in capitals, '!!!' at the end."
    example = (
        "How do I cancel my subscription? → This is the third time I'm asking. How do I "
        "CANCEL my subscription?!!"
    )

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = _body(text.strip())
        if not body or not looks_english(body):
            return None
        tok = tokenize(body)
        fw = _function_words()
        loud = [
            i for i in tok.words if len(tok.parts[i]) >= 4 and norm_word(tok.parts[i]) not in fw
        ]
        shouted = None
        if loud:
            i = rng.choice(loud)
            shouted = tok.parts[i]
            tok.parts[i] = shouted.upper()
        question = text.rstrip().endswith("?")
        ending = rng.choice(("?!!", "??!!", "?!?!") if question else ("!!!", "!!", "!!!!"))
        preamble = rng.choice(_PREAMBLES)
        out = f"{preamble} {tok.text()}{ending}"
        if rng.random() < 0.3:
            out += " " + rng.choice(_SUFFIXES)
        return Mutation(out, {"preamble": preamble, "shouted": shouted, "ending": ending})


_OPENINGS = (
    "Hello, I hope you are well.",
    "Good morning, I hope this message finds you well.",
    "Dear support team, I hope you are having a lovely day.",
    "Hi there, I hope all is well with you.",
    "Hello and thank you for taking the time to read my message.",
)
_REQUESTS = (
    "I was wondering, if it is not too much trouble, whether you could help me with this:",
    "I am so sorry to bother you, but I would be very grateful for your help.",
    "I apologise in advance if this has been asked before.",
    "If it is at all possible, I would really appreciate some guidance on the following.",
    "I hate to be a bother, but could you kindly help me?",
)
_CLOSINGS = (
    "Thank you so much in advance, I really appreciate your time and help!",
    "Many thanks for your patience and kind assistance.",
    "Thanks ever so much, and have a wonderful day!",
    "I truly appreciate any help you can give. Kind regards.",
)


@mutator("polite")
class Polite(_Register):
    """Over-politeness: greetings, apologies and thanks around the question."""

    description = "Over-polite: greeting, apology and thanks wrapped around the question."
    example = (
        "How do I delete my account? → Hello, I hope you are well. I was wondering, if it "
        "is not too much trouble, … How do I delete my account? Many thanks …"
    )

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body or not looks_english(body):
            return None
        if not _FINAL_PUNCT.search(body):
            body += "?" if norm_word(body.split()[0]) in _WH else "."
        parts = (rng.choice(_OPENINGS), rng.choice(_REQUESTS), body, rng.choice(_CLOSINGS))
        return Mutation(" ".join(parts), {"opening": parts[0], "closing": parts[3]})


_SEGUES = ("Anyway, ", "Anyways, ", "But anyway, ", "So yeah, ", "Anyway ", "")


@mutator("chatter")
class Chatter(_Register):
    """Irrelevant small talk before the question."""

    description = "Irrelevant small talk before the question ('So my cat just knocked…')."
    example = (
        "How do I export a note to PDF? → So my cat just knocked my coffee over lol. "
        "Anyway, how do I export a note to PDF?"
    )

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body or not looks_english(body):
            return None
        line = rng.choice(data_lines("chatter.txt"))
        segue = rng.choice(_SEGUES)
        out = f"{line} {segue}{lower_first(body) if segue else body}"
        return Mutation(out, {"chatter": line, "segue": segue.strip()})
