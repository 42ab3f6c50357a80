"""A 1,000-case run in `golive serve`, driven by headless Chromium: its page is one page of
cases, the next/previous links and the filters work by clicking, and nothing breaks the CSP."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator

import pytest
from browser import assert_inert_and_clean, chromium
from e2e_helpers import GOLIVE
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from golive.store.case_pages import PAGE_SIZE
from large_runs import record_large_run

pytestmark = pytest.mark.e2e
CASES = 1000


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("serve-large")
    url = f"sqlite:///{folder / 'golive.db'}"
    record_large_run(url, "big", CASES, 3)
    proc = subprocess.Popen(
        [*GOLIVE, "serve", "--store", url, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the server printed its URL (or died)
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    if match is None:
        proc.kill()
        raise AssertionError(f"golive serve did not start: {line!r}")
    try:
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chromium(tmp_path_factory.mktemp("chromium")) as browser:
        yield browser


def _wait(driver: WebDriver) -> None:
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _case_ids(driver: WebDriver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tr.case-row td.mono a")]


def test_pages_and_filters_by_clicking(driver: WebDriver, served: str) -> None:
    driver.get(f"{served}runs/big")
    _wait(driver)
    first = _case_ids(driver)
    assert len(first) == PAGE_SIZE and first[0] == "case-00000"
    assert driver.find_element(By.ID, "count-cases").text == str(CASES)
    assert_inert_and_clean(driver)

    driver.find_element(By.ID, "next-page").click()
    _wait(driver)
    second = _case_ids(driver)
    assert len(second) == PAGE_SIZE and not set(first) & set(second)
    driver.find_element(By.ID, "previous-page").click()
    _wait(driver)
    assert _case_ids(driver) == first

    driver.find_element(By.PARTIAL_LINK_TEXT, "pii_leak (").click()
    _wait(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.case-row")
    assert rows and all("pii_leak" in r.text for r in rows)
    assert len(rows) == len([i for i in range(CASES) if i % 30 == 0 and i % 50 != 0])
    assert_inert_and_clean(driver)
