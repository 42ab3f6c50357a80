"""Noise mutators: each makes the slip it promises, keeps numbers, URLs and meaning, and says
what it did in its params."""

from __future__ import annotations

import random
import re

import pytest

from golive.diversity._text import (
    QWERTY_NEIGHBOURS,
    find_phrases,
    looks_english,
    lower_first,
    tokenize,
)
from golive.diversity.base import Mutation, Mutator
from golive.registry import registry

QUESTION = "How do I reset my password? My card 4111 1111 ends in 1111, see https://x.io/a."


def build(name: str, **args: object) -> Mutator:
    parsed = registry.parse("mutator", {"kind": name, **args}, field="test")
    built = registry.build("mutator", parsed)
    assert isinstance(built, Mutator) and built.family == "noise"
    return built


def run(name: str, text: str, seed: int = 0, **args: object) -> Mutation:
    out = build(name, **args).mutate(text, random.Random(seed))
    assert out is not None, f"{name} did not apply to {text!r}"
    return out


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def test_tokenize_is_lossless_and_protects_numbers_urls_and_emails() -> None:
    text = "Hi  jane.doe@example.com, it's 4111-1111 at https://a.b/c?d=1 ok…\n"
    tok = tokenize(text)
    assert tok.text() == text
    assert [tok.parts[i] for i in tok.words] == ["Hi", "it's", "at", "ok"]


def test_find_phrases_prefers_the_longest_and_needs_adjacent_words() -> None:
    tok = tokenize("I don't know, do not know. I don't,know")
    table = {"i don't know": "idk", "i don't": "x", "do not": "don't"}
    found = [(a, b, v) for a, b, v in find_phrases(tok, table, 3)]
    assert found == [(0, 3, "idk"), (3, 5, "don't"), (6, 8, "x")]


def test_lower_first_keeps_i_and_acronyms() -> None:
    assert lower_first("How do I") == "how do I"
    assert lower_first("I'm lost") == "I'm lost"
    assert lower_first("PDF export") == "PDF export"


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("forgot my pasword, cant log in", True),
        ("how mcuh dose the plus plan cots", True),
        ("Dark mode?", True),
        ("¿Cómo puedo obtener un reembolso de mi suscripción?", False),
        ("Comment puis-je réinitialiser mon mot de passe ?", False),
        ("mera password reset kaise karu yaar", False),
        ("12345", False),
    ],
)
def test_looks_english(text: str, english: bool) -> None:
    assert looks_english(text) is english


def test_english_tables_skip_other_languages() -> None:
    for name in ("homophones", "contractions"):
        assert (
            build(name).mutate("Je ne sais pas où est mon mot de passe", random.Random(0)) is None
        )


def test_typos_use_keyboard_neighbours_and_touch_a_share_of_words() -> None:
    text = " ".join(["password"] * 40)
    out = run("typos", text, rate=0.25)
    changed = [w for w in words(out.text) if w != "password"]
    assert out.params["changed"] == len(changed) == 10
    for word in changed:
        if len(word) == len("password"):  # a substitution: one letter, by a neighbour key
            diffs = [(a, b) for a, b in zip("password", word, strict=True) if a != b]
            assert len(diffs) == 1
            assert diffs[0][1] in QWERTY_NEIGHBOURS[diffs[0][0]]


def test_typos_never_touch_numbers_or_urls() -> None:
    for seed in range(30):
        out = run("typos", QUESTION, seed, rate=1.0)
        for kept in ("4111 1111", "1111", "https://x.io/a."):
            assert kept in out.text


def test_typos_do_not_apply_without_letters() -> None:
    assert build("typos").mutate("12 34 56", random.Random(0)) is None


def test_char_noise_swaps_drops_or_doubles_letters() -> None:
    out = run("char_noise", "subscription " * 30, rate=1.0)
    assert out.params["swap"] + out.params["drop"] + out.params["double"] == 30
    for word in words(out.text):
        assert abs(len(word) - len("subscription")) <= 1
        assert word != "subscription"


def test_ocr_confusions_come_from_the_table() -> None:
    out = run("ocr", "modern clown", rate=1.0)
    # one confusion per word: m→rn, rn→m, d→cl, cl→d, w→vv, l→1/I, o→0, e→c
    first, second = words(out.text)
    assert first != "modern" and second != "clown"


def test_homophones_swap_within_a_group_and_keep_number_words() -> None:
    out = run("homophones", "Their two cats are over there", rate=1.0)
    assert out.text.startswith(("There ", "They're "))
    assert " two " in out.text  # number words are never replaced
    assert out.params["changed"] >= 2


@pytest.mark.parametrize("seed", range(12))
def test_casing_records_its_style(seed: int) -> None:
    text = "How do I export a note to PDF, version 1.5? Don't know."
    out = run("casing", text, seed)
    style = out.params["style"]
    assert style in ("random", "all_caps", "lower_no_punct")
    if style == "all_caps":
        assert out.text == text.upper()
    elif style == "lower_no_punct":
        assert out.text == "how do i export a note to pdf version 1.5 dont know"
    else:
        assert out.text.lower() == text.lower()


def test_whitespace_punct_changes_only_spacing_and_punctuation() -> None:
    text = "Hi, how do I export a note to PDF? Thanks."
    for seed in range(20):
        out = run("whitespace_punct", text, seed, rate=0.5)
        assert re.sub(r"[\s,.?!]", "", out.text) == re.sub(r"[\s,.?!]", "", text)
        assert out.params["ops"]


def test_strip_accents_keeps_other_scripts() -> None:
    out = run("strip_accents", "Réinitialiser mon mot de passe, Straße, नमस्ते, 한국어")
    assert out.text == "Reinitialiser mon mot de passe, Strasse, नमस्ते, 한국어"
    assert build("strip_accents").mutate("plain ascii", random.Random(0)) is None


def test_contractions_contract_or_expand_one_direction() -> None:
    out = run("contractions", "Do not worry, I am sure it is fine")
    assert out.text == "Don't worry, I'm sure it's fine"
    assert out.params == {"direction": "contract", "changed": 3}
    back = run("contractions", "I'm sure you're right, I don't KNOW")
    assert back.text == "I am sure you are right, I do not KNOW"
    assert back.params["direction"] == "expand"


def test_contractions_do_not_expand_ambiguous_forms() -> None:
    assert build("contractions").mutate("it's been a while", random.Random(0)) is None


@pytest.mark.parametrize(
    "name", ["typos", "char_noise", "ocr", "homophones", "casing", "whitespace_punct"]
)
def test_same_seed_same_output_and_seeds_differ(name: str) -> None:
    text = "Where is their invoice? I would like to buy two more seats for my team right now."
    outs = {run(name, text, seed).text for seed in range(8)}
    assert run(name, text, 3) == run(name, text, 3)
    assert len(outs) > 1


def test_homophones_keep_a_sentence_initial_question_word() -> None:
    for seed in range(10):
        out = build("homophones", rate=1.0).mutate("Where is my data stored?", random.Random(seed))
        assert out is None or out.text.startswith("Where ")
        two = build("homophones", rate=1.0).mutate(
            "Thanks. Which plan is right? Where can I see it?", random.Random(seed)
        )
        assert two is not None and "Which plan" in two.text and "Where can" in two.text
    # mid-sentence, a question word is still a candidate ("I know where" → "I no wear")
    outs = {run("homophones", "I know where it is", s, rate=1.0).text for s in range(10)}
    assert any("wear" in o for o in outs)
