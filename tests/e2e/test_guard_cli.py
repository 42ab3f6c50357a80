"""`golive guard check` end to end: one decision per line, bad lines reported, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import golive

pytestmark = pytest.mark.e2e


def test_check_writes_decisions_detections_and_a_summary(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "text": "mail jo@acme.io or call +44 20 7946 0000"}),
                "not json",
                json.dumps({"id": "c", "body": "no text field"}),
                json.dumps({"text": "What are the system requirements?"}),
            ]
        )
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = golive("guard", "check", str(src), "--guards", "pii", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c", 4]
    first = rows[0]
    assert first["decision"] == "redact"
    assert first["redacted"] == "mail [EMAIL] or call [PHONE]"
    assert [(d["type"], d["start"], d["end"]) for d in first["detections"]] == [
        ("EMAIL", 5, 15), ("PHONE", 24, 40)
    ]  # fmt: skip
    assert rows[1]["error"] == "not JSON" and "missing" in rows[2]["error"]
    assert rows[3] == {"id": 4, "decision": "allow", "detections": []}
    assert "line 2: not JSON" in result.stderr
    summary = json.loads(result.stderr.strip().splitlines()[-1])
    assert summary["lines"] == 4 and summary["errors"] == 2
    assert summary["decisions"] == {"allow": 1, "redact": 1}
    assert summary["detections"] == {"EMAIL": 1, "PHONE": 1}


def test_injection_detections_carry_score_and_flagged(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "hello there"}) + "\n")
    result = golive("guard", "check", str(src), "--guards", "pii,injection", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout.splitlines()[0])
    (inj,) = [d for d in row["detections"] if d["guard"] == "injection"]
    assert inj["flagged"] is False and 0.0 <= inj["score"] < 0.5


def test_bad_flags_and_missing_file_exit_4(tmp_path: Path) -> None:
    missing = golive("guard", "check", str(tmp_path / "nope.jsonl"), cwd=tmp_path)
    assert missing.returncode == 4 and "no such file" in missing.stderr
    src = tmp_path / "in.jsonl"
    src.write_text("{}\n")
    unknown = golive("guard", "check", str(src), "--guards", "pii,nope", cwd=tmp_path)
    assert unknown.returncode == 4 and "unknown guard 'nope'" in unknown.stderr
    helped = golive("guard", "check", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "Example" in helped.stdout
