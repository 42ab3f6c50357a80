"""Every misbehaviour of a real (loopback) server is classified, on time, without losing the
good requests that run beside it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from golive.errors import ConfigError
from golive.execution.observe import observe
from golive.schemas import FailureMode, Message, Observation, Request
from golive.targets.openai import OpenAIArgs, OpenAITarget
from servers.misbehaving import MisbehavingServer, misbehaving

__all__ = ["misbehaving"]  # the fixture, re-exported for pytest

pytestmark = pytest.mark.integration

SECRET = "sk-test-NEVER-PRINT-4242"


@pytest_asyncio.fixture
async def target(misbehaving: MisbehavingServer) -> AsyncIterator[OpenAITarget]:
    shared = OpenAITarget(OpenAIArgs(url=misbehaving.url, model="m"))
    await shared.start()
    yield shared
    await shared.close()


async def ask(
    target: OpenAITarget, spec: str, *, timeout_s: float = 1.0, max_output_chars: int = 10_000
) -> Observation:
    # The misbehaviour is chosen per request by the message, so one target can mix them.
    request = Request(messages=(Message(role="user", content=f"mode={spec}"),), max_tokens=16)
    return await observe(
        target,
        request,
        case_id=spec,
        sample=0,
        t_sched_ns=time.perf_counter_ns(),
        timeout_s=timeout_s,
        max_output_chars=max_output_chars,
    )


CASES = [
    # model, mode, text that must appear in the message, output kept
    ("cut", FailureMode.TRUNCATED, "mid-stream", "part0 part1 part2 "),
    ("http500", FailureMode.HTTP_ERROR, "HTTP 500", ""),
    ("http429", FailureMode.RATE_LIMITED, "Retry-After: 7", ""),
    ("bad_json", FailureMode.PROTOCOL_ERROR, "malformed JSON", "ok"),
    ("bad_utf8", FailureMode.PROTOCOL_ERROR, "UTF-8", ""),
    ("html", FailureMode.PROTOCOL_ERROR, "text/html", ""),
    ("reset", FailureMode.TRANSPORT_ERROR, "", ""),
    ("error_obj", FailureMode.HTTP_ERROR, "model overloaded", "ok"),
    ("vllm_error", FailureMode.HTTP_ERROR, "context too long", ""),
]


@pytest.mark.parametrize(("model", "mode", "needle", "output"), CASES)
async def test_misbehaviour_is_classified(
    target: OpenAITarget, model: str, mode: FailureMode, needle: str, output: str
) -> None:
    start = time.perf_counter()
    obs = await ask(target, model)
    assert time.perf_counter() - start < 0.5
    assert obs.error is not None, obs
    assert obs.error.mode is mode
    assert needle in obs.error.message
    assert obs.output == output


async def test_error_body_excerpt_is_bounded(target: OpenAITarget) -> None:
    obs = await ask(target, "http500")  # the server sends a 7 kB HTML page
    assert obs.error is not None and obs.error.status == 500
    assert len(obs.error.message) <= 300


@pytest.mark.parametrize("model", ["stall", "stall_headers"])
async def test_stalled_server_times_out_on_time(
    target: OpenAITarget, misbehaving: MisbehavingServer, model: str
) -> None:
    start = time.perf_counter()
    obs = await ask(target, model, timeout_s=0.3)
    elapsed = time.perf_counter() - start
    assert 0.3 <= elapsed < 0.8
    assert obs.error is not None and obs.error.mode is FailureMode.TIMEOUT
    await misbehaving.wait_idle()  # the server saw the client leave and stopped


async def test_endless_stream_is_cut_and_the_server_handler_ends(
    target: OpenAITarget, misbehaving: MisbehavingServer
) -> None:
    obs = await ask(target, "endless", timeout_s=5.0, max_output_chars=5_000)
    assert obs.error is not None and obs.error.mode is FailureMode.OVERSIZED
    assert obs.output == "x" * 5_000
    await misbehaving.wait_idle()  # raises TimeoutError if the handler kept writing
    assert misbehaving.active == 0


async def test_refused_connection_is_a_transport_error() -> None:
    # Bind and close a socket: the port is then (very likely) refused.
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    target = OpenAITarget(OpenAIArgs(url=f"http://127.0.0.1:{port}/v1", model="m"))
    await target.start()
    try:
        obs = await ask(target, "m")
        assert obs.error is not None and obs.error.mode is FailureMode.TRANSPORT_ERROR
        assert await target.validate() is not None
    finally:
        await target.close()


async def test_mixed_concurrent_batch_keeps_every_good_reply(
    target: OpenAITarget, misbehaving: MisbehavingServer
) -> None:
    bad = [c[0] for c in CASES] + ["stall", "stall_headers", "endless"]
    specs = ["good;n=4"] * 40 + bad * 3
    start = time.perf_counter()
    results = await asyncio.gather(
        *(ask(target, spec, timeout_s=1.0, max_output_chars=2_000) for spec in specs)
    )
    assert time.perf_counter() - start < 2.5
    by_spec = list(zip(specs, results, strict=True))
    good = [obs for spec, obs in by_spec if spec.startswith("good")]
    assert len(good) == 40
    assert all(o.error is None and o.output == "tok0 tok1 tok2 tok3 " for o in good)
    modes = {spec: obs.error.mode for spec, obs in by_spec if obs.error is not None}
    assert set(modes) == set(bad)
    assert modes["stall"] is FailureMode.TIMEOUT
    assert modes["endless"] is FailureMode.OVERSIZED
    await misbehaving.wait_idle()


async def test_api_key_never_leaks(
    misbehaving: MisbehavingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLIVE_TEST_KEY", SECRET)
    args = OpenAIArgs(
        url=misbehaving.url + "/",
        model="m",
        api_key_env="GOLIVE_TEST_KEY",
        headers={"X-Org": "acme"},
    )
    target = OpenAITarget(args)
    await target.start()
    try:
        obs = await ask(target, "echo_auth")
        sent = misbehaving.headers[-1]
        assert sent["Authorization"] == f"Bearer {SECRET}"
        assert sent["X-Org"] == "acme"
        assert obs.error is not None and obs.error.status == 401
        assert "bad key Bearer ***" in obs.error.message  # the echoed key is masked
        for text in (repr(target), str(target.fingerprint()), repr(args), repr(obs)):
            assert SECRET not in text
        assert "acme" not in str(target.fingerprint()) + repr(args)
        assert SECRET not in str(await target.validate())
    finally:
        await target.close()


def test_fingerprint_hides_url_credentials_and_query() -> None:
    target = OpenAITarget(
        OpenAIArgs(url="https://user:pw@llm.example.com/v1?api-version=1&key=abc", model="m")
    )
    assert target.fingerprint() == {
        "kind": "openai",
        "url": "https://llm.example.com/v1",
        "model": "m",
    }
    assert "pw" not in repr(target) and "abc" not in repr(target)


async def test_missing_key_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOLIVE_NO_SUCH_KEY", raising=False)
    target = OpenAITarget(
        OpenAIArgs(url="http://127.0.0.1:9/v1", model="m", api_key_env="GOLIVE_NO_SUCH_KEY")
    )
    with pytest.raises(ConfigError) as info:
        await target.start()
    assert info.value.field == "target.api_key_env"
    await target.close()
