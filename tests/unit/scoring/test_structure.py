"""json_schema and length."""

from __future__ import annotations

import pytest

from golive.errors import ConfigError
from golive.schemas import FailureMode
from golive.scoring.structure import extract_json

SCHEMA = {
    "type": "object",
    "properties": {"refund_days": {"type": "integer"}},
    "required": ["refund_days"],
}


def test_extract_json_prefers_a_fenced_block() -> None:
    assert extract_json('Here:\n```json\n{"a": 1}\n```\nbye') == {"a": 1}
    assert extract_json(' {"a": 2} ') == {"a": 2}
    with pytest.raises(ValueError):
        extract_json("no json here")


async def test_json_schema_pass_violation_and_not_json(build, obs, case) -> None:
    s = build("json_schema", schema=SCHEMA)
    assert (await s.score(obs('```json\n{"refund_days": 30}\n```'), case())).passed is True
    wrong = await s.score(obs('{"refund_days": "thirty"}'), case())
    assert wrong.passed is False and wrong.mode == FailureMode.SCHEMA_VIOLATION
    assert wrong.reason.startswith("schema violation at refund_days")
    not_json = await s.score(obs("thirty days"), case())
    assert not_json.passed is False and not_json.reason.startswith("not valid JSON")


def test_invalid_schema_is_a_config_error(build) -> None:
    with pytest.raises(ConfigError, match="invalid JSON Schema"):
        build("json_schema", schema={"type": "nonsense"})


async def test_length_too_long_is_oversized_too_short_is_wrong_answer(build, obs, case) -> None:
    s = build("length", min_words=2, max_chars=20)
    long = await s.score(obs("x" * 21), case())
    assert (long.passed, long.mode, long.reason) == (
        False,
        FailureMode.OVERSIZED,
        "21 chars > max 20",
    )
    short = await s.score(obs("Yes."), case())
    assert (short.passed, short.mode) == (False, FailureMode.WRONG_ANSWER)
    assert short.reason == "1 words < min 2"
    assert (await s.score(obs("Yes, within 30 days."), case())).passed is True


def test_length_needs_a_bound(build) -> None:
    with pytest.raises(ConfigError):
        build("length")
