"""`golive guard check --as`: the origin reaches the guards, and each guard's own score is
written on every line, below its threshold too."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from typer.testing import CliRunner

from golive.cli import app
from golive.errors import ConfigError
from golive.guard import Action, Decision, GuardArgs, Origin, Stage
from golive.registry import guard

runner = CliRunner()


class ScoringArgs(GuardArgs):
    kind: Literal["test_origin_scoring"] = "test_origin_scoring"


SEEN: list[Origin] = []


@dataclass
class Scoring:
    """Scores 0.3 (allowed: under a threshold of 0.5) and notes the origin it was given."""

    args: ScoringArgs
    name: str = "test_origin_scoring"
    stages: tuple[Stage, ...] = ("input",)
    seen: list[Origin] = field(default_factory=lambda: SEEN)

    def check(
        self,
        text: str,
        *,
        stage: Stage = "input",
        context: str | None = None,
        origin: Origin = "user",
    ) -> Decision:
        self.seen.append(origin)
        return Decision(Action.ALLOW, guard=self.name, score=0.3)


guard("test_origin_scoring", args=ScoringArgs)(Scoring)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Summarise this e-mail for me."}) + "\n")
    SEEN.clear()
    return path


def _check(src: Path, *flags: str) -> tuple[dict[str, object], dict[str, object]]:
    result = runner.invoke(app, ["guard", "check", str(src), "-g", "test_origin_scoring", *flags])
    assert result.exit_code == 0, result.output
    (row,) = (json.loads(line) for line in result.stdout.splitlines())
    summary = json.loads(result.stderr.splitlines()[-1])
    return row, summary


@pytest.mark.parametrize(("flags", "origin"), [((), "user"), (("--as", "document"), "document")])
def test_as_reaches_the_guard(src: Path, flags: tuple[str, ...], origin: Origin) -> None:
    _, summary = _check(src, *flags)
    assert [origin] == SEEN
    assert summary["as"] == origin


def test_a_score_under_the_threshold_is_written(src: Path) -> None:
    row, _ = _check(src, "--as", "document")
    assert row["decision"] == "allow"
    assert row["scores"] == {"test_origin_scoring": 0.3}
    assert row["detections"] == [
        {"type": "TEST_ORIGIN_SCORING", "score": 0.3, "flagged": False,
         "guard": "test_origin_scoring"}
    ]  # fmt: skip


def test_a_bad_as_is_refused_before_any_text_is_checked(src: Path) -> None:
    result = runner.invoke(app, ["guard", "check", str(src), "--as", "assistant"])
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception) == "--as: 'assistant' is neither user nor document"
    assert SEEN == []
