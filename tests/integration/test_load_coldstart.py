"""Cold start of the bundled demo server launched as a command: ``golive mock-server``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from golive.load.coldstart import ColdStartArgs, measure_cold_start

pytestmark = pytest.mark.integration


async def test_demo_server_cold_start_is_measured_from_launch(tmp_path: Path) -> None:
    start = f"{sys.executable} -m golive mock-server --port 0 --cold-start-s 1"
    args = ColdStartArgs(
        start=start,
        model="nimbus-support-1",
        log_path=tmp_path / "server.log",
        ready_timeout_s=30,
        warm_samples=2,
        idle_probe_s=0.05,
    )
    result = await measure_cold_start(args)
    assert result.error is None, result.error
    assert result.cold_start_ms is not None and result.listen_ms is not None
    assert result.model_load_ms is not None
    # The model loads for 1 s after the server listens: no token can come earlier.
    assert result.model_load_ms >= 1000.0
    assert result.cold_start_ms >= result.listen_ms + 1000.0
    # Once loaded, a warm request is far faster than the cold start.
    assert result.warm_ttft_ms is not None and result.warm_ttft_ms < result.model_load_ms
    assert result.idle_ttft_ms is not None
    assert "golive demo server: http://127.0.0.1:" in (tmp_path / "server.log").read_text()
