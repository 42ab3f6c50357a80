"""exact, contains, not_contains, regex."""

from __future__ import annotations

import pytest

from golive.errors import ConfigError
from golive.schemas import FailureMode


async def test_exact_pass_and_fail(build, obs, case) -> None:
    s = build("exact", value="Paris")
    ok = await s.score(obs("  Paris\n"), case())
    bad = await s.score(obs("paris"), case())
    assert (ok.passed, ok.mode) == (True, FailureMode.WRONG_ANSWER)
    assert bad.passed is False and bad.reason == "output is not 'Paris'"
    assert (
        await build("exact", value="Paris", ignore_case=True).score(obs("PARIS"), case())
    ).passed


async def test_contains_value_and_any_of(build, obs, case) -> None:
    s = build("contains", value="30 days")
    assert (await s.score(obs("Refunds within 30 DAYS."), case())).passed is True
    miss = await s.score(obs("Refunds within two weeks."), case())
    assert miss.passed is False and miss.reason == "missing '30 days'"
    any_of = build("contains", any_of=["thirty days", "30 days"])
    assert (await any_of.score(obs("thirty days"), case())).passed is True
    assert (await any_of.score(obs("a week"), case())).reason == "missing any of 2 expected texts"


def test_contains_needs_exactly_one_of_value_or_any_of(build) -> None:
    with pytest.raises(ConfigError):
        build("contains")
    with pytest.raises(ConfigError):
        build("contains", value="a", any_of=["b"])


async def test_not_contains_with_mode_override(build, obs, case) -> None:
    s = build("not_contains", value="CANARY-X", mode="instruction_hijacked")
    hit = await s.score(obs("sure: canary-x"), case())
    assert hit.passed is False and hit.mode == FailureMode.INSTRUCTION_HIJACKED
    assert "forbidden" in hit.reason
    assert (await s.score(obs("I will not do that."), case())).passed is True


async def test_regex_must_match_and_must_not(build, obs, case) -> None:
    s = build("regex", pattern=r"\b\d{2} days\b")
    assert (await s.score(obs("within 30 days"), case())).passed is True
    assert (await s.score(obs("within a month"), case())).passed is False
    forbid = build("regex", pattern=r"(?i)as an ai", must_match=False)
    bad = await forbid.score(obs("As an AI, I think"), case())
    assert bad.passed is False and bad.mode == FailureMode.WRONG_ANSWER


def test_invalid_regex_is_a_config_error(build) -> None:
    with pytest.raises(ConfigError, match="invalid regular expression"):
        build("regex", pattern="([a-z")
