"""Format mutators, document level: text as a PDF extraction leaves it, a pasted table
flattened to text, the question buried in a long pasted context, and no text at all.

The question's words survive intact (PDF hyphenation is undone by joining ``-\\n``), and what
is added is irrelevant to it, so a correct system must answer as for the bare question.
"""

from __future__ import annotations

import datetime
import itertools
import random
import re
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from golive.diversity._format_docs import format_data
from golive.diversity.base import Expectation, Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = [
    "EMPTY_FORMS",
    "EmptyInput",
    "FlattenedTable",
    "LongContext",
    "LongContextArgs",
    "PdfArtifacts",
]

_LINES_PER_PAGE = 45


def _wrap(line: str, width: int) -> list[str]:
    """Greedy hard wrap at ``width``, hyphenating long words the way PDF layout does."""
    out: list[str] = []
    current = ""
    for word in line.split():
        if not current:
            current = word
            continue
        room = width - len(current) - 1
        if len(word) <= room:
            current += " " + word
            continue
        cut = room - 1  # the hyphen takes a column
        if word.isalpha() and len(word) >= 6 and 3 <= cut <= len(word) - 3:
            out.append(f"{current} {word[:cut]}-")
            current = word[cut:]
        else:
            out.append(current)
            current = word
    out.append(current)
    return out


@mutator("pdf_artifacts")
class PdfArtifacts(MutatorBase[MutatorArgs]):
    """PDF-extraction artefacts: hard line breaks, hyphenation, page headers and footers."""

    family = "format"
    description = (
        "Text as copied out of a PDF: hard line breaks, words hyphenated at line ends, "
        "page headers and footers."
    )
    example = "How do I change my password…? → Page 2 of 7\\nHow do I change my pass-\\nword…"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        if not text.strip():
            return None
        width = rng.randrange(40, 71)
        longest = max(len(line) for line in text.split("\n"))
        if longest <= width:  # a short question still breaks: it came from a narrow column
            width = rng.randrange(max(12, longest // 3), max(13, 2 * longest // 3 + 1))
        lines = [w for line in text.strip().split("\n") for w in _wrap(line, width)]
        template: str = rng.choice(format_data()["pdf_headers"])
        pages = rng.randrange(2, 13)
        page = rng.randrange(1, pages)
        where = rng.choice(("header", "footer", "both"))
        out: list[str] = []
        for start in range(0, len(lines), _LINES_PER_PAGE):
            mark = template.format(page=page, pages=max(pages, page))
            if where != "footer":
                out.append(mark)
            out.extend(lines[start : start + _LINES_PER_PAGE])
            if where != "header":
                out.append(mark)
            page += 1
        return Mutation("\n".join(out), {"width": width, "marks": where})


def _flatten(header: list[str], rows: list[list[str]], style: str) -> str:
    table = [header, *rows]
    if style == "pipes_one_line":  # what copying a table out of a web page often gives
        return " ".join(" | ".join(row) for row in table)
    if style == "tabs":
        return "\n".join("\t".join(row) for row in table)
    if style == "spaces":
        return " ".join("  ".join(row) for row in table)
    if style == "markdown":
        rule = "|" + "|".join("---" for _ in header) + "|"
        lines = ["| " + " | ".join(row) + " |" for row in table]
        return "\n".join([lines[0], rule, *lines[1:]])
    return "\n".join(cell for row in table for cell in row)  # one cell per line


@mutator("flattened_table")
class FlattenedTable(MutatorBase[MutatorArgs]):
    """A pasted table, flattened to text, next to the question."""

    family = "format"
    description = "An unrelated pasted table, flattened to text (pipes, tabs, one cell per line)."
    example = (
        "How do I export? → My devices: Device | OS | Version Work laptop | … How do I export?"
    )

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body:
            return None
        tables = format_data()["tables"]
        index = rng.randrange(len(tables))
        table = tables[index]
        style = rng.choice(("pipes_one_line", "tabs", "spaces", "markdown", "cells"))
        flat = _flatten(table["header"], table["rows"], style)
        position = "above" if rng.random() < 0.75 else "below"
        if position == "above":
            out = f"{table['intro']}\n{flat}\n\n{body}"
        else:
            out = f"{body}\n\n{table['intro']}\n{flat}"
        return Mutation(out, {"table": index, "style": style, "position": position})


class LongContextArgs(MutatorArgs):
    kind: Literal["long_context"] = "long_context"
    target_chars: int = Field(
        default=8000,
        ge=200,
        le=200_000,
        description="Length to pad the message to, in characters (it ends at least this long).",
    )


# Other people in the pasted chat once the bundled conversation has been used.
_SPEAKERS = (("Alex", "Jordan"), ("Mei", "Tom"), ("Ravi", "Chloe"), ("Nina", "Omar"),
             ("Lena", "Marco"), ("Kofi", "Sara"), ("Yuki", "Ben"))  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _filler(rng: random.Random, style: str) -> Iterator[str]:
    """Endless notes paragraphs or chat lines in a seeded order, never one block twice in a
    row: the bundled text first, then recombined (notes: sentences regrouped into new
    paragraphs; chat: the lines reordered between other speakers on later days). Chat
    timestamps only move forward."""
    data = format_data()
    day = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(300))
    if style == "notes":
        paragraphs: list[str] = rng.sample(
            data["filler_paragraphs"], len(data["filler_paragraphs"])
        )
        yield from paragraphs
        sentences = [s for p in paragraphs for s in _SENTENCE.split(p) if s]
        while True:
            rng.shuffle(sentences)
            i = 0
            while i + 3 <= len(sentences):
                n = rng.randint(3, 5)
                yield " ".join(sentences[i : i + n])
                i += n
    lines: list[tuple[str, str]] = [(w, s) for w, s in data["conversation_lines"]]
    names = [("Sam", "Priya"), *rng.sample(_SPEAKERS, len(_SPEAKERS))]
    for round_ in itertools.count():
        minute = rng.randrange(8 * 60, 11 * 60)
        yield f"--- {day.strftime('%a')} {day.day} {day.strftime('%b')} {day.year} ---"
        first, second = names[round_ % len(names)]
        order = lines if round_ == 0 else rng.sample(lines, len(lines))
        for who, what in order:
            minute = min(minute + rng.randint(1, 6), 23 * 60 + 59)
            speaker = first if who == "Sam" else second
            yield f"[{minute // 60:02d}:{minute % 60:02d}] {speaker}: {what}"
        day += datetime.timedelta(days=rng.randint(1, 3))


@mutator("long_context", args=LongContextArgs)
class LongContext(MutatorBase[LongContextArgs]):
    """The question padded with pasted, irrelevant notes or chat up to ``target_chars``."""

    family = "format"
    description = (
        "The question buried in a long pasted context (notes or an old chat), padded to "
        "target_chars (default 8,000)."
    )
    example = "How do I export? → Some background first… (8,000 chars) So, the question: How do I…"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        target = self.args.target_chars
        if not body or len(text) >= target:
            return None
        data = format_data()
        style = rng.choice(("notes", "chat"))
        position = rng.choice(("end", "end", "start", "middle"))
        intro: str = rng.choice(data["long_context_intros"])
        bridge: str = rng.choice(data["long_context_bridges"])
        question = f"{bridge}\n{body}" if bridge else body
        sep = "\n\n" if style == "notes" else "\n"
        pieces = _filler(rng, style)
        filler: list[str] = []
        size, need = 0, target
        while True:  # one round, or more when the joins were under-counted
            while size < need:
                filler.append(next(pieces))
                size += len(filler[-1]) + len(sep)
            if position == "end":
                blocks = [intro, sep.join(filler), question]
            elif position == "start":
                blocks = [body, "(Some context below, in case it helps.)", sep.join(filler)]
            else:  # the middle of a long context is where models lose track most
                half = len(filler) // 2
                blocks = [intro, sep.join(filler[:half]), question, sep.join(filler[half:])]
            out = "\n\n".join(b for b in blocks if b)
            if len(out) >= target:
                break
            need = size + target - len(out)
        return Mutation(out, {"target_chars": target, "style": style, "position": position})


EMPTY_FORMS: dict[str, str] = {
    "empty": "",
    "space": " ",
    "spaces": "   ",
    "newline": "\n",
    "newlines": "\n\n\n",
    "tab": "\t",
    "mixed": " \t\n ",
    "nbsp": "\u00a0",
    "ideographic_space": "\u3000",
}
"""What an empty message looks like on the wire: a form that posts nothing, or only blanks."""


@mutator("empty_input")
class EmptyInput(MutatorBase[MutatorArgs]):
    """The message sent empty or whitespace-only."""

    family = "format"
    # Nothing is left to answer, so the case's reference cannot be judged; params["empty"]
    # lets expand drop it, leaving visible failures (errors, timeouts, empty replies) to judge.
    expectation: Expectation = "invariant"
    description = "The message sent empty or whitespace-only: must not crash the target."
    example = "How do I export? → '' (or '   ', '\\n', a no-break space…)"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        names = [name for name, form in EMPTY_FORMS.items() if form != text]
        name = rng.choice(names)
        return Mutation(EMPTY_FORMS[name], {"empty": True, "form": name})
