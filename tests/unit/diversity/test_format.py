"""Format mutators: deterministic per seed, and the original question stays recoverable
(map confusables back, drop invisible characters, NFKC, strip emoji or markup)."""

from __future__ import annotations

import datetime
import html
import random
import re
import time
import unicodedata
from typing import Any

import pytest

from golive.diversity._format_docs import format_data
from golive.diversity.format import (
    EMPTY_FORMS,
    HOMOGLYPHS,
    ZERO_WIDTH,
    EmailQuote,
    Emoji,
    EmojiArgs,
    EmptyInput,
    FlattenedTable,
    Homoglyphs,
    HomoglyphsArgs,
    HtmlWrap,
    LongContext,
    LongContextArgs,
    MarkdownWrap,
    PdfArtifacts,
    Signature,
    UnicodeNormalization,
    UnicodeNormalizationArgs,
    ZeroWidth,
    ZeroWidthArgs,
)

QUESTIONS = [
    "How long do I have to ask for a refund?",
    "My phone won't sync my notes anymore. I already reinstalled the app! What else can I try?",
    "Can I export a whole notebook to PDF, including the attached files and images?",
    "Where can I download my invoices for the last year",
]
SEEDS = range(40)

MUTATORS: dict[str, Any] = {
    "homoglyphs": Homoglyphs(HomoglyphsArgs()),
    "zero_width": ZeroWidth(ZeroWidthArgs()),
    "unicode_normalization": UnicodeNormalization(UnicodeNormalizationArgs()),
    "emoji": Emoji(EmojiArgs()),
    "markdown_wrap": MarkdownWrap(),
    "html_wrap": HtmlWrap(),
    "email_quote": EmailQuote(),
    "signature": Signature(),
    "pdf_artifacts": PdfArtifacts(),
    "flattened_table": FlattenedTable(),
    "long_context": LongContext(LongContextArgs()),
    "empty_input": EmptyInput(),
}


def outputs(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(question, output, params) for every question and seed."""
    found = []
    for q in QUESTIONS:
        for seed in SEEDS:
            out = MUTATORS[name].mutate(q, random.Random(seed))
            assert out is not None, (name, q, seed)
            assert out.canary is None
            found.append((q, out.text, out.params))
    return found


def squash(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def in_order(needles: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(any(w == h for h in it) for w in needles)


@pytest.mark.parametrize("name", sorted(MUTATORS))
def test_describes_itself_and_is_deterministic(name: str) -> None:
    m = MUTATORS[name]
    assert (m.name, m.family, m.expectation) == (name, "format", "invariant")
    assert "→" in m.example and "\n" not in m.description
    for q in QUESTIONS:
        assert m.mutate(q, random.Random(3)) == m.mutate(q, random.Random(3))
    distinct = {m.mutate(QUESTIONS[1], random.Random(s)).text for s in SEEDS}
    assert len(distinct) > 3, f"{name} barely varies with the seed"


@pytest.mark.parametrize("name", sorted(set(MUTATORS) - {"empty_input"}))
def test_changes_the_text_but_not_on_blank_input(name: str) -> None:
    for q, text, _ in outputs(name):
        assert text != q
    for blank in ("", "   ", "\n\t"):
        assert MUTATORS[name].mutate(blank, random.Random(0)) is None


def test_homoglyphs_map_back_to_the_original() -> None:
    back = {look: latin for latin, looks in HOMOGLYPHS.items() for look in looks}
    assert all(len(look) == 1 and not look.isascii() for look in back)
    for q, text, params in outputs("homoglyphs"):
        assert "".join(back.get(c, c) for c in text) == q
        assert sum(not c.isascii() for c in text) == params["swapped"] >= 1


def test_homoglyphs_leave_urls_and_addresses_alone() -> None:
    q = "Is https://example.com/help the same as help@example.com?"
    out = MUTATORS["homoglyphs"].mutate(q, random.Random(1))
    assert out is not None
    assert "https://example.com/help" in out.text and "help@example.com" in out.text


def test_zero_width_characters_hide_inside_words() -> None:
    for q, text, params in outputs("zero_width"):
        assert text.translate({ord(c): None for c in ZERO_WIDTH}) == q
        assert sum(c in ZERO_WIDTH for c in text) == params["inserted"] >= 1
        assert not re.search(f"[{ZERO_WIDTH}](\\s|$)|(^|\\s)[{ZERO_WIDTH}]", text)


def test_unicode_normalization_is_undone_by_nfkc() -> None:
    forms = set()
    cafe = "Can I pay at the café with my card, or is it flight-only? Find the office file."
    for q, text, params in [
        *outputs("unicode_normalization"),
        *(
            (cafe, out.text, out.params)
            for s in SEEDS
            if (out := MUTATORS["unicode_normalization"].mutate(cafe, random.Random(s)))
        ),
    ]:
        forms.add(params["form"])
        assert unicodedata.normalize("NFKC", text) == unicodedata.normalize("NFKC", q)
    assert forms == {"nfd", "fullwidth", "ligatures", "odd_spaces"}


def test_emoji_strip_back_to_the_original() -> None:
    data = format_data()
    emoji = set(data["emoji_words"].values())
    emoji.update(e for pool in data["emoji_endings"].values() for e in pool)
    pattern = re.compile(" (?:" + "|".join(map(re.escape, sorted(emoji, key=len)[::-1])) + ")")
    for q, text, params in outputs("emoji"):
        assert pattern.sub("", text) == q
        assert len(pattern.findall(text)) == params["added"] >= 1


def test_markdown_keeps_every_word_in_order() -> None:
    styles = set()
    for q, text, params in outputs("markdown_wrap"):
        styles.add(params["style"])
        assert in_order(words(q), words(text))
    assert styles >= {"bold_label", "heading", "blockquote", "code_block", "bullets"}


def test_html_unescapes_to_the_original() -> None:
    for q, text, _ in outputs("html_wrap"):
        assert "<" in text
        shown = html.unescape(re.sub(r"<[^>]+>", " ", text))
        assert squash(q) in squash(shown)
    out = MUTATORS["html_wrap"].mutate("Is <b> & 'x' safe?", random.Random(2))
    assert out is not None and "<b> &" not in out.text


def test_email_quote_keeps_the_question_above_or_below_a_quoted_thread() -> None:
    positions = set()
    for q, text, params in outputs("email_quote"):
        positions.add(params["position"])
        assert q in text
        quoted = [line for line in text.split("\n") if line.startswith(">")]
        assert len(quoted) >= 3
        assert q not in "\n".join(quoted)
    assert positions == {"top", "bottom"}


def test_signature_keeps_the_question_whole() -> None:
    layouts = set()
    for q, text, params in outputs("signature"):
        layouts.add(params["layout"])
        assert q in text and len(text) > len(q) + 20
        if params["layout"].startswith("banner"):
            assert not text.startswith(q)
        else:
            assert text.startswith(q + "\n\n")
    assert len(layouts) == 4


def test_pdf_artifacts_rejoin_to_the_original() -> None:
    hyphenated = 0
    for q, text, params in outputs("pdf_artifacts"):
        lines = text.split("\n")
        assert len(lines) >= 2
        # The questions carry no digits; every header and footer does.
        assert all(len(line) <= params["width"] for line in lines if not re.search(r"\d", line))
        hyphenated += bool(re.search(r"[a-z]-\n[a-z]", text))
        rejoined = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text).replace("\n", " ")
        assert squash(q) in squash(rejoined)
    assert hyphenated > 10


def test_pdf_artifacts_break_long_text_into_pages() -> None:
    long = " ".join(QUESTIONS * 40)
    out = MUTATORS["pdf_artifacts"].mutate(long, random.Random(5))
    assert out is not None
    lines = out.text.split("\n")
    marks = [line for line in lines if re.search(r"\d", line)]
    pages = -(-(len(lines) - len(marks)) // 45)
    assert pages >= 3
    assert len(marks) == pages * (2 if out.params["marks"] == "both" else 1)


def test_flattened_table_sits_next_to_the_untouched_question() -> None:
    styles = set()
    tables = format_data()["tables"]
    for q, text, params in outputs("flattened_table"):
        styles.add(params["style"])
        table = tables[params["table"]]
        assert q in text and table["intro"] in text
        assert all(cell in text for cell in table["header"])
        if params["style"] == "pipes_one_line":
            assert " | ".join(table["header"]) in text
    assert len(styles) == 5


@pytest.mark.parametrize("target", [200, 8000, 200_000])
def test_long_context_reaches_its_target(target: int) -> None:
    m = LongContext(LongContextArgs(target_chars=target))
    seen = set()
    started = time.perf_counter()
    for seed in range(12):
        out = m.mutate(QUESTIONS[0], random.Random(seed))
        assert out is not None
        seen.add((out.params["position"], out.params["style"]))
        assert target <= len(out.text) <= target + 1000
        assert QUESTIONS[0] in out.text
        assert out == m.mutate(QUESTIONS[0], random.Random(seed))
    assert time.perf_counter() - started < 2.0
    assert len(seen) >= 4


def test_long_context_skips_text_already_that_long() -> None:
    m = LongContext(LongContextArgs(target_chars=200))
    assert m.mutate("x " * 150, random.Random(0)) is None


def test_empty_input_is_blank_and_marked() -> None:
    forms = set()
    for _, text, params in outputs("empty_input"):
        assert text.strip() == ""
        assert params["empty"] is True
        forms.add(params["form"])
    assert forms == set(EMPTY_FORMS)
    for blank in EMPTY_FORMS.values():  # an already blank message gets another blank form
        out = MUTATORS["empty_input"].mutate(blank, random.Random(0))
        assert out is not None and out.text != blank and not out.text.strip()


def test_bundled_texts_carry_no_personal_data() -> None:
    """The flawed demo echoes personal data back; padding must not plant any."""
    from golive.scoring._pii import find_pii

    data = format_data()
    texts = [
        *data["signatures"],
        *data["disclaimers"],
        *data["banners"],
        *data["thread_bodies"],
        *data["filler_paragraphs"],
        *(" ".join(" | ".join(r) for r in [t["header"], *t["rows"]]) for t in data["tables"]),
    ]
    for text in texts:
        assert find_pii(text) == [], text


def test_email_quote_dates_have_their_real_weekday() -> None:
    pattern = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) ([A-Z][a-z]{2}) (\d{4})")
    checked = 0
    for seed in range(60):
        out = EmailQuote().mutate(QUESTIONS[0], random.Random(seed))
        assert out is not None
        for day, date, month, year in pattern.findall(out.text):
            when = datetime.datetime.strptime(f"{date} {month} {year}", "%d %b %Y")
            assert when.strftime("%a") == day, out.text
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("target", [8000, 30_000])
def test_long_context_does_not_repeat_blocks_and_time_moves_forward(target: int) -> None:
    m = LongContext(LongContextArgs(target_chars=target))
    styles = set()
    for seed in range(12):
        out = m.mutate(QUESTIONS[0], random.Random(seed))
        assert out is not None
        styles.add(out.params["style"])
        blocks = [b for b in re.split(r"\n+", out.text) if len(b) > 60]
        assert len(blocks) == len(set(blocks)), "a padding block repeated verbatim"
        for day in re.split(r"^--- .* ---$", out.text, flags=re.M):
            stamps = re.findall(r"^\[(\d\d):(\d\d)\] ", day, flags=re.M)
            minutes = [int(h) * 60 + int(m) for h, m in stamps]
            assert minutes == sorted(minutes), "chat timestamps jump back within a day"
    assert styles == {"notes", "chat"}
