"""The language scorer (lingua; the detector is built once per language set)."""

from __future__ import annotations

import pytest

from golive.errors import ConfigError
from golive.schemas import FailureMode

EN = "You can get a refund within thirty days of your purchase."
ES = "Puede obtener un reembolso dentro de los treinta días posteriores a su compra."


async def test_reply_in_the_users_language_passes(build, obs, case) -> None:
    s = build("language")
    ok = await s.score(obs(ES), case("¿Cuántos días tengo para pedir un reembolso?"))
    assert (ok.passed, ok.reason) == (True, "reply in es")


async def test_reply_in_another_language_fails(build, obs, case) -> None:
    s = build("language")
    bad = await s.score(obs(EN), case("¿Cuántos días tengo para pedir un reembolso?"))
    assert (bad.passed, bad.mode) == (False, FailureMode.LANGUAGE_MISMATCH)
    assert bad.reason.startswith("reply in en (") and bad.reason.endswith("expected es")


async def test_short_texts_are_not_judged(build, obs, case) -> None:
    s = build("language")
    assert (await s.score(obs(EN), case("Hola"))).passed is None  # user text too short
    short = await s.score(obs("Sí, claro."), case("What is the refund window please?"))
    assert (short.passed, short.mode) == (None, None)


async def test_explicit_expected_and_override(build, obs, case) -> None:
    s = build("language", expected="de", mode="wrong_answer")
    bad = await s.score(obs(EN), case(EN))
    assert (bad.passed, bad.mode) == (False, FailureMode.WRONG_ANSWER)


def test_unknown_language_code_is_a_config_error(build) -> None:
    with pytest.raises(ConfigError):
        build("language", expected="xx")
