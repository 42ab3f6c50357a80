"""golive._interrupt: the first signal cancels the open scope and sets the flag, the second
aborts; handlers are restored; reports are written whole; the store calls an interrupted run
interrupted. Signals are sent to this process itself: the handler runs before ``os.kill``
returns to the next bytecode, so no test waits on time."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive import _interrupt
from golive.reports.base import write_atomic
from golive.store import StoreRecorder, get_run
from store_fixtures import make_case, run_started


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    """Each test starts, and leaves the process, with no interrupt requested."""
    _interrupt._state.first = None
    yield
    _interrupt._state.first, _interrupt._state.aborted = None, False
    _interrupt._state.signals = 0


async def test_the_first_signal_cancels_the_innermost_scope_once_and_sets_the_flag() -> None:
    reached_outer_end = False
    with _interrupt.cancelling() as outer:
        assert outer is not None
        with _interrupt.cancelling() as inner:
            assert inner is not None
            try:
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                inner.task.uncancel()
        await asyncio.sleep(0)  # the outer scope is not cancelled as well
        reached_outer_end = True
    assert reached_outer_end and inner.cancelled and not outer.cancelled
    assert _interrupt.requested() and _interrupt.signal_name() == "SIGINT"


async def test_a_scope_entered_after_an_interrupt_is_cancelled_at_its_first_await() -> None:
    with _interrupt.handling():
        os.kill(os.getpid(), signal.SIGTERM)
        assert _interrupt.requested()
        assert await _interrupt.until_interrupted(asyncio.sleep(3600, "done")) is None
        # Nothing is left cancelled after the scope: the next await runs.
        assert await asyncio.sleep(0, "next") == "next"


async def test_until_interrupted_returns_the_result_without_an_interrupt() -> None:
    assert await _interrupt.until_interrupted(asyncio.sleep(0, "done")) == "done"
    assert not _interrupt.requested()


def test_a_second_signal_aborts_and_the_handlers_are_restored() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(KeyboardInterrupt), _interrupt.handling():
        with _interrupt.losing("the reports"):
            os.kill(os.getpid(), signal.SIGINT)
            assert _interrupt.requested()  # the first only asks
            os.kill(os.getpid(), signal.SIGINT)
        pytest.fail("the second signal did not abort")
    assert _interrupt.aborted()
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_the_state_is_reset_when_a_new_command_starts() -> None:
    with _interrupt.handling():
        os.kill(os.getpid(), signal.SIGINT)
    assert _interrupt.requested()  # still readable once the handlers are gone
    with _interrupt.handling():
        assert not _interrupt.requested()


def test_a_report_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out" / "summary.json"
    write_atomic(path, "old\n")
    assert path.read_text() == "old\n"

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["summary.json"]
    monkeypatch.undo()
    write_atomic(path, b"new\n")
    assert path.read_text() == "new\n"


@pytest.mark.parametrize(("interrupted", "status"), [(True, "interrupted"), (False, "failed")])
def test_a_run_left_unfinished_is_stored_as_interrupted_after_a_signal(
    tmp_path: Path, interrupted: bool, status: str
) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    with _interrupt.handling():
        recorder = StoreRecorder(url, git=False)
        recorder(run_started("run-x", (make_case(1),)))
        assert recorder.flush(timeout=10)
        if interrupted:
            os.kill(os.getpid(), signal.SIGTERM)
        recorder.close()  # no RunFinished: what an abort leaves behind
    assert get_run(url, "run-x").recorded_status == status
