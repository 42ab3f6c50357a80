"""Code-mixing and Hinglish: deterministic, rate-bound, names/numbers/URLs kept, and Hinglish
that reads like what Indian users type for the demo suite's support questions."""

from __future__ import annotations

import json
import random
import re

import pytest

from golive.demo import demo_suite_path
from golive.diversity.language import (
    CODEMIX_LANGUAGES,
    CodemixEs,
    HinglishArgs,
    HinglishMutator,
    codemix,
    lexicon,
)
from golive.registry import registry

# The demo suite's English questions (the ones already in Spanish, French or German and the
# attacks with quoted payloads are excluded where noted).
QUESTIONS = [
    c["input"] if isinstance(c["input"], str) else c["input"][-1]["content"]
    for c in map(json.loads, demo_suite_path().read_text(encoding="utf-8").splitlines())
]
ENGLISH = [q for q in QUESTIONS if q.isascii()][:30]

_HINGLISH = (
    "kaise kya hai hain karu karun kar karo karte mera meri mere apna apni apne kahan "
    "ke ka ki se mein pe nahi aap main maine mujhe agar toh kitne kitna hota ho jab"
)
HINGLISH_WORDS = frozenset(_HINGLISH.split())


def _mix(text: str, lang: str = "es", rate: float = 0.3, seed: int = 0) -> str | None:
    out = codemix(text, lang, rate, random.Random(seed))
    return None if out is None else out.text


@pytest.mark.parametrize("lang", CODEMIX_LANGUAGES)
def test_lexicons_are_bundled_lowercase_and_never_map_a_word_to_itself(lang: str) -> None:
    table = lexicon(lang)
    assert len(table) >= (150 if lang == "hi" else 250)
    for english, target in table.items():
        assert english == english.lower() and english.strip() == english
        assert target and target.lower() != english
    support = {"today", "tomorrow", "help", "money"}
    if lang != "hi":  # Hinglish speakers keep most support words in English
        support |= {"account", "password", "payment", "subscription", "invoice", "refund"}
        support |= {"email", "phone"}
    # verbs, participles, question words and "not" make ungrammatical mixes: left out
    assert not {"cancel", "delete", "upgrade", "get", "forgot", "deleted", "how", "what"} & set(
        table
    )
    assert support <= table.keys()


def test_same_seed_same_text_other_seeds_differ() -> None:
    text = "How do I cancel my subscription and get a refund for my last payment today?"
    assert _mix(text, seed=7) == _mix(text, seed=7)
    assert len({_mix(text, seed=s) for s in range(10)}) > 3


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 1.0])
def test_rate_is_the_share_of_known_words_replaced(rate: float) -> None:
    text = "my account, my password, my payment, my refund, my invoice and my phone"
    out = codemix(text, "es", rate, random.Random(1))
    assert out is not None
    known = 12  # six "my" and six nouns (and "and")
    assert len(out.params["replaced"]) == max(1, round(rate * (known + 1)))
    assert out.params["language"] == "es" and out.params["rate"] == rate
    for source, target in out.params["replaced"]:
        assert target == lexicon("es")[source.lower()] and target in out.text


def test_rate_zero_or_nothing_known_changes_nothing() -> None:
    assert codemix("How do I cancel my subscription?", "es", 0.0, random.Random(0)) is None
    assert _mix("¿Cuánto cuesta el plan Plus al mes?") is None
    assert _mix("") is None and _mix("   ") is None and _mix("1234 5678") is None


def test_numbers_urls_emails_and_product_names_are_kept() -> None:
    text = (
        "My email jane.doe@example.com and my card 4111 1111 1111 1111 were charged twice; "
        "see https://example.com/account/refund. The Free plan and the Plus plan on PayPal."
    )
    out = _mix(text, rate=1.0)
    assert out is not None
    for kept in (
        "jane.doe@example.com", "4111 1111 1111 1111", "https://example.com/account/refund.",
        "Free", "Plus", "PayPal",
    ):  # fmt: skip
        assert kept in out
    assert "cuenta" not in out  # "account" inside the URL is not a word to mix
    assert "tarjeta" in out and "dos veces" in out


def test_capitalisation_of_the_first_letter_is_kept() -> None:
    assert _mix("Password reset please", rate=1.0) == "Contraseña reset por favor"
    assert _mix("THE PRICE OF MY ACCOUNT", rate=1.0) == "THE PRECIO DE MI CUENTA"
    # German nouns keep their capital whatever the English word had
    assert _mix("delete my account", "de", rate=1.0) == "delete my Konto"


def test_gendered_possessives_are_not_switched_where_they_would_disagree() -> None:
    for lang in ("fr", "de", "pt"):
        assert "my" not in lexicon(lang) and "this" not in lexicon(lang)
    assert _mix("cancel my account", "pt", rate=1.0) == "cancel my conta"


def test_phrases_switch_as_one_unit() -> None:
    out = _mix("I need a new credit card and my email address", rate=1.0)
    assert out == "I need a nuevo tarjeta de crédito y mi correo electrónico"


@pytest.mark.parametrize("lang", CODEMIX_LANGUAGES)
@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Do you support single sign-on with Okta?", "single sign-on"),
        ("How do I turn on two-factor authentication?", "turn on two-factor"),
        ("forgot my pasword, cant log in", "log in"),
        ("I lost my phone. How do I sign in?", "sign in"),
        ("How do I sign up for the team plan?", "sign up"),
        ("How do I get into my account from a new phone?", "get into"),
        ("How do I set up my account?", "set up"),
        ("Turn off the sync on my phone", "Turn off"),
    ],
)
def test_hyphenated_words_and_phrasal_verbs_are_never_split(
    lang: str, text: str, kept: str
) -> None:
    for seed in range(5):
        out = codemix(text, lang, 1.0, random.Random(seed))
        assert out is None or kept.lower() in out.text.lower(), (lang, out)


@pytest.mark.parametrize("lang", CODEMIX_LANGUAGES)
def test_no_bare_verbs_or_question_words_inside_english_syntax(lang: str) -> None:
    text = (
        "If I upgrade in the middle of my billing period, how much am I charged? Can you help "
        "me? I forgot my password and deleted my notes. What should I do?"
    )
    out = codemix(text, lang, 1.0, random.Random(0))
    assert out is not None
    switched = {source.lower() for source, _ in out.params["replaced"]}
    assert not switched & {"upgrade", "help", "forgot", "deleted", "how", "much", "what", "do"}
    assert "I upgrade in the" in out.text and "Can you help me?" in out.text


def test_nouns_that_are_also_verbs_switch_only_as_nouns() -> None:
    assert _mix("Can you help me?", rate=1.0) is None
    out = _mix("Thanks for the help", rate=1.0)
    assert out is not None and "ayuda" in out


def test_text_that_is_not_english_is_not_mixed() -> None:
    assert codemix("¿Cuánto cuesta el plan Plus al mes?", "fr", 1.0, random.Random(0)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my team", "meri team"),
        ("my subscription", "meri subscription"),
        ("my payment failed", "meri payment failed"),
        ("my settings", "meri settings"),
        ("my account", "mera account"),
        ("my notes", "mere notes"),
        ("your new phone", "aapka"),
    ],
)
def test_hindi_possessives_agree_with_their_noun(text: str, expected: str) -> None:
    for seed in range(6):
        out = codemix(text, "hi", 1.0, random.Random(seed))
        assert out is not None and expected in out.text.lower(), out


def test_hindi_possessive_stays_english_before_a_noun_of_unknown_gender() -> None:
    out = codemix("my stuff and my account", "hi", 1.0, random.Random(0))
    assert out is not None
    assert "my stuff" in out.text and "mera account" in out.text


def test_codemix_hi_is_varied_over_the_demo_suite() -> None:
    counts: dict[str, int] = {}
    for i, q in enumerate(ENGLISH):
        out = codemix(q, "hi", 0.3, random.Random(i))
        for source in {s.lower() for s, _ in ([] if out is None else out.params["replaced"])}:
            counts[source] = counts.get(source, 0) + 1
        if out is not None and "marker" in out.params:
            counts["<marker>"] = counts.get("<marker>", 0) + 1
    total = sum(counts.values())
    assert len(counts) >= 8 and max(counts.values()) <= total * 0.4, counts


def test_codemix_mutators_are_registered_and_apply_their_language() -> None:
    for lang in CODEMIX_LANGUAGES:
        args = registry.parse("mutator", {"kind": f"codemix_{lang}", "rate": 0.5}, field="m")
        built = registry.build("mutator", args)
        assert (built.name, built.family, built.expectation) == (
            f"codemix_{lang}",
            "language",
            "invariant",
        )
        out = built.mutate("How do I delete my account today?", random.Random(2))
        assert out is not None and out.params["language"] == lang
    assert CodemixEs().args.rate == 0.3  # the shared default, without a config
    assert registry.build("mutator", CodemixEs().args).args == CodemixEs().args


# -- Hinglish ---------------------------------------------------------------------------------


def _hinglish(text: str, seed: int = 0) -> str | None:
    out = HinglishMutator(HinglishArgs()).mutate(text, random.Random(seed))
    return None if out is None else out.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Where is my data stored?", "mera data kahan store hota hai?"),
        ("Is there a discount for students?", "kya students ke liye koi discount hai?"),
        ("What is the maximum size of an attachment?", "attachment ka maximum size kya hai?"),
        ("How much does the Plus plan cost per month?", "Plus plan per month kitne ka hai?"),
        ("What's the weather going to be like in Paris tomorrow?",
         "kal Paris mein weather kaisa rahega?"),
        ("What happens when my payment fails?", "agar meri payment fail ho jaye toh kya hota hai?"),
        ("How many devices can I sync on the Free plan?",
         "Free plan pe kitne devices sync kar sakta hoon?"),
        ("How long do I have to ask for a refund?", "refund request karne ke liye kitna time hai?"),
    ],
)  # fmt: skip
def test_hinglish_reads_like_indian_users_text(text: str, expected: str) -> None:
    assert _hinglish(text) == expected


def test_how_do_i_puts_the_verb_last_with_kaise() -> None:
    outs = {_hinglish("How do I reset my password?", seed) for seed in range(20)}
    assert "apna password reset kaise karu?" in outs
    shape = re.compile(r"(apna|mera) password (reset kaise|kaise reset) \w.*\?")
    assert all(shape.fullmatch(o or "") for o in outs)


def test_hinglish_on_the_demo_suite_keeps_nouns_and_uses_hindi_grammar() -> None:
    nouns = re.compile(
        r"\b(password|account|refund|subscription|invoices|payment|notes?|PDF|PayPal|Evernote|"
        r"Okta|Plus|Team|devices|phone|laptop|attachment|discount|students|data|backups|email)\b",
        re.IGNORECASE,
    )
    templated = 0
    for question in ENGLISH:
        out = HinglishMutator(HinglishArgs()).mutate(question, random.Random(3))
        assert out is not None, question
        words = set(re.findall(r"[a-z]+", out.text.lower()))
        assert words & HINGLISH_WORDS, (question, out.text)
        for noun in nouns.findall(question):
            assert noun.lower() in out.text.lower(), (question, out.text, noun)
        templated += bool(out.params["templates"])
    assert templated >= 0.9 * len(ENGLISH)


def test_quoted_text_and_other_languages_are_left_alone() -> None:
    quoted = 'Can you help with this ticket? "Export to PDF fails for me."'
    out = _hinglish(quoted)
    assert out is not None and out.endswith('"Export to PDF fails for me."')
    assert out.startswith("kya aap")
    assert _hinglish("¿Cómo puedo obtener un reembolso de mi suscripción?") is None
    assert _hinglish("") is None and _hinglish(" \n ") is None


def test_hinglish_keeps_numbers_and_emails() -> None:
    text = (
        "My email is jane.doe@example.com and I was charged twice on my card "
        "4111 1111 1111 1111. Can you refund the duplicate?"
    )
    out = _hinglish(text)
    assert out is not None
    assert "jane.doe@example.com" in out and "4111 1111 1111 1111" in out
    assert "do baar" in out and "kya aap duplicate refund kar sakte ho?" in out


def test_hinglish_is_deterministic_and_handles_long_input() -> None:
    text = "How do I cancel my subscription? My notes are not syncing. " * 1500  # ~90 kB
    first = _hinglish(text, 5)
    assert first is not None and first == _hinglish(text, 5)
    assert "sync nahi ho rahe" in first
