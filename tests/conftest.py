"""Shared fixtures. The tests import golive from src/ (installed editable by make test)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

pytest_plugins = ["store_fixtures", "e2e_helpers"]
