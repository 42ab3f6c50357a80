"""The load engine's memory does not grow with a level's length: a finished request costs the
Python heap a few bytes (its offset in the spill file), not its record (issue 11 §5)."""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from golive.load import LevelPlan, LevelResult, engine, run_level, token_counter
from golive.load import spill as spill_module
from golive.load.spill import Overflow, SpillRecords
from golive.registry import registry
from golive.schemas import Message, Request
from servers.app import serving

# Content events of a real server's shape, and no usage: the engine counts tokens itself.
_EVENT = {
    "id": "chatcmpl-8f14e45fceea167a5a36dedd4bea2543",
    "object": "chat.completion.chunk",
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": " tok"}, "finish_reason": None}],
}
_REPLY = (
    b"".join(b"data: %s\n\n" % json.dumps(_EVENT).encode() for _ in range(24))
    + b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
)


async def chat(request: web.Request) -> web.StreamResponse:
    await request.read()
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    await resp.write(_REPLY)
    await resp.write_eof()
    return resp


async def measured_level(target: object, seconds: float) -> tuple[int, int]:
    """(requests finished, Python heap growth in bytes with the level's result still held)."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    plan = LevelPlan(0, "closed", seconds, concurrency=8, grace_s=5.0)
    ask = Request(messages=(Message(role="user", content="hi"),), max_tokens=32)
    result: LevelResult = await run_level(target, plan, [ask])  # type: ignore[arg-type]
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    assert isinstance(result.records, SpillRecords)
    assert all(r.error is None and len(r.chunk_times_ns) == 24 for r in result.records)
    assert {r.token_source for r in result.records} == {"tokenizer"}
    folder = Path(result.records.path).parent
    n = len(result.records)
    del result
    gc.collect()
    assert not folder.exists()  # the level's spill went with its result
    return n, grown


async def test_the_heap_grows_by_bytes_not_records_per_finished_request() -> None:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    token_counter()  # loaded once, before anything is measured
    args = {"kind": "openai", "url": "", "model": "m", "max_connections": 0}
    async with serving(app) as port:
        args["url"] = f"http://127.0.0.1:{port}/v1"
        target = registry.build("target", registry.parse("target", args, field="t"))
        await target.start()
        tracemalloc.start()
        try:
            await measured_level(target, 0.3)  # connections, imports, caches: paid once
            short_n, short_grown = await measured_level(target, 0.5)
            long_n, long_grown = await measured_level(target, 2.5)
        finally:
            tracemalloc.stop()
            await target.close()
    assert long_n > short_n + 200, (short_n, long_n)
    # What each extra finished request kept: records held in memory took ~1 KB each.
    per_request = (long_grown - short_grown) / (long_n - short_n)
    assert per_request < 100, (per_request, short_n, short_grown, long_n, long_grown)


async def test_replies_past_the_backlog_cap_wait_on_disk_and_are_all_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A parser that never keeps up: the backlog is always "past the cap", so after the first
    # reply every one goes to the overflow file, and is parsed from there after the level.
    monkeypatch.setattr(engine, "_UNPARSED_MAX_BYTES", 2**40)
    monkeypatch.setattr(engine, "_UNPARSED_DISK_BYTES", 1)
    overflowed: list[int] = []
    add = Overflow.add

    def counted(self: Overflow, *args: Any) -> None:
        overflowed.append(len(args[-1]))
        add(self, *args)

    monkeypatch.setattr(Overflow, "add", counted)
    folders: set[str] = set()
    made = spill_module._File.__init__

    def noted(self: Any, directory: str | None = None) -> None:
        made(self, directory)
        folders.add(self.dir)

    monkeypatch.setattr(spill_module._File, "__init__", noted)
    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    args = {"kind": "openai", "url": "", "model": "m", "max_connections": 0}
    async with serving(app) as port:
        args["url"] = f"http://127.0.0.1:{port}/v1"
        target = registry.build("target", registry.parse("target", args, field="t"))
        await target.start()
        try:
            plan = LevelPlan(0, "closed", 0.5, concurrency=4, warmup_s=0.1)
            ask = Request(messages=(Message(role="user", content="hi"),), max_tokens=32)
            result = await run_level(target, plan, [ask])
        finally:
            await target.close()
    records = list(result.records)
    assert len(overflowed) >= 20 and len(records) == len(overflowed) + 1
    assert all(size == len(_REPLY) for size in overflowed)
    assert all(r.error is None and len(r.chunk_times_ns) == 24 for r in records)
    tokens = token_counter().count([" tok" * 24])[0]
    assert all(r.output_tokens == tokens and r.token_source == "tokenizer" for r in records)
    assert [r.t_sched_ns for r in records] == sorted(r.t_sched_ns for r in records)
    assert len(result.samples) == 20 and all(s.output == " tok" * 24 for s in result.samples)
    # Only the level's records are left on disk: the overflow and the first pass are gone.
    assert [f for f in folders if Path(f).exists()] == [str(Path(result.records.path).parent)]  # noqa: ASYNC240
