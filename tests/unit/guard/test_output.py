"""Tests of the output guards: schema (repair, re-ask), output_pii, leak, language_match."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from golive.guard.base import Action
from golive.guard.output import (
    LanguageMatchGuard,
    LeakArgs,
    LeakGuard,
    SchemaArgs,
    SchemaGuard,
    enforce,
)
from golive.registry import registry

SCHEMA = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}
S = SchemaGuard(SchemaArgs(json_schema=SCHEMA))


def test_schema_valid_fenced() -> None:
    assert S.check('```json\n{"a": 1}\n```').action == Action.ALLOW


def test_schema_repairs() -> None:
    for broken in ("{'a': 1,}", "{a: 1", '{"a": 1, "b": [1, 2'):
        d = S.check(broken)
        assert d.action == Action.REDACT and d.text is not None and '"a": 1' in d.text


def test_schema_invalid_escalates_with_reask() -> None:
    d = S.check('{"b": 2}')
    assert d.action == Action.ESCALATE and d.reasons[0] == "re-ask"
    assert "'a' is a required property" in S.reask_prompt


async def test_enforce_reasks_once() -> None:
    calls: list[str] = []

    async def fake(prompt: str) -> str:
        calls.append(prompt)
        return '{"a": 7}'

    value, d = await enforce("not json at all", SCHEMA, fake)
    assert value == {"a": 7} and d.action == Action.ALLOW and len(calls) == 1

    async def still_bad(prompt: str) -> str:
        return "nope"

    value, d = await enforce("nope", SCHEMA, still_bad)
    assert value is None and d.action == Action.BLOCK


async def test_enforce_pydantic_model() -> None:
    class M(BaseModel):
        a: int

    value, d = await enforce('{"a": 3}', M)
    assert value == {"a": 3} and d.action == Action.ALLOW


def test_deep_nesting_never_raises() -> None:
    assert S.check("[" * 100_000).action == Action.ESCALATE
    assert S.check("[" * 5000 + "]" * 5000).action == Action.ESCALATE


def test_leak_canaries_and_prompt() -> None:
    prompt = (
        "You are the support bot for Acme. Never discuss refunds above fifty dollars with anyone."
    )
    g = LeakGuard(LeakArgs(system_prompt=prompt, canaries=["s3cret-token"]))
    assert g.check("Sure, happy to help with your order.").action == Action.ALLOW
    leak = g.check("My rules: never DISCUSS refunds, above fifty dollars with anyone!")
    assert leak.action == Action.BLOCK and leak.detections[0].kind == "SYSTEM_PROMPT_LEAK"
    assert g.check("code CANARY-AB12-9").detections[0].kind == "CANARY_LEAK"
    assert g.check("the s3cret-token is here").action == Action.BLOCK
    assert g.check("refunds above fifty dollars").action == Action.ALLOW  # under 8 words


def test_output_pii_reuses_pii_guard() -> None:
    g = registry.build("guard", registry.parse("guard", {"kind": "output_pii"}, field="g"))
    d = g.check("write to jane@example.com", stage="output")
    assert d.action == Action.REDACT and d.text is not None and "jane@" not in d.text


def test_language_match() -> None:
    g = LanguageMatchGuard()
    q = "Can you tell me when the museum opens on Sundays, please?"
    ok = g.check("The museum opens at ten in the morning on Sundays.", context=q)
    assert ok.action == Action.ALLOW
    d = g.check("El museo abre a las diez de la mañana los domingos.", context=q)
    assert d.action == Action.ESCALATE and "output es" in d.detections[0].reason
    assert g.check("Hola", context=q).action == Action.ALLOW  # too short to judge


@given(st.text(max_size=300))
@settings(max_examples=100, deadline=None)
def test_output_guards_never_raise(text: str) -> None:
    leak = LeakGuard(LeakArgs(system_prompt="one two three four five six seven eight nine"))
    for g in (S, leak, LanguageMatchGuard()):
        assert g.check(text, context=text) == g.check(text, context=text)
