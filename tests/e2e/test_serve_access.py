"""Who can read `golive serve`: a DNS-rebinding page cannot (real Chromium resolving
evil.example to 127.0.0.1), a token is required off loopback and, when set, of every request;
a browser passes it once as ?token= and keeps a cookie."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser import chromium
from e2e_helpers import GOLIVE, golive
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from serve_stored import record_history

pytestmark = pytest.mark.e2e

TOKEN = "e2e-serve-token-0123456789abcdef"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('serve-access') / 'golive.db'}"
    record_history(url)
    return url


@contextmanager
def _serving(store_url: str, *flags: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """`golive serve` as a real process on a free port; yields the port."""
    import os

    proc = subprocess.Popen(
        [*GOLIVE, "serve", "--store", store_url, "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()  # blocks until the server printed its URL (or died)
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if match is None:
        proc.kill()
        raise AssertionError(f"golive serve did not start: {line!r} {proc.stderr.read()}")
    try:
        yield int(match.group(1))
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert TOKEN not in out + err  # the token is never printed


def _get(port: int, path: str = "/", **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_foreign_host_header_reads_nothing(store_url: str) -> None:
    with _serving(store_url) as port:
        status, body = _get(port, "/api/runs", Host=f"evil.example:{port}")
        assert status == 403 and "run-head" not in body
        status, body = _get(port, "/api/runs")
        assert status == 200 and "run-head" in body
        assert _get(port, "/", Host=f"localhost:{port}")[0] == 200


def test_a_token_guards_every_page_and_api(store_url: str) -> None:
    with _serving(store_url, env={"GOLIVE_SERVE_TOKEN": TOKEN}) as port:
        assert _get(port, "/api/runs")[0] == 401
        assert _get(port, "/")[0] == 401
        assert _get(port, "/api/runs", Authorization="Bearer wrong-token-0123456789")[0] == 401
        status, body = _get(port, "/api/runs", Authorization=f"Bearer {TOKEN}")
        assert status == 200 and next(r["id"] for r in json.loads(body)) == "run-feature"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--host", "0.0.0.0"], "--host: 0.0.0.0 is not a loopback address, so a token is"),
        (["--token", "short"], "--token: the token is 5 characters; use at least 16"),
        (["--allow-host", "bad host/"], "--allow-host: 'bad host/' is not a host name"),
    ],
)
def test_an_unsafe_or_invalid_bind_is_refused_with_exit_4(
    store_url: str, tmp_path: Path, flags: list[str], message: str
) -> None:
    result = golive("serve", "--store", store_url, "--port", "0", *flags, cwd=tmp_path)
    assert result.returncode == 4, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    if "0.0.0.0" in flags:
        assert "GOLIVE_SERVE_TOKEN" in result.stderr


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    # evil.example resolves to 127.0.0.1: a DNS-rebinding attack, already rebound.
    rules = "--host-resolver-rules=MAP evil.example 127.0.0.1"
    with chromium(tmp_path_factory.mktemp("chromium"), extra_args=[rules]) as browser:
        yield browser


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def test_in_chromium_a_rebound_name_is_refused_and_the_token_becomes_a_cookie(
    store_url: str, driver: WebDriver
) -> None:
    with _serving(store_url, "--token", TOKEN) as port:
        _open(driver, f"http://evil.example:{port}/")
        assert "run-head" not in driver.page_source and "Host" in driver.page_source
        _open(driver, f"http://127.0.0.1:{port}/")
        assert "run-head" not in driver.page_source and "token" in driver.page_source
        _open(driver, f"http://127.0.0.1:{port}/?token={TOKEN}")
        assert driver.current_url == f"http://127.0.0.1:{port}/"  # the token left the URL
        links = driver.find_elements(By.CSS_SELECTOR, "table.runs td.mono a")
        assert [a.text for a in links] == ["run-feature", "run-head", "run-base"]
        links[1].click()  # the cookie carries the next page
        WebDriverWait(driver, 10).until(lambda d: "/runs/run-head" in d.current_url)
        assert "401" not in driver.title and "run-head" in driver.page_source
        # The cookie is HttpOnly: no script on any page could read it.
        assert driver.execute_script("return document.cookie") == ""
