"""The demo target in its own process (``process: true``): started, answering, killed whole."""

from __future__ import annotations

import os
import time

import pytest

from golive.demo import DemoSettings
from golive.demo.target import DemoArgs, DemoTarget, mock_server_argv
from golive.errors import TargetSetupError
from golive.execution.observe import observe
from golive.registry import registry
from golive.schemas import Message, Request
from golive.targets.base import OwnProcess, in_own_process

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_demo_in_its_own_process_answers_and_leaves_no_process_behind() -> None:
    args = registry.parse(
        "target",
        {"kind": "demo", "process": True, "settings": {"fast": True, "model": "x-model"}},
        field="target",
    )
    target = registry.build("target", args)
    assert isinstance(target, DemoTarget)
    await target.start()
    try:
        pid = target.server_pid
        assert pid is not None and pid != os.getpid() and _alive(pid)
        assert target._completions.startswith("http://127.0.0.1:")
        assert ":0/" not in target._completions  # the printed port, not the placeholder
        request = Request(messages=(Message(role="user", content="How do I reset my password?"),))
        obs = await observe(
            target,
            request,
            case_id="c",
            sample=0,
            t_sched_ns=time.perf_counter_ns(),
            timeout_s=10,
            max_output_chars=10_000,
        )
        assert obs.error is None and "password" in obs.output.lower()
        # The model name travelled as a flag: the child serves what the settings say.
        assert target.fingerprint()["model"] == "x-model"
    finally:
        await target.close()
    assert target.server_pid is None
    assert not _alive(pid)


async def test_a_demo_process_that_cannot_start_is_a_setup_error() -> None:
    # An address that cannot be bound: the child exits before printing a URL.
    target = DemoTarget(DemoArgs(process=True, settings={"fast": True, "host": "256.0.0.1"}))
    with pytest.raises(TargetSetupError, match="exited with code"):
        await target.start()
    assert target.server_pid is None
    await target.close()


def test_every_demo_setting_is_a_mock_server_flag() -> None:
    argv = mock_server_argv(DemoSettings(hardened=True, fast=False, cold_start_s=2.5))
    assert argv[1:4] == ["-m", "golive", "mock-server"]
    assert "--hardened" in argv and "--no-fast" in argv
    assert argv[argv.index("--cold-start-s") + 1] == "2.5"
    for name in DemoSettings.model_fields:
        flag = "--" + name.replace("_", "-")
        assert flag in argv or "--no-" + flag[2:] in argv


def test_load_tests_run_the_demo_in_its_own_process() -> None:
    # The load engine asks for the capability (targets.base.OwnProcess), not for the demo.
    demo = DemoArgs(seed=3)
    assert isinstance(demo, OwnProcess)
    moved = in_own_process(demo)
    assert isinstance(moved, DemoArgs) and moved.process and moved.seed == 3
    assert in_own_process(moved) is moved
    other = registry.parse(
        "target", {"kind": "openai", "url": "http://127.0.0.1:1/v1", "model": "m"}, field="t"
    )
    assert not isinstance(other, OwnProcess)
    assert in_own_process(other) is other
