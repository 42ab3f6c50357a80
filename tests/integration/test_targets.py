"""The openai, http and demo targets against real servers on 127.0.0.1: what they send,
what they record, and how faithfully they time it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio

from golive.demo.target import DemoArgs, DemoTarget
from golive.errors import ConfigError
from golive.execution.observe import observe
from golive.registry import registry
from golive.schemas import FailureMode, Message, Observation, Request, Usage
from golive.targets.base import Target
from golive.targets.http import HTTPArgs, HTTPTarget
from golive.targets.openai import OpenAIArgs, OpenAITarget
from servers.misbehaving import MisbehavingServer, misbehaving

__all__ = ["misbehaving"]  # the fixture, re-exported for pytest

pytestmark = pytest.mark.integration


def chat(text: str, **options: Any) -> Request:
    return Request(
        messages=(Message(role="system", content="sys"), Message(role="user", content=text)),
        **options,
    )


async def ask(target: Target, request: Request, timeout_s: float = 2.0) -> Observation:
    return await observe(
        target,
        request,
        case_id="c",
        sample=0,
        t_sched_ns=time.perf_counter_ns(),
        timeout_s=timeout_s,
        max_output_chars=10_000,
    )


@pytest_asyncio.fixture
async def openai(misbehaving: MisbehavingServer) -> AsyncIterator[OpenAITarget]:
    target = OpenAITarget(
        OpenAIArgs(url=misbehaving.url, model="the-model", extra_body={"top_p": 0.5})
    )
    await target.start()
    yield target
    await target.close()


async def test_stream_sends_an_openai_request_and_parses_usage(
    openai: OpenAITarget, misbehaving: MisbehavingServer
) -> None:
    obs = await ask(openai, chat("mode=good;n=3", max_tokens=9, temperature=0.2, seed=4))
    assert obs.error is None
    assert obs.output == "tok0 tok1 tok2 "
    assert len(obs.chunk_times_ns) == 3
    assert (obs.finish_reason, obs.usage) == ("stop", Usage(7, 5))
    body = misbehaving.requests[-1]
    assert body == {
        "model": "the-model",
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "mode=good;n=3"},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 9,
        "temperature": 0.2,
        "seed": 4,
        "top_p": 0.5,
    }


@pytest.mark.parametrize("spec", ["good;length=1", "no_done"])
async def test_length_finish_and_missing_done_are_not_errors(
    openai: OpenAITarget, spec: str
) -> None:
    obs = await ask(openai, chat(f"mode={spec}"))
    assert obs.error is None
    assert obs.finish_reason == ("length" if "length" in spec else "stop")


async def test_ttft_and_itl_follow_the_server_delays(openai: OpenAITarget) -> None:
    obs = await ask(openai, chat("mode=good;ttft=0.08;itl=0.03;n=4"))
    assert obs.ttft_ms is not None
    assert 80 <= obs.ttft_ms < 80 + 50
    gaps = [(b - a) / 1e6 for a, b in zip(obs.chunk_times_ns, obs.chunk_times_ns[1:], strict=False)]
    assert len(gaps) == 3
    assert all(30 <= g < 30 + 50 for g in gaps)


async def test_full_completions_url_and_non_streaming_mode(
    misbehaving: MisbehavingServer,
) -> None:
    target = OpenAITarget(
        OpenAIArgs(url=misbehaving.url + "/chat/completions", model="json", stream=False)
    )
    await target.start()
    try:
        obs = await ask(target, chat("hello"))
    finally:
        await target.close()
    assert obs.error is None
    assert (obs.output, obs.finish_reason, obs.usage) == ("whole answer", "stop", Usage(3, 2))
    assert "stream" not in misbehaving.requests[-1]


async def test_validate_reports_reachability(
    openai: OpenAITarget, misbehaving: MisbehavingServer
) -> None:
    assert await openai.validate() is None
    await misbehaving.stop()
    message = await openai.validate()
    assert message is not None and "cannot reach http://127.0.0.1" in message


async def test_close_is_safe_twice(misbehaving: MisbehavingServer) -> None:
    target = OpenAITarget(OpenAIArgs(url=misbehaving.url, model="m"))
    await target.start()
    await target.close()
    await target.close()


# --- the http target ------------------------------------------------------------------


def http_target(url: str, **overrides: Any) -> HTTPTarget:
    spec: dict[str, Any] = {
        "kind": "http",
        "url": url,
        "body": {
            "prompt": "{{input}}",
            "history": "{{messages}}",
            "limit": "{{max_tokens}}",
            "note": "sys={{system}} n={{max_tokens}}",
        },
        "output_path": "$.result.answer",
        "usage_path": "$.meta.usage",
    }
    spec.update(overrides)
    args = registry.parse("target", spec, field="target")
    assert isinstance(args, HTTPArgs)
    return HTTPTarget(args)


async def test_http_target_renders_the_template_and_extracts_the_answer(
    misbehaving: MisbehavingServer,
) -> None:
    target = http_target(misbehaving.url.removesuffix("/v1") + "/json/good")
    await target.start()
    hostile = 'say "}{{max_tokens}}\\u0000'
    try:
        obs = await ask(target, chat(hostile, max_tokens=5))
    finally:
        await target.close()
    assert obs.error is None
    assert obs.output == f"echo: {hostile}"
    assert obs.usage == Usage(4, 2)
    assert misbehaving.requests[-1] == {
        "prompt": hostile,  # the input is data: its braces are not placeholders
        "history": [{"role": "system", "content": "sys"}, {"role": "user", "content": hostile}],
        "limit": 5,
        "note": "sys=sys n=5",
    }


@pytest.mark.parametrize(
    ("mode", "overrides", "failure", "needle"),
    [
        ("http500", {}, FailureMode.HTTP_ERROR, "HTTP 503"),
        ("http429", {}, FailureMode.RATE_LIMITED, "Retry-After: 2"),
        ("not_json", {}, FailureMode.PROTOCOL_ERROR, "not JSON"),
        ("good", {"output_path": "$.result.nope"}, FailureMode.PROTOCOL_ERROR, "matched nothing"),
        ("good", {"output_path": "$.meta"}, FailureMode.PROTOCOL_ERROR, "matched a dict"),
    ],
)
async def test_http_target_failures(
    misbehaving: MisbehavingServer,
    mode: str,
    overrides: dict[str, Any],
    failure: FailureMode,
    needle: str,
) -> None:
    target = http_target(misbehaving.url.removesuffix("/v1") + f"/json/{mode}", **overrides)
    await target.start()
    try:
        obs = await ask(target, chat("hi"))
    finally:
        await target.close()
    assert obs.error is not None and obs.error.mode is failure
    assert needle in obs.error.message


# --- the demo target ------------------------------------------------------------------


async def test_demo_target_starts_its_server_and_answers() -> None:
    demo = pytest.importorskip("golive.demo")
    if not hasattr(demo, "DemoServer"):
        pytest.skip("golive.demo has no DemoServer yet")
    spec = {"kind": "demo", "seed": 3, "settings": {"fast": True}}
    target = registry.build("target", registry.parse("target", spec, field="target"))
    assert isinstance(target, DemoTarget)
    await target.start()
    try:
        assert await target.validate() is None
        obs = await ask(target, chat("How long do refunds take?"), timeout_s=30)
        fingerprint = target.fingerprint()
        port = urlsplit(target.base_url).port
    finally:
        await target.close()
    assert obs.error is None, obs.error
    assert obs.output.strip()
    assert fingerprint == {
        "kind": "demo",
        "model": fingerprint["model"],
        "seed": "3",
        "hardened": "false",
    }
    with pytest.raises(OSError):  # close() stopped the server
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()


async def test_demo_target_rejects_unknown_settings() -> None:
    target = DemoTarget(DemoArgs(settings={"no_such_knob": 1}))
    with pytest.raises(ConfigError) as info:
        await target.start()
    assert info.value.field == "target.settings"
    await target.close()


async def test_openai_fingerprint_holds_the_version_the_server_reports() -> None:
    from golive import __version__
    from golive.demo import DemoServer, DemoSettings

    async with DemoServer(DemoSettings(fast=True)) as server:
        args = OpenAIArgs(kind="openai", url=server.url, model=server.settings.model)
        target = OpenAITarget(args)
        await target.start()
        try:
            before = target.fingerprint()
            assert await target.validate() is None
            after = target.fingerprint()
        finally:
            await target.close()
    assert "version" not in before
    assert after == {**before, "version": f"nimbus-notes-demo-{__version__}"}


def test_reported_version_reads_what_servers_send() -> None:
    from golive.targets.openai import _reported_version

    vllm = b'{"data":[{"id":"m","root":"/models/llama-3.1-8b@abc123","max_model_len":8192}]}'
    assert _reported_version(vllm, "m") == "/models/llama-3.1-8b@abc123"
    assert _reported_version(b'{"data":[{"id":"m","version":"2025-06-01"}]}', "m") == "2025-06-01"
    assert _reported_version(b'{"data":[{"id":"other","version":"x"}]}', "m") is None
    assert _reported_version(b'{"data":[{"id":"m","root":"m"}]}', "m") is None  # says nothing
    assert _reported_version(b"not json", "m") is None
    assert _reported_version(b"[1, 2]", "m") is None
