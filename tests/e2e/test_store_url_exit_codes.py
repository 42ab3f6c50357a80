"""A bad --store is a configuration error (exit 4, one line, no traceback) in every command
that takes one, as in `golive serve`; a store that fails mid-run is exit 3 (see
test_store_failure.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import golive

pytestmark = pytest.mark.e2e

BAD_URLS = {
    "unsupported": "mysql://user@127.0.0.1/db",
    "unparseable": "postgresql://user@127.0.0.1:notaport/db",
    "unreachable": "postgresql://user@127.0.0.1:1/db",
}

COMMANDS = {
    "run": ["run", "--target", "demo"],
    "scan": ["scan", "--target", "demo"],
    "demo": ["demo", "--no-load", "--no-diversity", "--samples", "1"],
    "load": ["load", "--target-kind", "demo", "--concurrency", "1", "--duration", "1"],
    "runs": ["runs"],
    "compare": ["compare", "a", "b"],
    "serve": ["serve", "--port", "0"],
    "proxy": ["proxy", "--upstream", "http://127.0.0.1:9/v1", "--port", "0"],
}


# Every command with an unsupported URL; every kind of bad URL with run, serve and runs.
CASES = sorted(
    {(c, "unsupported") for c in COMMANDS}
    | {(c, k) for c in ("run", "serve", "runs") for k in BAD_URLS}
)


@pytest.mark.parametrize(("command", "kind"), CASES)
def test_a_bad_store_url_is_exit_4_with_one_line(command: str, kind: str, tmp_path: Path) -> None:
    done = golive(*COMMANDS[command], "--store", BAD_URLS[kind], cwd=tmp_path, timeout=60)
    assert done.returncode == 4, (done.stdout, done.stderr)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "store" in errors[0], done.stderr
    assert "Traceback" not in done.stderr
