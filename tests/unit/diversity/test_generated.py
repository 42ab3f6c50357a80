"""Model-based rewrites without a server: output cleaning, the disk cache, args and the choice
of language/tone/persona per variant. The HTTP path is in tests/integration."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from golive.diversity._rewrite_cache import RewriteCache, cache_key
from golive.diversity.base import GeneratedMutator
from golive.diversity.expand import rule_based_names
from golive.diversity.generated import (
    LANGUAGES,
    PERSONAS,
    TONES,
    Persona,
    PersonaArgs,
    Tone,
    ToneArgs,
    Translate,
    TranslateArgs,
    clean_output,
)
from golive.registry import registry

ORIGINAL = "How do I cancel my subscription?"


@pytest.mark.parametrize(
    "raw",
    [
        "¿Cómo cancelo mi suscripción?",
        "  ¿Cómo cancelo mi suscripción?\n",
        '"¿Cómo cancelo mi suscripción?"',
        "“¿Cómo cancelo mi suscripción?”",
        "Here is the rewritten message: ¿Cómo cancelo mi suscripción?",
        "Sure! Here's the translation:\n\n¿Cómo cancelo mi suscripción?",
        'Translation: "¿Cómo cancelo mi suscripción?"',
        "<think>The user wants Spanish.</think>\n¿Cómo cancelo mi suscripción?",
        "```\n¿Cómo cancelo mi suscripción?\n```",
        "<message>\n¿Cómo cancelo mi suscripción?\n</message>",
    ],
)
def test_clean_output_strips_what_the_model_added(raw: str) -> None:
    assert clean_output(raw, ORIGINAL) == "¿Cómo cancelo mi suscripción?"


def test_clean_output_keeps_the_users_own_quotes_and_colons() -> None:
    quoted = '"Export to PDF fails", my colleague says'
    assert clean_output(quoted, quoted) == quoted
    assert clean_output('"whole quote"', '"whole quote"') == '"whole quote"'
    note = "Note: my invoice is wrong"
    assert clean_output(note, note) == note
    assert clean_output("  \n ", ORIGINAL) == ""


def test_cache_round_trip_and_unreadable_entries_are_misses(tmp_path: Path) -> None:
    cache = RewriteCache(tmp_path / "rewrites")
    key = cache_key("translate", 1, "model", 0.7, 42, ["sys", "user"])
    assert key == cache_key("translate", 1, "model", 0.7, 42, ["sys", "user"])
    assert key != cache_key("translate", 1, "model", 0.7, 43, ["sys", "user"])
    assert cache.get(key) is None
    cache.put(key, "¿Cómo cancelo mi suscripción? 😀")
    assert cache.get(key) == "¿Cómo cancelo mi suscripción? 😀"
    assert RewriteCache(tmp_path / "rewrites").get(key) == "¿Cómo cancelo mi suscripción? 😀"
    files = list((tmp_path / "rewrites").rglob("*"))
    assert not [f for f in files if f.name.startswith(".tmp-")]  # no temporary file left
    entry = tmp_path / "rewrites" / key[:2] / f"{key}.json"
    entry.write_text("{not json", encoding="utf-8")  # a damaged entry
    assert cache.get(key) is None
    entry.write_text('{"format": 1, "text": ""}', encoding="utf-8")
    assert cache.get(key) is None
    cache.put(key, "again")  # overwrites
    assert cache.get(key) == "again"


def test_args_validate_choices() -> None:
    assert TranslateArgs().languages == ["es", "fr", "de", "hi", "zh"]
    with pytest.raises(ValidationError, match="unknown language 'xx'"):
        TranslateArgs(languages=["es", "xx"])
    with pytest.raises(ValidationError):
        TranslateArgs(languages=[])
    with pytest.raises(ValidationError):
        ToneArgs(tones=["sarcastic"])
    assert set(ToneArgs().tones) == set(TONES)
    assert set(PersonaArgs().personas) == set(PERSONAS)
    assert all(code in LANGUAGES for code in TranslateArgs().languages)


def test_each_variant_of_a_case_takes_another_choice_and_cases_are_mixed() -> None:
    translate = Translate(TranslateArgs())
    langs = [translate._choice(ORIGINAL, k) for k in range(5)]
    assert sorted(langs) == sorted(TranslateArgs().languages)
    firsts = {translate._choice(f"question {i}", 0) for i in range(40)}
    assert len(firsts) >= 4  # one variant per case still covers several languages
    tone = Tone(ToneArgs(tones=["angry"]))
    assert {tone._choice(f"q{i}", k) for i in range(5) for k in range(3)} == {"angry"}
    assert "Spanish" in translate._task("es") and "tone" in tone._task("angry")
    assert "teenager" in Persona(PersonaArgs())._task("teenager")


def test_generated_mutators_are_registered_and_need_a_generator() -> None:
    expected = {
        "translate": "language", "paraphrase": "register", "tone": "register",
        "persona": "register",
    }  # fmt: skip
    names = set(rule_based_names())
    for name, family in expected.items():
        built = registry.build("mutator", registry.parse("mutator", {"kind": name}, field="m"))
        assert isinstance(built, GeneratedMutator)
        assert (built.family, built.expectation, built.needs_generator) == (
            family, "invariant", True
        )  # fmt: skip
        assert built.description and "→" in built.example
        assert name not in names  # never part of the default (rule-based) set
