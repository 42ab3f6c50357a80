"""The python target: sync, async and streaming callables; their errors become data."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from golive.errors import ConfigError
from golive.execution.observe import observe
from golive.registry import registry
from golive.schemas import FailureMode, Message, Observation, Request
from golive.targets.python import PythonArgs, PythonTarget
from servers import callables

MOD = "servers.callables"
REQUEST = Request(
    messages=(Message(role="system", content="be brief"), Message(role="user", content="hi there"))
)


async def ask(spec: str, *, pass_messages: bool = False, max_chars: int = 1000) -> Observation:
    target = PythonTarget(PythonArgs(callable=f"{MOD}:{spec}", pass_messages=pass_messages))
    await target.start()
    try:
        return await observe(
            target,
            REQUEST,
            case_id="c",
            sample=0,
            t_sched_ns=time.perf_counter_ns(),
            timeout_s=5,
            max_output_chars=max_chars,
        )
    finally:
        await target.close()


async def test_sync_function_runs_off_the_event_loop() -> None:
    obs = await ask("shout")
    assert (obs.output, obs.error, obs.finish_reason) == ("HI THERE", None, "stop")
    assert callables.LOOP_THREADS[-1] != threading.get_ident()


@pytest.mark.parametrize(
    ("spec", "output", "chunks"),
    [
        ("echo_async", "async:hi there", 1),
        ("stream_async", "hi there ", 2),
        ("stream_sync", "hi there", 8),
    ],
)
async def test_async_and_streaming_callables(spec: str, output: str, chunks: int) -> None:
    obs = await ask(spec)
    assert obs.error is None
    assert obs.output == output
    assert len(obs.chunk_times_ns) == chunks
    assert list(obs.chunk_times_ns) == sorted(obs.chunk_times_ns)


async def test_pass_messages_gives_the_whole_chat() -> None:
    obs = await ask("roles", pass_messages=True)
    assert obs.output == "system,user"


@pytest.mark.parametrize(
    ("spec", "needle", "output"),
    [
        ("broken", "ValueError: database is down", ""),
        ("broken_midway", "RuntimeError: lost the plot", "start "),
        ("returns_int", "int, not str", ""),
        ("exits", "SystemExit: 3", ""),
    ],
)
async def test_raised_exceptions_are_recorded_not_propagated(
    spec: str, needle: str, output: str
) -> None:
    obs = await ask(spec)
    assert obs.error is not None and obs.error.mode is FailureMode.PROTOCOL_ERROR
    assert needle in obs.error.message
    assert obs.output == output


async def test_endless_generator_is_cut_at_the_output_cap() -> None:
    obs = await ask("forever", max_chars=35)
    assert obs.error is not None and obs.error.mode is FailureMode.OVERSIZED
    assert obs.output == "y" * 35


async def test_hung_sync_function_times_out_on_time() -> None:
    target = PythonTarget(PythonArgs(callable=f"{MOD}:hang"))
    await target.start()
    start = time.perf_counter()
    try:
        obs = await observe(
            target,
            REQUEST,
            case_id="c",
            sample=0,
            t_sched_ns=0,
            timeout_s=0.2,
            max_output_chars=100,
        )
    finally:
        callables.RELEASE.set()
        await target.close()
    assert time.perf_counter() - start < 1.0
    assert obs.error is not None and obs.error.mode is FailureMode.TIMEOUT


def test_a_function_that_never_returns_does_not_block_exit() -> None:
    root = Path(__file__).resolve().parents[3]
    script = f"""
import asyncio, sys
sys.path[:0] = [{str(root / "src")!r}, {str(root / "tests")!r}]
from golive.execution.observe import observe
from golive.schemas import Message, Request
from golive.targets.python import PythonArgs, PythonTarget

async def main():
    target = PythonTarget(PythonArgs(callable="{MOD}:hang_forever"))
    await target.start()
    request = Request(messages=(Message(role="user", content="hi"),))
    obs = await observe(target, request, case_id="c", sample=0, t_sched_ns=0,
                        timeout_s=0.1, max_output_chars=10)
    print(obs.error.mode.value)

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "timeout"


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("no_such_module_xyz:f", "cannot import 'no_such_module_xyz'"),
        (f"{MOD}:missing", "has no attribute 'missing'"),
        (f"{MOD}:NOT_CALLABLE", "not a callable"),
    ],
)
async def test_bad_callable_is_a_config_error_at_start(spec: str, needle: str) -> None:
    target = PythonTarget(PythonArgs(callable=spec))
    with pytest.raises(ConfigError) as info:
        await target.start()
    assert info.value.field == "target.callable"
    assert needle in str(info.value)


def test_registered_and_validated_through_the_registry() -> None:
    args = registry.parse("target", {"kind": "python", "callable": f"{MOD}:shout"}, field="target")
    assert isinstance(registry.build("target", args), PythonTarget)
    with pytest.raises(ConfigError) as info:
        registry.parse("target", {"kind": "python", "callable": "no_colon"}, field="target")
    assert info.value.field == "target.callable"


async def test_app_dir_makes_the_users_package_importable(tmp_path: Path) -> None:
    (tmp_path / "golive_app_dir_probe.py").write_text(
        "def answer(text):\n    return 'from ' + text\n"
    )
    target = registry.build(
        "target", PythonArgs(callable="golive_app_dir_probe:answer", app_dir=str(tmp_path))
    )
    await target.start()
    try:
        obs = await observe(
            target,
            Request(messages=(Message(role="user", content="app dir"),)),
            case_id="c",
            sample=0,
            t_sched_ns=0,
            timeout_s=5,
            max_output_chars=100,
        )
    finally:
        await target.close()
        sys.path.remove(str(tmp_path))
    assert obs.output == "from app dir"
