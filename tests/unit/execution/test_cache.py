"""The response cache: keys, hits and misses, what is never cached, crash safety, and the
runner replaying cached replies without calling the target or faking latency metrics."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from fakes import FakeTarget, failure
from golive.config import plan_from_dict
from golive.execution.cache import CACHE_FILE, ResponseCache, cache_key, target_identity
from golive.reports.summary import build_summary
from golive.runner import Runner
from golive.schemas import (
    Case,
    FailureMode,
    Message,
    Observation,
    ObservationError,
    Request,
    Usage,
)

IDENTITY = target_identity({"kind": "openai", "url": "http://x/v1", "model": "m"}, {})


def req(text: str = "hi", **kw: Any) -> Request:
    return Request(messages=(Message(role="user", content=text),), **kw)


def key(request: Request, *, identity: dict[str, Any] = IDENTITY, sample: int = 0) -> str:
    return cache_key(identity, request, sample=sample, max_output_chars=1000)


def test_the_key_changes_with_every_part_of_the_request() -> None:
    base = key(req(max_tokens=10, temperature=0.5, seed=1))
    assert base == key(req(max_tokens=10, temperature=0.5, seed=1))  # stable
    variants = [
        key(req("hi!", max_tokens=10, temperature=0.5, seed=1)),
        key(req(max_tokens=11, temperature=0.5, seed=1)),
        key(req(max_tokens=10, temperature=0.6, seed=1)),
        key(req(max_tokens=10, temperature=0.5, seed=2)),
        key(req(max_tokens=10, temperature=0.5, seed=1, extra={"top_p": 0.9})),
        key(req(max_tokens=10, temperature=0.5, seed=1), sample=1),
        cache_key(
            IDENTITY, req(max_tokens=10, temperature=0.5, seed=1), sample=0, max_output_chars=5
        ),
        key(
            req(max_tokens=10, temperature=0.5, seed=1),
            identity=target_identity({"kind": "openai", "url": "http://x/v1", "model": "n"}, {}),
        ),
    ]
    assert base not in variants and len(set(variants)) == len(variants)


def test_the_key_ignores_headers_and_secrets_but_not_the_request_body_args() -> None:
    fp = {"kind": "openai", "url": "http://x/v1", "model": "m"}
    plain = target_identity(fp, {"url": "http://x/v1", "extra_body": {"top_k": 5}})
    keyed = target_identity(
        fp,
        {
            "url": "http://x/v1",
            "extra_body": {"top_k": 5},
            "headers": {"Authorization": "Bearer sk-secret"},
            "api_key": "sk-secret-123456789012345",
            "api_key_env": "MY_KEY",
            "validate_timeout_s": 3,
        },
    )
    assert plain == keyed
    assert "sk-secret" not in repr(keyed) and "MY_KEY" not in repr(keyed)
    other_body = target_identity(fp, {"url": "http://x/v1", "extra_body": {"top_k": 6}})
    assert key(req(), identity=plain) != key(req(), identity=other_body)


def observation(request: Request, *, error: bool = False) -> Observation:
    t0 = time.perf_counter_ns()
    return Observation(
        case_id="c",
        sample=0,
        request=request,
        output="" if error else "hello world",
        t_sched_ns=t0,
        t_send_ns=t0 + 1_000_000,
        chunk_times_ns=() if error else (t0 + 51_000_000, t0 + 81_000_000),
        t_end_ns=t0 + 82_000_000,
        finish_reason=None if error else "stop",
        usage=None if error else Usage(3, 2),
        error=ObservationError(FailureMode.HTTP_ERROR, "boom", 500) if error else None,
    )


def test_a_stored_reply_comes_back_with_its_latencies_and_marked_cached(tmp_path: Path) -> None:
    request = req()
    original = observation(request)
    with ResponseCache(tmp_path, IDENTITY) as cache:
        assert cache.put(key(request), original)
    with ResponseCache(tmp_path, IDENTITY) as cache:  # a new process would see the same
        hit = cache.get(key(request), case_id="other", sample=2, request=request, t_sched_ns=5)
    assert hit is not None and hit.cached and not original.cached
    assert (hit.case_id, hit.sample, hit.output) == ("other", 2, "hello world")
    assert hit.ttft_ms == pytest.approx(original.ttft_ms)
    assert hit.e2e_ms == pytest.approx(original.e2e_ms)
    assert hit.usage == original.usage and hit.finish_reason == "stop"


def test_failures_and_replays_are_not_stored(tmp_path: Path) -> None:
    request = req()
    with ResponseCache(tmp_path, IDENTITY) as cache:
        assert not cache.put(key(request), observation(request, error=True))
        assert len(cache) == 0


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    request = req()
    with ResponseCache(tmp_path, IDENTITY) as cache:
        cache.put(key(request), observation(request))
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        db.execute("UPDATE responses SET value = '{\"output\": 1}'")
    with ResponseCache(tmp_path, IDENTITY) as cache:
        assert cache.get(key(request), case_id="c", sample=0, request=request, t_sched_ns=0) is None


def test_an_unusable_cache_folder_is_a_config_error(tmp_path: Path) -> None:
    from golive.errors import ConfigError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"cache\.dir"):
        ResponseCache(blocker, IDENTITY)


CASES = [
    Case(id="a", input="first question"),
    Case(id="b", input="second question"),
    Case(id="flaky", input="third question"),
]


def make_plan(tmp_path: Path, **extra: Any) -> Any:
    data: dict[str, Any] = {
        "target": {"kind": "fake"},
        "scorers": [],
        "samples": 2,
        "timeout": 5,
        "gates": ["quality.pass_rate >= 0.5"],
        "cache": {"dir": str(tmp_path / "cache")},
    }
    data.update(extra)
    return plan_from_dict(data)


async def test_a_second_run_replays_every_success_and_retries_every_failure(
    tmp_path: Path,
) -> None:
    fail_once = {"left": 2}

    def script(request: Request) -> Any:
        if "third" in request.messages[-1].content and fail_once["left"]:
            fail_once["left"] -= 1
            return failure(FailureMode.HTTP_ERROR)
        return "an answer"

    plan = make_plan(tmp_path)
    first_target = FakeTarget(script)
    first = await Runner(plan).run_async(CASES, first_target)
    assert len(first_target.calls) == 6
    assert build_summary(first)["cache"] == {"hits": 0, "misses": 6}

    second_target = FakeTarget(script)
    second = await Runner(plan).run_async(CASES, second_target)
    # Only the two failed samples of "flaky" went to the target again.
    assert [r.messages[-1].content for r in second_target.calls] == ["third question"] * 2
    summary = build_summary(second)
    assert summary["cache"] == {"hits": 4, "misses": 2}
    cached = [s.observation.cached for c in second.cases for s in c.samples]
    assert cached.count(True) == 4
    # Latency covers only the two samples really sent in this run.
    assert second.metrics["latency.e2e_ms.p50"].n == 2
    assert summary["latency"]["n"] == 2

    third_target = FakeTarget(script)
    third = await Runner(plan).run_async(CASES, third_target)
    assert third_target.calls == [] and build_summary(third)["cache"]["hits"] == 6
    assert "latency.e2e_ms.p50" not in third.metrics or third.metrics["latency.e2e_ms.p50"].n == 0


async def test_changed_requests_miss_and_the_cache_is_off_by_default(tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    await Runner(plan).run_async(CASES, FakeTarget(lambda r: "x"))
    changed = make_plan(tmp_path, request={"max_tokens": 7})
    target = FakeTarget(lambda r: "x")
    await Runner(changed).run_async(CASES, target)
    assert len(target.calls) == 6
    off = make_plan(tmp_path, cache=None)
    target = FakeTarget(lambda r: "x")
    result = await Runner(off).run_async(CASES, target)
    assert len(target.calls) == 6 and "cache" not in build_summary(result)
    disabled = make_plan(tmp_path, cache={"enabled": False, "dir": str(tmp_path / "cache")})
    target = FakeTarget(lambda r: "x")
    await Runner(disabled).run_async(CASES, target)
    assert len(target.calls) == 6


async def test_a_reply_slower_than_todays_timeout_is_fetched_again(tmp_path: Path) -> None:
    request = req()
    with ResponseCache(tmp_path, IDENTITY) as cache:
        cache.put(
            cache_key(IDENTITY, request, sample=0, max_output_chars=100), observation(request)
        )
        target = FakeTarget(lambda r: "fresh")
        obs = await cache.observe(
            target,
            request,
            case_id="c",
            sample=0,
            t_sched_ns=0,
            timeout_s=0.05,
            max_output_chars=100,
        )
        assert (cache.hits, cache.misses, len(target.calls)) == (0, 1, 1)
        assert obs.output == "fresh" and not obs.cached
