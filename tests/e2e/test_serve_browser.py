"""`golive serve` as a real process, driven by real headless Chromium: every page loads with
no console error or CSP violation, the charts render, hostile model output stays text, the
compare view shows a planted regression, and Ctrl-C stops the server cleanly."""

from __future__ import annotations

import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium, console_problems
from e2e_helpers import GOLIVE, golive
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from serve_stored import HOSTILE, IMG, SCRIPT, record_history

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`golive serve` on a free port over a store with three runs; yields its URL."""
    folder = tmp_path_factory.mktemp("serve")
    url = f"sqlite:///{folder / 'golive.db'}"
    record_history(url)
    proc = subprocess.Popen(
        [*GOLIVE, "serve", "--store", url, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=folder,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()  # blocks until the server printed its URL (or died)
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    if match is None:
        proc.kill()
        raise AssertionError(f"golive serve did not start: {line!r} {proc.stderr.read()}")
    try:
        yield match.group(1)
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chromium(tmp_path_factory.mktemp("chromium"), height=1600) as browser:
        yield browser


def _open(driver: WebDriver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _pwned(driver: WebDriver) -> object:
    return driver.execute_script("return typeof window.__pwned")


def test_runs_and_metrics_pages_render_charts(driver: WebDriver, served: str) -> None:
    _open(driver, served)
    links = driver.find_elements(By.CSS_SELECTOR, "table.runs td.mono a")
    assert [a.text for a in links] == ["run-feature", "run-head", "run-base"]
    # The local stylesheet applies (CSP 'self'): the NO-GO badge is red.
    badge = driver.find_element(By.CSS_SELECTOR, "table.runs .badge.fail")
    assert badge.value_of_css_property("color") == "rgba(207, 34, 46, 1)"

    driver.find_element(By.LINK_TEXT, "Metrics").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg.chart"))
    charts = driver.find_elements(By.CSS_SELECTOR, "figure.metric-chart svg.chart")
    assert len(charts) >= 2
    assert all(c.size["width"] > 300 and c.size["height"] > 100 for c in charts)
    figure = driver.find_element(By.CSS_SELECTOR, "figure[data-metric='quality.pass_rate']")
    assert len(figure.find_elements(By.CSS_SELECTOR, "circle.pt")) == 3
    band = figure.find_element(By.CSS_SELECTOR, "polygon.band")
    assert band.size["height"] > 10  # the interval band has area

    # Pick a metric and a branch with the form (no script: a plain GET form).
    driver.find_element(By.CSS_SELECTOR, "select[name='branch'] option[value='main']").click()
    driver.find_element(
        By.CSS_SELECTOR, "select[name='name'] option[value='failures.silent_rate']"
    ).click()
    driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(driver, 10).until(lambda d: "name=failures.silent_rate" in d.current_url)
    figures = driver.find_elements(By.CSS_SELECTOR, "figure.metric-chart")
    assert len(figures) == 1
    assert len(figures[0].find_elements(By.CSS_SELECTOR, "circle.pt")) == 2
    assert console_problems(driver) == []


def test_case_history_keeps_hostile_output_as_text(driver: WebDriver, served: str) -> None:
    _open(driver, f"{served}cases/case-000")
    outputs = driver.find_elements(By.CSS_SELECTOR, "pre.output")
    hostile = [o for o in outputs if SCRIPT in o.text]
    assert hostile and IMG in hostile[0].text
    assert driver.find_elements(By.CSS_SELECTOR, "pre.output *") == []
    assert _pwned(driver) == "undefined"
    shares = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "td.share")]
    assert shares == ["50.0%", "0.0%", "100.0%"]
    assert console_problems(driver) == []


def test_run_page_is_the_report_and_stays_inert(driver: WebDriver, served: str) -> None:
    _open(driver, f"{served}runs/run-head")
    assert driver.find_element(By.ID, "verdict").text == "NO-GO"
    banner = driver.find_element(By.CSS_SELECTOR, "header.banner")
    assert banner.value_of_css_property("background-color") == "rgba(207, 34, 46, 1)"
    first = driver.find_element(By.CSS_SELECTOR, "details.case")
    first.find_element(By.TAG_NAME, "summary").click()  # the report's own script works
    WebDriverWait(driver, 5).until(lambda d: first.get_attribute("open") is not None)
    outputs = [o.text for o in first.find_elements(By.CSS_SELECTOR, "pre.output")]
    assert HOSTILE in outputs
    assert _pwned(driver) == "undefined"
    driver.find_element(By.LINK_TEXT, "← all runs").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.runs"))
    assert console_problems(driver) == []


def test_compare_view_shows_the_planted_regression(driver: WebDriver, served: str) -> None:
    _open(driver, served)
    # From the runs list: run-head "vs previous" compares it with run-base.
    row = driver.find_element(By.XPATH, "//tr[td/a[text()='run-head']]")
    row.find_element(By.CSS_SELECTOR, "a.compare").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "compare-verdict"))
    assert driver.find_element(By.ID, "compare-verdict").text == "REGRESSED"
    rows = driver.find_elements(By.CSS_SELECTOR, "#regressions tr.change.regression")
    assert sorted(r.find_element(By.TAG_NAME, "a").text for r in rows) == [
        "case-000",
        "case-001",
        "case-002",
    ]
    delta = rows[0].find_element(By.CSS_SELECTOR, "td.delta")
    assert delta.text == "-100.0 pp"
    assert delta.value_of_css_property("color") == "rgba(207, 34, 46, 1)"
    assert "detectable" in driver.find_element(By.ID, "mde").text
    assert console_problems(driver) == []


def test_a_bad_ref_is_a_404_page(driver: WebDriver, served: str) -> None:
    _open(driver, f"{served}compare?base=nope&head=latest")
    assert driver.find_element(By.CSS_SELECTOR, "#error h2").text == "Not found"
    assert "golive runs" in driver.find_element(By.CSS_SELECTOR, "p.message").text
    # The 404 itself logs a console error in Chromium; nothing else may.
    assert [p for p in console_problems(driver) if "404" not in p] == []


def test_missing_store_exits_4_with_one_message(tmp_path: Path) -> None:
    done = golive("serve", "--store", f"sqlite:///{tmp_path / 'none.db'}", cwd=tmp_path)
    assert done.returncode == 4
    assert done.stderr.strip().startswith("error: no store at")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none.db").exists()
    secret = "s3cret-pw"
    done = golive(
        "serve", "--store", f"postgresql+psycopg://u:{secret}@127.0.0.1:9/db", cwd=tmp_path
    )
    assert done.returncode == 4 and "cannot open the results store" in done.stderr
    assert secret not in done.stderr and "Traceback" not in done.stderr
