"""Canaries in every place a secret can sit, a target that reflects all of them back, and a grep
of every artefact golive leaves: none of the canaries may appear anywhere.

Places: the API key (an environment variable's value), URL user:password (and the Basic
header built from it), URL query values (?key=, ?code=, ?api-key=), header values under
names nothing would recognise as secret (Ocp-Apim-Subscription-Key, a custom header), each
reflected by the target in its replies, in an HTTP 500 error body, and in a reply cut off
halfway through the key. Artefacts: every file under the working folder (reports: HTML,
JSON, JUnit, Markdown; the step summary; the SQLite store with its WAL; the response cache),
and every command's stdout and stderr (logs included), for `golive run` (twice, with --ci),
`golive load`, and `golive runs --json`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import golive

from servers.reflecting import reflecting_server

pytestmark = pytest.mark.e2e

API_KEY = "canaryENVKEY-1f2e3d4c5b6a"
QUERY_KEY = "canaryQUERYKEY-3b2a19"
QUERY_CODE = "canaryQUERYCODE-8d7e6f"
QUERY_APIKEY = "canaryQUERYAPIKEY-4c3b2a"
HEADER_APIM = "canaryAPIM-77aa88bb"
HEADER_CUSTOM = "canaryCUSTOM-99bb00cc"
RUN_USER, RUN_PASS = "canaryRUNUSER-5d1f", "canaryRUNPASS-e07a3b"
LOAD_USER, LOAD_PASS = "canaryLOADUSER-2a2b", "canaryLOADPASS-6c6d"
CANARIES = {
    "api key (env)": API_KEY,
    "?key=": QUERY_KEY,
    "?code=": QUERY_CODE,
    "?api-key=": QUERY_APIKEY,
    "Ocp-Apim-Subscription-Key": HEADER_APIM,
    "custom header": HEADER_CUSTOM,
    "run URL user": RUN_USER,
    "run URL password": RUN_PASS,
    "run Basic auth": base64.b64encode(f"{RUN_USER}:{RUN_PASS}".encode()).decode(),
    "load URL user": LOAD_USER,
    "load URL password": LOAD_PASS,
    "load Basic auth": base64.b64encode(f"{LOAD_USER}:{LOAD_PASS}".encode()).decode(),
}
# The key cut off by a capped reply: its first 12 characters must not show either.
PREFIXES = {f"{name} (prefix)": value[:12] for name, value in CANARIES.items()}

CASES = [
    {"id": "reflect", "input": "hello there"},
    {"id": "error-body", "input": "please FAIL"},
    {"id": "cut-key", "input": "CUT the reply"},
]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with reflecting_server() as p:
        yield p


def _config(folder: Path, name: str, target: dict[str, object], out: str) -> Path:
    config = {
        "target": target,
        "suite": "cases.jsonl",
        "samples": 2,
        "concurrency": 2,
        "reporters": ["terminal", "html", "json", "junit", "markdown"],
        "store": f"sqlite:///{folder / 'store' / 'golive.db'}",
        "out": out,
        "cache": {"enabled": True, "dir": str(folder / "cache")},
        "request": {"system_prompt": "Answer briefly."},
    }
    path = folder / name
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def _leaks(blob: bytes | str, where: str) -> list[str]:
    data = blob.encode("utf-8", "surrogatepass") if isinstance(blob, str) else blob
    return [
        f"{name} in {where}"
        for name, value in {**CANARIES, **PREFIXES}.items()
        if value.encode() in data
    ]


def test_no_planted_secret_reaches_any_artefact(port: int, tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "cases.jsonl").write_text("\n".join(json.dumps(c) for c in CASES) + "\n")
    step_summary = tmp_path / "step-summary.md"
    env = {
        "CANARY_API_KEY": API_KEY,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(step_summary),
        "GOLIVE_LOG_LEVEL": "DEBUG",
    }
    base = f"127.0.0.1:{port}/v1"
    first = _config(
        tmp_path,
        "golive.yaml",
        {
            "kind": "openai",
            "url": f"http://{base}?key={QUERY_KEY}",
            "model": "m",
            "api_key_env": "CANARY_API_KEY",
            "headers": {
                "Ocp-Apim-Subscription-Key": HEADER_APIM,
                "X-Custom": HEADER_CUSTOM,
                "X-Request-Source": "visible-source",
            },
            "show_headers": ["X-Request-Source"],
        },
        "report-run1",
    )
    second = _config(
        tmp_path,
        "golive-basic.yaml",
        {
            "kind": "openai",
            "url": f"http://{RUN_USER}:{RUN_PASS}@{base}?code={QUERY_CODE}",
            "model": "m",
            "stream": False,
        },
        "report-run2",
    )
    outputs: list[tuple[str, str, str]] = []
    for config in (first, second):
        result = golive(
            "run", "-c", str(config), "--ci", "--json", str(tmp_path / f"{config.stem}.json"),
            cwd=tmp_path, env=env, timeout=120,
        )  # fmt: skip
        assert result.returncode in (0, 1, 6), result.stderr
        outputs.append((f"golive run -c {config.name}", result.stdout, result.stderr))
    load = golive(
        "load",
        "--url", f"http://{LOAD_USER}:{LOAD_PASS}@{base}?api-key={QUERY_APIKEY}",
        "--model", "m", "--concurrency", "1", "--duration", "1", "--requests", "4",
        "--out", "report-load", "--json", "load.json",
        "--store", f"sqlite:///{tmp_path / 'store' / 'golive.db'}",
        cwd=tmp_path, env=env, timeout=120,
    )  # fmt: skip
    assert load.returncode in (0, 1, 6), load.stderr
    outputs.append(("golive load", load.stdout, load.stderr))
    runs = golive(
        "runs", "--json", "--store", f"sqlite:///{tmp_path / 'store' / 'golive.db'}",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert runs.returncode == 0, runs.stderr
    outputs.append(("golive runs --json", runs.stdout, runs.stderr))

    # The test would prove nothing if the target never saw (and reflected) the secrets.
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    for expected in (
        "report-run1/index.html", "report-run1/summary.json", "report-run1/junit.xml",
        "report-run1/summary.md", "report-run2/index.html", "report-load/summary.json",
        "load.json", "golive.json", "golive-basic.json", "step-summary.md",
        "store/golive.db", "cache/responses.sqlite3",
    ):  # fmt: skip
        assert expected in names, sorted(names)
    store = b"".join(p.read_bytes() for p in files if p.parent.name == "store")
    assert b"X-Custom=***" in store and b"Authorization=Bearer ***" in store
    assert b"Authorization=Basic ***" in store  # the second run's reflected Basic header
    assert b"upstream rejected the call" in store  # the error body was recorded, masked
    assert b"X-Request-Source=visible-source" in store  # shown as asked
    html = (tmp_path / "report-run1" / "index.html").read_text(encoding="utf-8")
    assert "Ocp-Apim-Subscription-Key" in html and "visible-source" in html

    leaks: list[str] = []
    for path in files:
        if path in (first, second):
            continue  # the user's own config: where the canaries were planted
        leaks += _leaks(path.read_bytes(), path.relative_to(tmp_path).as_posix())
    for command, stdout, stderr in outputs:
        leaks += _leaks(stdout, f"{command} stdout") + _leaks(stderr, f"{command} stderr")
    assert not leaks, "\n".join(leaks)
