"""Headless Chromium for the browser tests: Debian's chromium and chromium-driver, driven by
Selenium, plus the check every page must pass (no script ran, no error, no CSP violation)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

__all__ = [
    "CHROMEDRIVER",
    "CHROMIUM",
    "assert_inert_and_clean",
    "chromium",
    "console_problems",
]

CHROMIUM = Path(os.environ.get("GOLIVE_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("GOLIVE_CHROMEDRIVER", "/usr/bin/chromedriver"))


@contextlib.contextmanager
def chromium(
    profile: Path, *, height: int = 1800, extra_args: Sequence[str] = ()
) -> Iterator[WebDriver]:
    """A headless browser with its profile and driver log under ``profile``; ``extra_args``:
    more command-line switches (``--host-resolver-rules=…`` to play a rebound DNS name)."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        # Fail, not skip: a skipped browser test would let an XSS regression through silently.
        pytest.fail(
            f"headless Chromium is needed for this test, not found: {', '.join(missing)}. "
            "Run `sudo scripts/install-browser.sh` (make test does it for you).",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        f"--window-size=1280,{height}",
        f"--user-data-dir={profile / 'chromium-profile'}",
        *extra_args,
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(profile / "driver.log"))
    browser = webdriver.Chrome(options=options, service=service)
    try:
        yield browser
    finally:
        browser.quit()


def console_problems(driver: WebDriver) -> list[str]:
    """The console's errors and CSP violations since the last call."""
    logs = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return [
        e["message"]
        for e in logs
        if e.get("level") == "SEVERE" or "Content Security Policy" in e.get("message", "")
    ]


def assert_inert_and_clean(driver: WebDriver) -> None:
    """No hostile script ran, and the console has no error and no CSP violation."""
    assert driver.execute_script("return typeof window.__pwned") == "undefined"
    assert console_problems(driver) == []
