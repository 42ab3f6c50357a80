"""`--timeout` takes a finite number of seconds above zero: ``inf`` (a stalled target would
hang the run for ever), ``nan``, 0 and negatives are exit 4 with one message, before any
request is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import golive

pytestmark = pytest.mark.e2e

NOWHERE = "http://127.0.0.1:9/v1"  # never contacted: the flag is refused first


@pytest.mark.parametrize("command", ["run", "scan"])
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-1"])
def test_a_timeout_that_is_not_a_finite_positive_number_is_refused(
    tmp_path: Path, command: str, value: str
) -> None:
    ended = golive(
        command,
        "--target",
        "openai",
        "--url",
        NOWHERE,
        "--model",
        "m",
        f"--timeout={value}",
        "--store",
        f"sqlite:///{tmp_path}/s.db",
        cwd=tmp_path,
    )
    assert ended.returncode == 4, (ended.returncode, ended.stderr[-2000:])
    lines = [line for line in ended.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: timeout: "), ended.stderr[-2000:]
    assert "Traceback" not in ended.stderr
