"""A target that reflects its credentials: observe() masks every configured secret in the
reply and in the error message, before anything downstream (store, cache, reports) sees it."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest

from golive._secrets import Secrets
from golive.execution.observe import observe
from golive.schemas import Message, Observation, Request
from golive.targets.base import Target
from golive.targets.http import HTTPArgs, HTTPTarget
from golive.targets.openai import OpenAIArgs, OpenAITarget
from servers.reflecting import reflecting_server

pytestmark = pytest.mark.integration

KEY = "canary-env-key-7f3a9c2e"
HEADER = "canary-header-41b8d0"
QUERY = "canary-query-92c4ee"
USER, PASSWORD = "canary-user-5d1f", "canary-pass-e07a3b"


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with reflecting_server() as p:
        yield p


async def _ask(target: Target, text: str) -> Observation:
    request = Request(messages=(Message(role="user", content=text),))
    await target.start()
    try:
        return await observe(
            target,
            request,
            case_id="c",
            sample=0,
            t_sched_ns=time.perf_counter_ns(),
            timeout_s=10,
            max_output_chars=100_000,
        )
    finally:
        await target.close()


def _openai(port: int, **extra: object) -> OpenAITarget:
    return OpenAITarget(
        OpenAIArgs.model_validate(
            {
                "url": f"http://127.0.0.1:{port}/v1?key={QUERY}",
                "model": "m",
                "api_key_env": "CANARY_KEY",
                "headers": {"X-Custom-Auth": HEADER, "X-Short": "abc", "X-Team": "search-team"},
                "show_headers": ["X-Team"],
                **extra,
            }
        )
    )


@pytest.mark.parametrize("stream", [True, False])
async def test_a_reflected_key_header_and_query_are_masked_in_the_reply(
    port: int, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    monkeypatch.setenv("CANARY_KEY", KEY)
    obs = await _ask(_openai(port, stream=stream), "hello")
    assert obs.error is None and "I was sent" in obs.output
    for secret in (KEY, HEADER, QUERY):
        assert secret not in obs.output
    assert "Authorization=Bearer ***" in obs.output and "X-Custom-Auth=***" in obs.output
    # Shown headers and short values stay: masking them would only destroy text.
    assert "X-Team=search-team" in obs.output and "X-Short=abc" in obs.output


async def test_a_reflected_key_is_masked_in_an_error_body(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANARY_KEY", KEY)
    obs = await _ask(_openai(port), "please FAIL")
    assert obs.error is not None and obs.error.status == 500
    message = obs.error.message
    assert "upstream rejected" in message
    for secret in (KEY, HEADER, QUERY):
        assert secret not in message
    # Even a prefix of the key cut off by the excerpt's length limit is not shown.
    assert KEY[:8] not in message


async def test_a_reply_cut_in_the_middle_of_the_key_loses_the_prefix_too(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANARY_KEY", KEY)
    obs = await _ask(_openai(port), "CUT here")
    assert obs.output.startswith("cut: Bearer ") and KEY[:8] not in obs.output
    assert obs.output.endswith("***")


async def test_url_credentials_are_masked_in_every_form_they_travel(port: int) -> None:
    target = OpenAITarget(
        OpenAIArgs(url=f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/v1", model="m")
    )
    obs = await _ask(target, "hello")
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert obs.error is None and "Authorization=Basic ***" in obs.output
    for secret in (USER, PASSWORD, basic):
        assert secret not in obs.output


async def test_the_http_target_masks_its_headers_too(port: int) -> None:
    target = HTTPTarget(
        HTTPArgs(
            url=f"http://127.0.0.1:{port}/v1/chat/completions?code={QUERY}",
            headers={"x-functions-key": HEADER},
            body={"model": "m", "messages": "{{messages}}"},
            output_path="$.choices[0].message.content",
        )
    )
    obs = await _ask(target, "hello")
    assert obs.error is None and "I was sent" in obs.output
    assert HEADER not in obs.output and QUERY not in obs.output


def test_secrets_mask_longest_first_and_never_show_their_values() -> None:
    secrets = Secrets(["abcdefgh", "abcdefgh-longer", "short"])
    assert len(secrets) == 2  # "short" is below the floor
    assert secrets.mask("x abcdefgh-longer y abcdefgh z short") == "x *** y *** z short"
    assert "abcdefgh" not in repr(secrets)
    assert secrets.mask("ends with abcdefgh-lon…") == "ends with ***…"
    assert secrets.mask("ends with abcdefg") == "ends with abcdefg"  # 7 chars: too short
    assert Secrets().mask("anything") == "anything"
