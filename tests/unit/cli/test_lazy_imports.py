"""``golive --help`` stays fast because the command modules import heavy parts on use only."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("golive.config", "sqlalchemy", "aiohttp", "numpy", "pydantic", "jinja2", "rich.table")


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = f"import sys, golive.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""


def test_version_prints_the_package_version_and_exits_0() -> None:
    from importlib.metadata import version

    out = subprocess.run(
        [sys.executable, "-m", "golive", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (out.returncode, out.stdout.strip()) == (0, f"golive {version('golive')}")


def test_version_loads_no_heavy_module() -> None:
    code = (
        "import sys\nfrom golive.cli import app\n"
        "try:\n    app(['--version'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        f"print('|' + ','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip().endswith("|")
