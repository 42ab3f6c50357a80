"""Every timeout a user configures is a finite number of seconds above zero: ``inf`` (a
stalled target would hang the run for ever), ``nan``, 0 and negatives are configuration
errors that name the field."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from golive.config import plan_from_dict
from golive.errors import ConfigError
from golive.guard.config import load_proxy_config

BAD = [math.inf, -math.inf, math.nan, "inf", "nan", 0, -1.5]
TARGET = {"kind": "openai", "url": "http://127.0.0.1:9/v1", "model": "m"}


def plan(**fields: Any) -> Any:
    return plan_from_dict({"target": TARGET, **fields})


def _rejected(build: Any, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build()
    message = str(caught.value)
    assert field in message, message
    assert "\n" not in message.strip()


@pytest.mark.parametrize("value", BAD, ids=repr)
def test_run_timeout(value: object) -> None:
    _rejected(lambda: plan(timeout=value), "timeout")


SECTIONS = [
    ("target", "validate_timeout_s"),
    ("target", "connect_timeout_s"),
    ("load", "request_timeout_s"),
    ("load", "grace_s"),
    ("load.cold_start", "ready_timeout_s"),
    ("diversity.generator", "timeout"),
]


def _with(section: str, field: str, value: object) -> dict[str, Any]:
    fields: dict[str, Any] = {"target": dict(TARGET)}
    node = fields
    for part in section.split("."):
        node = node.setdefault(part, {})
    if section == "load":
        node["concurrency"] = [1]
    if section == "load.cold_start":
        fields["load"]["concurrency"] = [1]
    if section == "diversity.generator":
        node.update({"url": "http://127.0.0.1:9/v1", "model": "m"})
    node[field] = value
    return fields


@pytest.mark.parametrize("value", BAD, ids=repr)
@pytest.mark.parametrize(("section", "field"), SECTIONS)
def test_section_timeouts(section: str, field: str, value: object) -> None:
    if value == 0 and field == "grace_s":  # no grace at all is allowed
        return
    _rejected(lambda: plan_from_dict(_with(section, field, value)), field)


@pytest.mark.parametrize(("section", "field"), SECTIONS)
def test_finite_section_timeouts_still_pass(section: str, field: str) -> None:
    plan_from_dict(_with(section, field, 2.5))


def test_finite_run_timeouts_still_pass() -> None:
    assert plan(timeout=0.5).timeout == 0.5
    assert plan(timeout="30").timeout == 30.0


@pytest.mark.parametrize(
    "field",
    ["upstream_timeout_s", "connect_timeout_s", "client_header_timeout_s", "client_body_timeout_s"],
)
@pytest.mark.parametrize("value", [".inf", ".nan", "0", "-1"])
def test_proxy_timeouts(tmp_path: Path, field: str, value: str) -> None:
    path = tmp_path / "guard.yaml"
    path.write_text(f"{field}: {value}\n")
    _rejected(lambda: load_proxy_config(path), field)
