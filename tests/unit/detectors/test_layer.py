"""golive.detectors sits below scoring and guard: importing it loads neither of them, nor the
heavy libraries its detectors load on first use."""

from __future__ import annotations

import subprocess
import sys

_CHECK = """
import sys
import golive.detectors.language, golive.detectors.pii, golive.detectors.warm
above = ("golive.scoring", "golive.guard", "lingua", "phonenumbers", "stdnum")
print(sorted(m for m in sys.modules if m.startswith(above)))
"""


def test_importing_detectors_loads_nothing_above_it_and_nothing_heavy() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _CHECK], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
