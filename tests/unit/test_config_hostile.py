"""golive.yaml, guard.yaml and --set values as an attacker or a careless paste writes them:
each is an input error (exit 4) with one bounded message that never echoes a secret."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from golive.cli._common import parse_set
from golive.config import load_plan, plan_from_dict
from golive.errors import ConfigError
from golive.guard.config import load_proxy_config
from golive.suite import SuiteLimits
from golive.targets._http import read_api_key
from hostile_inputs import bomb

KEY = "sk-proj-Zq8RvT4mW2xY9bN1cK7pL3hJ"
TARGET = "target: {kind: openai, url: 'http://127.0.0.1:9/v1', model: m}\n"


def write(tmp_path: Path, text: str, name: str = "golive.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_alias_bomb_in_extra_body_is_refused(tmp_path: Path) -> None:
    text = (
        "target:\n  kind: openai\n  url: http://127.0.0.1:9/v1\n  model: m\n"
        "  extra_body:\n" + bomb(7, key="junk", indent="    ")
    )
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="aliases") as info:
        load_plan(write(tmp_path, text))
    assert time.perf_counter() - started < 5  # generous; it is milliseconds
    assert info.value.exit_code == 4 and len(str(info.value)) < 600


def test_a_config_file_that_is_a_device_or_too_large_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "golive.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="character device"):
        load_plan(link)
    big = write(tmp_path, TARGET + "# " + "x" * 2_000_000 + "\n", "big.yaml")
    with pytest.raises(ConfigError, match="larger than the limit"):
        load_plan(big)


def test_out_naming_an_existing_file_is_a_config_error(tmp_path: Path) -> None:
    afile = tmp_path / "report.html"
    afile.write_text("x")
    with pytest.raises(ConfigError) as info:
        plan_from_dict(
            {"target": {"kind": "openai", "url": "http://x", "model": "m"}, "out": afile}
        )
    assert str(info.value).startswith("out: ") and "existing file" in str(info.value)


def test_suite_limits_are_a_config_field(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, TARGET), parse_set(["suite_limits.max_bytes=1000"]))
    assert plan.suite_limits == SuiteLimits(max_bytes=1000)
    assert load_plan(write(tmp_path, TARGET)).suite_limits == SuiteLimits()


def test_a_key_pasted_into_api_key_env_is_masked(tmp_path: Path) -> None:
    text = TARGET.replace("model: m}", f"model: m, api_key_env: {KEY}}}")
    with pytest.raises(ConfigError) as info:
        load_plan(write(tmp_path, text))
    message = str(info.value)
    assert KEY not in message and KEY[8:] not in message
    assert "looks like a key itself (sk-…***)" in message
    assert message.startswith("target.api_key_env:")
    # where a key reaches read_api_key directly (a generator's --api-key-env flag)
    with pytest.raises(ConfigError) as direct:
        read_api_key(KEY, field="diversity.generator.api_key_env")
    assert KEY not in str(direct.value)
    # a high-entropy token with no known prefix, and a name that is not a variable name
    token = "a3F9kLm2Qx7Rt5Vw8Yz1Bc4D"
    with pytest.raises(ConfigError) as entropy:
        load_plan(write(tmp_path, TARGET.replace("model: m}", f"model: m, api_key_env: {token}}}")))
    assert token not in str(entropy.value)
    with pytest.raises(ConfigError, match="letters, digits and _"):
        load_plan(write(tmp_path, TARGET.replace("model: m}", "model: m, api_key_env: 'MY KEY'}")))
    # a proper name passes
    ok = load_plan(write(tmp_path, TARGET.replace("model: m}", "model: m, api_key_env: MY_KEY}")))
    assert ok.target.api_key_env == "MY_KEY"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "headers",
    [
        f"'Authorization: Bearer {KEY}'",  # a string where a mapping belongs
        f"{{Authorization: [Bearer, {KEY}]}}",  # a list where a string belongs
        f'{{X-Key: "{KEY}\\nInjected: 1"}}',  # a line break in the value
    ],
)
def test_malformed_headers_are_never_echoed(tmp_path: Path, headers: str) -> None:
    for kind in ("openai", "http"):
        extra = ", output_path: '$.a'" if kind == "http" else ""
        text = (
            f"target: {{kind: {kind}, url: 'http://127.0.0.1:9/v1', model: m{extra}, "
            f"headers: {headers}}}\n"
        ).replace(", model: m", "" if kind == "http" else ", model: m")
        with pytest.raises(ConfigError) as info:
            load_plan(write(tmp_path, text))
        message = str(info.value)
        assert "target.headers" in message, message
        assert KEY not in message and "Zq8RvT4m" not in message, message


def test_a_bomb_in_a_set_value_is_refused() -> None:
    value = "{" + bomb(8).replace("\n", ", ").rstrip(", ") + "}"
    with pytest.raises(ConfigError, match="aliases"):
        parse_set([f"target.extra_body={value}"])
    assert parse_set(["samples=5", "x=[a, b]"]) == {"samples": 5, "x": ["a", "b"]}


def test_guard_config_is_bounded_too(tmp_path: Path) -> None:
    link = tmp_path / "guard.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="character device"):
        load_proxy_config(link)
    with pytest.raises(ConfigError, match="aliases"):
        load_proxy_config(write(tmp_path, bomb(8, key="input"), "bomb.yaml"))


def test_lone_surrogates_in_config_are_an_error_or_a_visible_escape(tmp_path: Path) -> None:
    # libyaml refuses the escape: a clear input error, not a crash later
    text = TARGET.replace("model: m", 'model: "m\\ud800"')
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_plan(write(tmp_path, text))
    # a flag's bytes that are not UTF-8 arrive as lone surrogates (surrogateescape)
    model = b"m\xff".decode("utf-8", "surrogateescape")
    plan = plan_from_dict({"target": {"kind": "openai", "url": "http://x", "model": model}})
    assert plan.target.model == "m\\udcff"  # type: ignore[attr-defined]
