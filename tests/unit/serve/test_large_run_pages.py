"""A 3,000-case run in the dashboard: its page is one bounded page of cases with working
next/previous links and server-side filters, and its JSON API pages with a maximum."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html import unescape

import pytest
from aiohttp.test_utils import TestClient, TestServer

from golive.serve import create_app
from golive.store import open_store
from golive.store.case_pages import PAGE_MAX, PAGE_SIZE
from large_runs import record_large_run
from serve_stored import record_history

CASES = 3000
PAGE_BYTES_MAX = 2 * 1024 * 1024
ROW = re.compile(r'<tr class="case-row (pass|fail)"><td class="mono"><a href="/cases/([^"]+)">')


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('large') / 'golive.db'}"
    record_large_run(url, "big", CASES, 3)
    record_history(url)  # and three small runs, which keep their whole report
    return url


@pytest.fixture
async def client(big_store: str) -> AsyncIterator[TestClient[object, object]]:
    store = open_store(big_store)
    async with TestClient(TestServer(create_app(store))) as test_client:
        yield test_client
    store.dispose()


async def _get(client: TestClient[object, object], path: str) -> str:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return await response.text()


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" id="[a-z-]+" href="([^"]+)">', html)
    return unescape(found.group(1)) if found else None


async def test_large_run_page_is_one_bounded_page_with_working_links(client: TestClient) -> None:
    response = await client.get("/runs/big")
    assert response.status == 200
    html = await response.text()
    assert len(html.encode()) < PAGE_BYTES_MAX
    rows = ROW.findall(html)
    assert len(rows) == PAGE_SIZE
    assert 'id="count-cases">3000<' in html
    assert _link(html, "prev") is None
    # Failing cases first: the page starts with the cases that failed every sample.
    assert rows[0] == ("fail", "case-00000")

    following = _link(html, "next")
    assert following == f"/runs/big?offset={PAGE_SIZE}"
    second = await _get(client, following)
    second_rows = ROW.findall(second)
    assert len(second_rows) == PAGE_SIZE
    assert not {c for _, c in rows} & {c for _, c in second_rows}
    assert _link(second, "prev") == "/runs/big?offset=0"

    last = await _get(client, f"/runs/big?offset={CASES - 50}")
    assert len(ROW.findall(last)) == 50 and _link(last, "next") is None
    assert f"cases {CASES - 49}–{CASES} of {CASES}" in last


async def test_filters_work_server_side_and_keep_through_pages(client: TestClient) -> None:
    html = await _get(client, "/runs/big?failing=1")
    rows = ROW.findall(html)
    assert {outcome for outcome, _ in rows} == {"fail"} and len(rows) == PAGE_SIZE
    following = _link(html, "next")
    assert following == f"/runs/big?offset={PAGE_SIZE}&failing=1"
    rest = ROW.findall(await _get(client, following))
    assert {outcome for outcome, _ in rest} == {"fail"}
    assert len(rows) + len(rest) == 360  # every 10th case fails (see large_runs)

    pii = await _get(client, "/runs/big?mode=pii_leak")
    pii_rows = ROW.findall(pii)
    assert len(pii_rows) == 80 and _link(pii, "next") is None
    assert pii.count('<span class="chip silent">pii_leak</span>') == 80
    # The filter chips carry the counts, and link to the filtered first page.
    assert 'href="/runs/big?offset=0&amp;mode=timeout">timeout (60)</a>' in pii


async def test_cases_api_pages_with_a_documented_maximum(client: TestClient) -> None:
    response = await client.get(f"/api/runs/big/cases?limit={PAGE_MAX}&offset=2500")
    data = await response.json()
    assert data["total"] == CASES and data["max_limit"] == PAGE_MAX
    assert len(data["cases"]) == 500 and data["next"] is None
    assert data["previous"] == f"/api/runs/big/cases?offset=1500&limit={PAGE_MAX}"
    assert data["counts"]["modes"] == {"wrong_answer": 220, "pii_leak": 80, "timeout": 60}

    default = await (await client.get("/api/runs/big/cases")).json()
    assert len(default["cases"]) == PAGE_SIZE and default["next"].endswith(f"offset={PAGE_SIZE}")

    for query, field in [
        (f"limit={PAGE_MAX + 1}", "limit"),
        ("limit=0", "limit"),
        ("offset=-5", "offset"),
        ("offset=x", "offset"),
        ("mode=<script>", "mode"),
        ("failing=maybe", "failing"),
    ]:
        response = await client.get(f"/api/runs/big/cases?{query}")
        assert response.status == 400, query
        message = (await response.json())["error"]
        assert message.startswith(field)


async def test_small_run_keeps_its_whole_report_and_pages_on_request(client: TestClient) -> None:
    whole = await _get(client, "/runs/run-head")
    assert "rebuilt from the store" in whole and 'class="case-row' not in whole
    paged = await _get(client, "/runs/run-head?offset=0")
    assert len(ROW.findall(paged)) == 6 and 'href="/runs/run-head">the whole report</a>' in paged


async def test_unknown_run_is_404(client: TestClient) -> None:
    assert (await client.get("/runs/nope?offset=0")).status == 404
    assert (await client.get("/api/runs/nope/cases")).status == 404
