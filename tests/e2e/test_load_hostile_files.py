"""``golive load`` and ``golive compare`` refuse unreadable inputs and unwritable outputs up
front: exit 4 with one message, before any traffic or any work is lost."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from e2e_helpers import golive

pytestmark = pytest.mark.e2e


def _one_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


@pytest.mark.parametrize("source", ["device", "link"])
def test_load_prompts_from_dev_zero_are_refused(tmp_path: Path, source: str) -> None:
    prompts = Path("/dev/zero")
    if source == "link":
        prompts = tmp_path / "prompts.txt"
        os.symlink("/dev/zero", prompts)
    args = ["load", "--demo-fast", "--concurrency", "1", "--duration", "1", "--no-store"]
    ended = golive(*args, "--prompts", str(prompts), cwd=tmp_path, timeout=60)
    assert "character device" in _one_error(ended)


def test_a_trace_from_dev_zero_is_refused(tmp_path: Path) -> None:
    (tmp_path / "golive.yaml").write_text(
        "target: {kind: demo, settings: {fast: true}}\n"
        "suite: cases.jsonl\n"
        "load: {profile: {kind: trace, path: /dev/zero}}\n"
    )
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": "hi"}\n')
    ended = golive("run", cwd=tmp_path, timeout=60)
    assert "character device" in _one_error(ended)


def test_load_out_that_is_a_file_is_refused_before_any_traffic(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder\n")
    args = ["load", "--demo-fast", "--concurrency", "1", "--duration", "1", "--no-store"]
    ended = golive(*args, "--out", "taken", cwd=tmp_path, timeout=60)
    stderr = _one_error(ended)
    assert "existing file" in stderr and "--out" in stderr
    assert "c=1" not in ended.stdout  # no level ran


def test_compare_out_and_json_paths_are_checked_first(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder\n")
    store = f"sqlite:///{tmp_path / 'none.db'}"
    ended = golive("compare", "a", "b", "--store", store, "--out", "taken", cwd=tmp_path)
    assert "existing file" in _one_error(ended)
    (tmp_path / "folder").mkdir()
    ended = golive("compare", "a", "b", "--store", store, "--json", "folder", cwd=tmp_path)
    assert "is a folder" in _one_error(ended)
