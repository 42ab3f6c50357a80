"""A model name the server does not serve stops `golive run` at once: exit 4, one message
naming the model (and the models served, where the server lists them), no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import golive

from servers.counting import counting_server

pytestmark = pytest.mark.e2e

CASES = [{"id": f"c{i}", "input": f"question {i}?", "reference": "Yes."} for i in range(20)]


def _run(tmp_path: Path, url: str, model: str):  # type: ignore[no-untyped-def]
    (tmp_path / "cases.jsonl").write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    return golive(
        "run", "--target", "openai", "--url", url, "--model", model,
        "--suite", "cases.jsonl", "--samples", "3", "--concurrency", "4",
        "--store", f"sqlite:///{tmp_path / 'golive.db'}", "--out", str(tmp_path / "rep"),
        cwd=tmp_path,
    )  # fmt: skip


def test_a_model_the_server_does_not_list_is_exit_4_before_any_request(tmp_path: Path) -> None:
    with counting_server({}, default="Yes.") as server:
        result = _run(tmp_path, server.url, "no-such-model")
        assert result.returncode == 4, result.stdout + result.stderr
        assert server.requests == 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "'no-such-model'" in result.stderr
    assert "'counting', 'other'" in result.stderr  # the models it does serve
    assert "target.model" in result.stderr


def test_a_404_on_the_first_request_stops_the_run_with_exit_4(tmp_path: Path) -> None:
    with counting_server({}, default="Yes.", list_models=False) as server:
        result = _run(tmp_path, server.url, "no-such-model")
        assert result.returncode == 4, result.stdout + result.stderr
        # Stopped after the first wave of requests, not after all 60.
        assert server.requests <= 4
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert "http_error" not in out
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "'no-such-model'" in errors[0] and "404" in errors[0]
    assert "does not exist" in errors[0]  # the server's own words
    assert "does not list its models" in errors[0]


def test_the_right_model_still_runs(tmp_path: Path) -> None:
    with counting_server({}, default="Yes.", list_models=False) as server:
        result = _run(tmp_path, server.url, "counting")
    assert result.returncode in (0, 1, 6), result.stdout + result.stderr


@pytest.mark.parametrize("listed", [True, False])
def test_golive_load_stops_before_its_first_level_on_a_wrong_model(
    tmp_path: Path, listed: bool
) -> None:
    with counting_server({}, default="Yes.", list_models=listed) as server:
        result = golive(
            "load", "--url", server.url, "--model", "no-such-model", "--concurrency", "4",
            "--duration", "2", "--no-store", "--out", str(tmp_path / "rep"),
            cwd=tmp_path,
        )  # fmt: skip
        assert result.returncode == 4, result.stdout + result.stderr
        # Listed: refused before any request; not listed: the one readiness request.
        assert server.requests == (0 if listed else 1)
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "'no-such-model'" in errors[0], result.stderr
    assert ("'counting', 'other'" in errors[0]) == listed
