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
