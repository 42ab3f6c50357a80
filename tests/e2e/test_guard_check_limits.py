"""`golive guard check` on a text longer than the guards scan: blocked unscanned (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import golive

pytestmark = pytest.mark.e2e

UNIT = "1234 5678 9012 3456 a@b.co "


def test_a_text_over_max_chars_is_blocked_unscanned(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    lines = [{"id": "big", "text": UNIT * 40_000}, {"id": "small", "text": "mail jo@acme.io"}]
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out.jsonl"
    result = golive("guard", "check", str(src), "--guards", "pii", "--max-chars", "100000",
                    "-o", str(out), cwd=tmp_path, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    big, small = (json.loads(line) for line in out.read_text().splitlines())
    assert big["decision"] == "block"
    assert [d["type"] for d in big["detections"]] == ["OVERSIZED"]
    assert small["decision"] == "redact"
    bad = golive("guard", "check", str(src), "--max-chars", "0", cwd=tmp_path, timeout=60)
    assert bad.returncode == 4 and "--max-chars" in bad.stderr
