"""`golive guard check --pii-backend`: builtin by default; presidio without Presidio and a
spaCy model installed is one ConfigError (which the CLI's entry point turns into one line and
exit 4), never a silent fallback or a download."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from golive.cli import app
from golive.errors import ConfigError

runner = CliRunner()


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Dana Smith, call 020 7946 0958"}) + "\n")
    return src


def test_builtin_is_the_default_and_can_be_named(texts: Path) -> None:
    for extra in ([], ["--pii-backend", "builtin"]):
        result = runner.invoke(app, ["guard", "check", str(texts), "--guards", "pii", *extra])
        assert result.exit_code == 0, result.output
        row = json.loads(result.stdout.splitlines()[0])
        assert [d["type"] for d in row["detections"]] == ["PHONE"]


@pytest.mark.skipif(
    importlib.util.find_spec("presidio_analyzer") is not None, reason="presidio is installed"
)
def test_presidio_without_presidio_is_one_clear_error(texts: Path) -> None:
    result = runner.invoke(
        app, ["guard", "check", str(texts), "--guards", "pii", "--pii-backend", "presidio"]
    )
    assert isinstance(result.exception, ConfigError)
    message = str(result.exception)
    assert "presidio-analyzer" in message and "en_core_web_sm" in message


def test_an_unknown_backend_is_refused(texts: Path) -> None:
    result = runner.invoke(
        app, ["guard", "check", str(texts), "--guards", "pii", "--pii-backend", "spacy"]
    )
    assert isinstance(result.exception, ConfigError)
    assert "neither builtin nor presidio" in str(result.exception)
