from __future__ import annotations

from pathlib import Path

import pytest

from golive.errors import ConfigError
from golive.guard.config import load_proxy_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "guard.yaml"
    path.write_text(text)
    return path


def test_unknown_field_names_it_and_lists_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_proxy_config(write(tmp_path, "inptu: [pii]\n"))
    assert str(info.value).startswith("inptu: unknown field.")
    assert "Did you mean 'input'?" in str(info.value)
    assert info.value.exit_code == 4


def test_missing_file_and_bad_yaml_name_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--config: no such file"):
        load_proxy_config(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match=r"^--config: cannot read"):
        load_proxy_config(write(tmp_path, "input: [pii\n"))


def test_a_valid_config_builds_both_chains(tmp_path: Path) -> None:
    config = load_proxy_config(write(tmp_path, "input: [validate, pii]\noutput: [output_pii]\n"))
    inputs, outputs = config.chains()
    assert inputs is not None and outputs is not None
