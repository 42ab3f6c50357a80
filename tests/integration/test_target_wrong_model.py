"""The openai target on a model the server does not serve: a config error naming the field
the model came from, before any measurement (the CLI side is in e2e/test_wrong_model_cli)."""

from __future__ import annotations

import pytest

from golive.errors import ConfigError
from golive.execution.observe import observe
from golive.schemas import Message, Request
from golive.targets.openai import OpenAIArgs, OpenAITarget
from servers.counting import counting_server

REQUEST = Request(messages=(Message(role="user", content="hello"),))


async def _first(target: OpenAITarget) -> None:
    await observe(
        target, REQUEST, case_id="c", sample=0, t_sched_ns=0, timeout_s=10, max_output_chars=1000
    )


async def test_validate_names_the_served_models() -> None:
    with counting_server({}) as server:
        target = OpenAITarget(OpenAIArgs(url=server.url, model="nope"))
        await target.start()
        try:
            with pytest.raises(ConfigError) as info:
                await target.validate()
        finally:
            await target.close()
    assert info.value.field == "target.model"
    assert "'counting', 'other'" in str(info.value) and "(--model)" in str(info.value)


@pytest.mark.parametrize("stream", [True, False])
async def test_a_404_before_any_answer_is_a_config_error_after_one_it_is_data(
    stream: bool,
) -> None:
    with counting_server({}, list_models=False) as server:
        wrong = OpenAITarget(OpenAIArgs(url=server.url, model="nope", stream=stream))
        await wrong.start()
        try:
            assert await wrong.validate() is None  # no list to check against
            with pytest.raises(ConfigError, match="does not exist"):
                await _first(wrong)
        finally:
            await wrong.close()
        right = OpenAITarget(OpenAIArgs(url=server.url, model="counting", stream=stream))
        await right.start()
        try:
            await _first(right)
            right._model = "gone"  # the server drops the model mid-run: a finding, not a stop
            obs = await observe(
                right, REQUEST, case_id="c", sample=1, t_sched_ns=0, timeout_s=10,
                max_output_chars=1000,
            )  # fmt: skip
        finally:
            await right.close()
    assert obs.error is not None and obs.error.status == 404


async def test_a_generator_model_is_named_as_the_generator_field() -> None:
    with counting_server({}, list_models=False) as server:
        target = OpenAITarget(
            OpenAIArgs(url=server.url, model="nope", stream=False), field="diversity.generator"
        )
        await target.start()
        try:
            with pytest.raises(ConfigError) as info:
                await _first(target)
        finally:
            await target.close()
    assert info.value.field == "diversity.generator.model"
    assert "--model" not in str(info.value)
