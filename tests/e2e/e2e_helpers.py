"""Helpers for running the real `golive` command line in a subprocess (a pytest plugin)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

GOLIVE = [sys.executable, "-m", "golive"]


def golive(
    *args: str, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, "COLUMNS": "120", **(env or {})}
    return subprocess.run(
        [*GOLIVE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=merged,
        check=False,
    )


@contextlib.contextmanager
def running_mock_server(*flags: str) -> Iterator[str]:
    """A real `golive mock-server` subprocess on a free port; yields its base URL."""
    proc = subprocess.Popen(
        [*GOLIVE, "mock-server", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server printed its URL (or died)
    match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
    if match is None:
        proc.kill()
        raise AssertionError(
            f"mock-server did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        )
    try:
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def mock_server_url() -> Iterator[str]:
    """The demo server with a fast serving model, shared by a module's tests."""
    with running_mock_server("--fast") as url:
        yield url
