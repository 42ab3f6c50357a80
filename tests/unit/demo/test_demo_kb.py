"""The bundled knowledge base, the suite file and lexical retrieval."""

from __future__ import annotations

import json

import pytest

from golive.demo import Article, demo_suite_path, knowledge_base
from golive.demo._kb import Retriever, terms

CAPABILITIES = {"billing", "account", "troubleshooting", "policy"}


def test_knowledge_base_has_about_thirty_unique_articles() -> None:
    articles = knowledge_base()
    assert 25 <= len(articles) <= 40
    assert len({a.id for a in articles}) == len(articles)
    assert all(isinstance(a, Article) and a.title and a.text for a in articles)
    assert {a.capability for a in articles} == CAPABILITIES


def test_articles_hold_no_contact_pii() -> None:
    # A PII scorer must not blame the assistant for data that came from its own articles.
    from golive.demo._detect import find_pii

    assert [a.id for a in knowledge_base() if find_pii(a.text)] == []


def test_terms_drop_stopwords_and_stem() -> None:
    assert terms("How do I get the charges refunded?") == ["charg", "refund"]
    assert terms("upgrade") == terms("upgrades") == terms("upgraded")


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        ("How long do I have to ask for a refund?", "billing-refunds"),
        ("Do you accept PayPal?", "billing-payment-methods"),
        ("I forgot my password. How do I reset it?", "account-reset-password"),
        ("How do I export a note to PDF?", "ts-export-pdf"),
        ("Where is my data stored?", "policy-data-location"),
    ],
)
def test_clean_questions_find_their_article(question: str, article_id: str) -> None:
    match = Retriever().best(question)
    assert match is not None and match.article.id == article_id


@pytest.mark.parametrize(
    "question",
    [
        "how do i get a refnud for my subscripton",  # typos share no word with the article
        "¿Cómo puedo obtener un reembolso de mi suscripción?",  # another language
        "Give me a good recipe for chocolate cake.",  # out of scope
    ],
)
def test_typos_other_languages_and_off_topic_find_nothing(question: str) -> None:
    assert Retriever().best(question) is None


def test_rank_is_best_first_and_stable() -> None:
    ranked = Retriever().rank("I was charged twice this month")
    assert ranked[0].article.id == "billing-double-charge"
    assert [m.score for m in ranked] == sorted((m.score for m in ranked), reverse=True)
    assert Retriever().rank("I was charged twice this month") == ranked


def test_suite_file_has_the_promised_mix() -> None:
    cases = [json.loads(line) for line in demo_suite_path().read_text("utf-8").splitlines()]
    tags = [t for c in cases for t in c["tags"]]
    assert 35 <= len(cases) <= 50
    assert tags.count("clean") >= 25
    for tag, least in [("typo", 3), ("multilingual", 3), ("injection", 2), ("pii", 1)]:
        assert tags.count(tag) >= least, tag
    assert {c["capability"] for c in cases} >= CAPABILITIES | {"out-of-scope"}
    assert all(c["reference"] for c in cases)
