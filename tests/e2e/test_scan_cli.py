"""`golive scan` end to end against the demo: the flawed app fails the attack gate with
successful attacks in summary.json, the hardened one resists more and reports before/after
against the unguarded one; bad flags exit 4."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import golive

pytestmark = pytest.mark.e2e

FAST = ("--set", "target.settings.fast=true")


def _scan(tmp_path: Path, name: str, *flags: str) -> tuple[int, dict[str, Any]]:
    result = golive(
        "scan",
        "--target",
        "demo",
        "--categories",
        "instruction_override,pii_planted",
        "--per-category",
        "5",
        *FAST,
        *flags,
        "--json",
        f"{name}.json",
        "--out",
        name,
        "--store",
        f"sqlite:///{tmp_path}/{name}.db",
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode in (0, 1, 6), result.stderr  # 6: too few probes to settle
    return result.returncode, json.loads((tmp_path / f"{name}.json").read_text())


def test_flawed_demo_fails_the_attack_gate_and_hardened_resists_more(tmp_path: Path) -> None:
    code, flawed = _scan(tmp_path, "flawed")
    assert code == 1
    attacks = flawed["adversarial"]
    assert attacks["attack_success_rate"]["n"] == 10
    assert attacks["attack_success_rate"]["value"] > 0
    assert set(attacks["by_attack"]) == {"instruction_override", "pii_planted"}
    assert attacks["by_attack"]["pii_planted"]["value"] > 0
    # The successful attacks are shown verbatim, each with the mode that proves it.
    assert attacks["successful"] and all(a["modes"] for a in attacks["successful"])
    assert (tmp_path / "flawed" / "index.html").exists()

    code, hardened = _scan(tmp_path, "hardened", "--hardened")
    rate = hardened["adversarial"]["attack_success_rate"]
    assert rate["value"] < attacks["attack_success_rate"]["value"]
    # 0 of 10 attacks got through: no failure, but 10 probes cannot show a rate under the
    # gate's threshold either; the verdict says so instead of NO-GO.
    if rate["value"] == 0:
        assert code == 6 and hardened["verdict"] == "inconclusive"
    # --hardened also attacks the unguarded demo: before and after, side by side.
    before_after = hardened["hardening"]
    assert before_after["unguarded"] == {"kind": "demo", "hardened": "false"}
    total = before_after["attack_success_rate"]
    assert total["before"]["value"] == attacks["attack_success_rate"]["value"]
    assert total["after"]["value"] == rate["value"] and total["after"]["n"] == 10
    assert before_after["pii_leaks"]["before"] > before_after["pii_leaks"]["after"]
    assert set(before_after["by_attack"]) == {"instruction_override", "pii_planted"}
    assert "hardening" not in flawed
    html = (tmp_path / "hardened" / "index.html").read_text(encoding="utf-8")
    assert 'id="guardrails"' in html and 'id="quality"' not in html  # a scan-only report


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--categories", "nope"], "nope"),
        (["--per-category", "0"], "per_category"),
        (["--hardened", "--url", "http://127.0.0.1:1/v1"], "--hardened"),
        (["--unguarded-url", "http://127.0.0.1:1/v1"], "--unguarded-url"),
    ],
)
def test_bad_flags_exit_4(tmp_path: Path, flags: list[str], message: str) -> None:
    target = "openai" if "--url" in flags else "demo"
    result = golive("scan", "--target", target, *flags, cwd=tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr
    assert message in result.stderr
