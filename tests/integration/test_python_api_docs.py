"""Every Python example in docs/python-api.md runs as written, each in a fresh interpreter,
against the demo server on 127.0.0.1 (its address stands in for the doc's port 8000)."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "python-api.md"
DOC_URL = "http://127.0.0.1:8000"
BLOCK = re.compile(r"^## (?P<title>.+?)$|^```python\n(?P<code>.*?)^```", re.M | re.S)


def _examples() -> list[tuple[str, str]]:
    """(section title, code) of every ```python block, in order."""
    found, title = [], "top"
    for match in BLOCK.finditer(DOC.read_text(encoding="utf-8")):
        if match["title"]:
            title = match["title"]
        else:
            found.append((title, match["code"]))
    return found


README = DOC.parents[1] / "README.md"


def _readme_example() -> tuple[str, str]:
    """The README's own Python example (its "From Python" section) runs too."""
    section = README.read_text(encoding="utf-8").split("### From Python", 1)[1]
    found = re.search(r"^```python\n(.*?)^```", section, re.M | re.S)
    assert found, "README.md: the From Python section has no python block"
    return ("README: From Python", found[1])


EXAMPLES = [*_examples(), _readme_example()]


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    """The demo server (`golive mock-server --fast` on a free port): its base URL, read from
    the line it prints once it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "golive", "mock-server", "--port", "0", "--fast"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            assert selector.select(timeout=60), "the demo server did not start within 60 s"
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, line
        yield found[0]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_doc_shows_every_function() -> None:
    code = "\n".join(c for _, c in EXAMPLES)
    for call in ("evaluate", "evaluate_async", "load_test", "scan_target", "perturb",
                 "compare_runs", "guard.check"):  # fmt: skip
        assert f"golive.{call}(" in code, call
    assert DOC_URL in code


@pytest.mark.parametrize(("title", "code"), EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_example_runs(title: str, code: str, demo_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GOLIVE_STORE"}
    done = subprocess.run(
        [sys.executable, "-c", code.replace(DOC_URL, demo_url)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{title}:\n{done.stdout}\n{done.stderr}"
    assert done.stdout.strip()  # each example shows something
