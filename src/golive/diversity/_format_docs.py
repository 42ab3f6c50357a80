"""Format mutators, message level: the question wrapped in markdown, HTML or an e-mail
thread, or with a pasted signature and legal disclaimer around it.

The original words stay in order and intact (HTML only escapes them), so a correct system
must answer as it did for the bare question. Bundled texts are in data/format.json.
"""

from __future__ import annotations

import datetime
import html
import json
import random
import re
from functools import cache
from importlib.resources import files
from typing import Any

from golive.diversity.base import Mutation, MutatorArgs, MutatorBase
from golive.registry import mutator

__all__ = [
    "EmailQuote",
    "HtmlWrap",
    "MarkdownWrap",
    "Signature",
    "format_data",
    "sentences",
]

_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s+(?=\S)")


@cache
def format_data() -> dict[str, Any]:
    """The bundled texts of the format mutators (loaded once)."""
    raw = (files("golive.diversity") / "data" / "format.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def sentences(text: str) -> list[str]:
    """The text cut after . ! or ? (whitespace between sentences dropped)."""
    return _SENTENCE_GAP.split(text.strip())


_MD_LABELS = ("Question", "Quick question", "Issue", "Help needed", "Support request")


@mutator("markdown_wrap")
class MarkdownWrap(MutatorBase[MutatorArgs]):
    """The message formatted as markdown: bold, a heading, a quote, a code block, bullets."""

    family = "format"
    description = "The message wrapped in markdown: bold label, heading, quote, code block, list."
    example = "How do I export? → **Question:** How do I export?"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body:
            return None
        parts = sentences(body)
        styles = ["bold_label", "heading", "blockquote", "code_block", "emphasis"]
        if len(parts) > 1:
            styles.append("bullets")
        style = rng.choice(styles)
        label = rng.choice(_MD_LABELS)
        if style == "bold_label":
            out = f"**{label}:** {body}"
        elif style == "heading":
            out = f"{rng.choice(('#', '##', '###'))} {label}\n\n{body}"
        elif style == "blockquote":
            out = "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))
        elif style == "code_block":
            out = f"```\n{body}\n```"
        elif style == "emphasis":
            mark = rng.choice(("**", "*", "_"))
            out = "\n".join(
                f"{mark}{line}{mark}" if line.strip() else line for line in body.split("\n")
            )
        else:
            out = "\n".join(f"- {p}" for p in parts)
        return Mutation(out, {"style": style})


_HTML_SHELLS = {
    "paragraph": "<p>{body}</p>",
    "div": '<div dir="ltr">{body}</div>',
    "rich_paste": '<div><span style="font-family: Arial, sans-serif; font-size: 11pt;">'
    "{body}</span></div>",
    "document": '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Message</title>'
    "</head>\n<body>\n<p>{body}</p>\n</body>\n</html>",
    "form": '<form class="contact"><label>Message</label>\n<div class="msg">{body}</div>\n</form>',
}


@mutator("html_wrap")
class HtmlWrap(MutatorBase[MutatorArgs]):
    """The message as the HTML a rich-text editor or a web form sends."""

    family = "format"
    description = "The message in HTML markup, escaped, as a rich-text editor or web form sends."
    example = "What's the price? → <p>What&#x27;s the price?</p>"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body:
            return None
        shell = rng.choice(sorted(_HTML_SHELLS))
        escaped = html.escape(body, quote=rng.random() < 0.5)
        breaks = rng.random() < 0.5
        if breaks:  # editors turn each line (and often each sentence) into <br> runs
            escaped = "<br>\n".join("<br>\n".join(sentences(line)) for line in escaped.split("\n"))
        out = _HTML_SHELLS[shell].replace("{body}", escaped)
        return Mutation(out, {"shell": shell, "breaks": breaks})


def _thread_header(rng: random.Random) -> str:
    data = format_data()
    template: str = rng.choice(data["thread_headers"])
    hour, minute = rng.randrange(7, 20), rng.randrange(60)
    # A real date, so the weekday a mail client prints is that date's weekday.
    when = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    return template.format(
        day=data["thread_days"][when.weekday()],
        date=f"{when.day} {data['thread_months'][when.month - 1]} {when.year}",
        time=f"{hour:02d}:{minute:02d}",
        sender=rng.choice(data["thread_senders"]),
        subject=rng.choice(data["thread_subjects"]),
    )


@mutator("email_quote")
class EmailQuote(MutatorBase[MutatorArgs]):
    """The message as an e-mail reply, quoting the earlier thread with '> ' lines."""

    family = "format"
    description = "The message as an e-mail reply above (or below) a quoted earlier thread."
    example = "How do I export? → How do I export?\\n\\nOn Tue, 4 Mar 2025 at 09:12, … wrote:\\n> …"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body:
            return None
        data = format_data()
        header = _thread_header(rng)
        earlier: str = rng.choice(data["thread_bodies"])
        quoted = "\n".join(f"> {line}" if line else ">" for line in earlier.split("\n"))
        if rng.random() < 0.3:  # a second, older level of the thread
            older = rng.choice(data["thread_bodies"])
            quoted += "\n>\n" + "\n".join(f"> > {ln}" if ln else "> >" for ln in older.split("\n"))
        opener: str = rng.choice(data["reply_openers"])
        if "\n" in header:  # Outlook-style header blocks are followed by a blank line
            header += "\n"
        position = "top" if rng.random() < 0.8 else "bottom"
        if position == "top":
            out = f"{opener}{body}\n\n{header}\n{quoted}"
        else:  # replying below the quote, as some mail clients and people do
            out = f"{header}\n{quoted}\n\n{opener}{body}"
        return Mutation(out, {"position": position})


@mutator("signature")
class Signature(MutatorBase[MutatorArgs]):
    """A pasted e-mail signature, legal disclaimer or external-mail banner around the message."""

    family = "format"
    description = "E-mail signatures, legal disclaimers and 'external sender' banners pasted in."
    example = "How do I export? → How do I export?\\n\\nBest regards,\\nMaria …\\nCONFIDENTIALITY …"

    def mutate(self, text: str, rng: random.Random) -> Mutation | None:
        body = text.strip()
        if not body:
            return None
        data = format_data()
        layout = rng.choice(("signature", "signature+disclaimer", "banner+signature", "disclaimer"))
        head = f"{rng.choice(data['banners'])}\n\n" if layout.startswith("banner") else ""
        tail = []
        if "signature" in layout:
            tail.append(rng.choice(data["signatures"]))
        if "disclaimer" in layout:
            tail.append(rng.choice(data["disclaimers"]))
        # Outlook draws a rule between the signature and the disclaimer; others a blank line.
        joiner = "\n\n" if rng.random() < 0.7 else "\n\n________________________________\n\n"
        out = head + body + "\n\n" + joiner.join(tail)
        return Mutation(out, {"layout": layout})
