"""Replies carrying lone UTF-16 surrogates, from real servers on 127.0.0.1 and in-process
callables: every target records text that UTF-8 can write, with the surrogate visible."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from golive.execution.observe import observe
from golive.schemas import Message, Observation, Request
from golive.targets.base import Target
from golive.targets.http import HTTPArgs, HTTPTarget
from golive.targets.openai import OpenAIArgs, OpenAITarget
from golive.targets.python import PythonArgs, PythonTarget
from servers.odd_text import odd_text_server

pytestmark = pytest.mark.integration

# What every target must record for servers.odd_text.DELTAS: the split emoji joined, the
# lone halves written as visible escapes.
EXPECTED = "hello \\ud800 \U0001f600 done bye \\udc00"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with odd_text_server() as url:
        yield url


async def ask(target: Target) -> Observation:
    await target.start()
    try:
        return await observe(
            target,
            Request(messages=(Message(role="user", content="hi"),)),
            case_id="c",
            sample=0,
            t_sched_ns=time.perf_counter_ns(),
            timeout_s=10,
            max_output_chars=10_000,
        )
    finally:
        await target.close()


@pytest.mark.parametrize("stream", [True, False])
async def test_openai_target_joins_split_emoji_and_escapes_lone_halves(
    server_url: str, stream: bool
) -> None:
    target = OpenAITarget(OpenAIArgs(url=f"{server_url}/v1", model="m", stream=stream))
    obs = await ask(target)
    assert obs.error is None, obs.error
    assert obs.output == EXPECTED
    obs.output.encode("utf-8")


async def test_http_target_escapes_lone_surrogates(server_url: str) -> None:
    target = HTTPTarget(HTTPArgs(url=f"{server_url}/json", output_path="$.answer"))
    obs = await ask(target)
    assert obs.error is None, obs.error
    assert obs.output == EXPECTED


def split_emoji(text: str) -> Iterator[str]:
    yield "hello \ud800 \ud83d"
    yield "\ude00 done"
    yield " bye \udc00"


async def split_emoji_async(text: str) -> AsyncIterator[str]:
    for piece in split_emoji(text):
        yield piece


def lone(text: str) -> str:
    return "hello \ud800 \ud83d\ude00 done bye \udc00"


def raises_with_surrogate(text: str) -> str:
    raise ValueError("bad \ud800 thing")


@pytest.mark.parametrize("name", ["split_emoji", "split_emoji_async", "lone"])
async def test_python_target_cleans_what_the_callable_returns(name: str) -> None:
    sys.modules.setdefault("odd_text_callables", sys.modules[__name__])
    target = PythonTarget(PythonArgs(callable=f"odd_text_callables:{name}", app_dir="."))
    obs = await ask(target)
    assert obs.error is None, obs.error
    assert obs.output == EXPECTED


async def test_python_target_cleans_an_exception_message() -> None:
    sys.modules.setdefault("odd_text_callables", sys.modules[__name__])
    target = PythonTarget(
        PythonArgs(callable="odd_text_callables:raises_with_surrogate", app_dir=".")
    )
    obs = await ask(target)
    assert obs.error is not None and "bad \\ud800 thing" in obs.error.message
    obs.error.message.encode("utf-8")
