"""The dashboard's pages and their JSON twins: runs, metrics over time, a run's report, a
case's history, and two runs compared (by ``golive.compare``, never by statistics here)."""

from __future__ import annotations

import html
import itertools
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from golive.errors import ConfigError
from golive.serve._pages import STORE_KEY, in_thread, render
from golive.serve.charts import is_rate, metric_chart
from golive.serve.views import (
    FEATURED,
    RunCases,
    branches,
    case_history,
    full_report_fits,
    metric_names,
    metric_series,
    run_cases,
)
from golive.store.case_pages import PAGE_MAX, PAGE_SIZE, VISIBLE
from golive.store.engine import Store
from golive.store.queries import RunRow, get_run, list_runs

__all__ = ["add_routes"]

_RUNS_SHOWN = 100
_COMPARE_CASES_SHOWN = 200  # per section of /compare; /api/compare pages through the rest
_COMPARE_HINT = (
    "Give two runs as ?base=REF&head=REF: a run id, an id prefix, latest, or branch:NAME."
)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", runs_page)
    app.router.add_get("/metrics", metrics_page)
    app.router.add_get("/runs/{run_id}", run_page)
    app.router.add_get("/cases/{case_id:.+}", case_page)
    app.router.add_get("/compare", compare_page)
    app.router.add_get("/api/runs", runs_api)
    app.router.add_get("/api/runs/{run_id}", run_api)
    app.router.add_get("/api/runs/{run_id}/cases", run_cases_api)
    app.router.add_get("/api/metrics", metrics_api)
    app.router.add_get("/api/cases/{case_id:.+}", case_api)
    app.router.add_get("/api/compare", compare_api)


def _store(request: web.Request) -> Store:
    return request.app[STORE_KEY]


def _branch(request: web.Request) -> str | None:
    return request.query.get("branch") or None


def _rate_ci(run: RunRow) -> list[float] | None:
    quality = (run.summary or {}).get("quality")
    estimate = quality.get("pass_rate") if isinstance(quality, dict) else None
    ci = estimate.get("ci") if isinstance(estimate, dict) else None
    return ci if isinstance(ci, list) and len(ci) == 2 else None


# -- runs -------------------------------------------------------------------------------------


async def runs_page(request: web.Request) -> web.Response:
    store, branch = _store(request), _branch(request)

    def read() -> tuple[list[RunRow], list[str]]:
        runs = list_runs(store, limit=_RUNS_SHOWN)
        return [r for r in runs if not branch or r.git_branch == branch], branches(store)

    runs, known = await in_thread(read)
    # Each run links to a comparison with the one before it (older, same branch when set).
    previous = {newer.id: older.id for newer, older in itertools.pairwise(runs)}
    rows = [(r, _rate_ci(r)) for r in runs]
    return render(
        "runs.html.j2", page="runs", rows=rows, previous=previous, branches=known, branch=branch
    )


async def runs_api(request: web.Request) -> web.Response:
    store, branch = _store(request), _branch(request)
    runs = await in_thread(list_runs, store, _RUNS_SHOWN)
    listed = []
    for run in runs:
        if branch and run.git_branch != branch:
            continue
        data = run.to_json()
        data.pop("summary")  # /api/runs/{id} has it; a list of 100 summaries is megabytes
        data.pop("config")
        listed.append(data)
    return web.json_response(listed)


async def run_api(request: web.Request) -> web.Response:
    run = await in_thread(get_run, _store(request), request.match_info["run_id"])
    return web.json_response(run.to_json())


_PAGING = ("offset", "limit", "failing", "mode")


def _paging(request: web.Request) -> dict[str, Any] | None:
    """``?offset=&limit=&failing=&mode=`` checked; None when the request has none of them.

    Raises:
        HTTPBadRequest: a value out of range, naming the parameter and what it accepts.
    """
    from golive.schemas import FailureMode

    query = request.query
    if not any(key in query for key in _PAGING):
        return None

    def whole(key: str, default: int, low: int, high: int | None) -> int:
        raw = query.get(key, "")
        if raw == "":
            return default
        if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
            span = f"from {low} to {high}" if high is not None else f"of {low} or more"
            raise web.HTTPBadRequest(text=f"{key} must be a whole number {span} (got {raw[:40]!r})")
        return int(raw)

    failing = query.get("failing", "").lower()
    if failing not in ("", "0", "1", "true", "false", "yes", "no"):
        raise web.HTTPBadRequest(text=f"failing must be 1 or 0 (got {failing[:40]!r})")
    mode = query.get("mode", "")
    modes = [m.value for m in FailureMode]
    if mode and mode not in modes:
        raise web.HTTPBadRequest(
            text=f"mode must be a failure mode ({', '.join(modes)}), not {mode[:40]!r}"
        )
    return {
        "offset": whole("offset", 0, 0, None),
        "limit": whole("limit", PAGE_SIZE, 1, PAGE_MAX),
        "failing": failing in ("1", "true", "yes"),
        "mode": mode or None,
    }


def _page_link(base: str, paging: dict[str, Any], offset: int) -> str:
    """``base`` with the page at ``offset`` of the same filter (the default limit left out)."""
    params: dict[str, Any] = {"offset": offset}
    if paging["limit"] != PAGE_SIZE:
        params["limit"] = paging["limit"]
    if paging["failing"]:
        params["failing"] = 1
    if paging["mode"]:
        params["mode"] = paging["mode"]
    return f"{base}?{urlencode(params)}"


def _links(base: str, data: RunCases, paging: dict[str, Any]) -> dict[str, str | None]:
    page = data.page
    previous = max(0, page.offset - page.limit)
    return {
        "next": _page_link(base, paging, page.offset + page.limit) if page.has_next else None,
        "previous": _page_link(base, paging, previous) if page.has_previous else None,
    }


def _filters(base: str, data: RunCases, paging: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(label, link, chosen) for each filter: all cases, failing only, each mode shown."""
    page, counts = data.page, data.counts

    def link(failing: bool, mode: str | None) -> str:
        return _page_link(base, {**paging, "failing": failing, "mode": mode}, 0)

    found = [
        ("all cases", link(False, None), not page.failing and not page.mode),
        (f"failing only ({counts.failing})", link(True, None), page.failing and not page.mode),
    ]
    for mode, n in sorted(counts.modes.items(), key=lambda item: (-item[1], item[0])):
        found.append((f"{mode} ({n})", link(page.failing, mode), page.mode == mode))
    return found


_DEFAULT_PAGING: dict[str, Any] = {"offset": 0, "limit": PAGE_SIZE, "failing": False, "mode": None}


async def run_cases_api(request: web.Request) -> web.Response:
    """One page of a run's cases: ``?offset=&limit=`` (limit at most ``PAGE_MAX``),
    ``failing=1`` for the failing ones, ``mode=MODE`` for those that showed a failure mode."""
    paging = _paging(request) or _DEFAULT_PAGING
    data = await in_thread(
        lambda: run_cases(_store(request), request.match_info["run_id"], **paging)
    )
    page = data.page
    base = f"/api/runs/{quote(data.run.id, safe='')}/cases"
    return web.json_response(
        {
            "run_id": data.run.id,
            "offset": page.offset,
            "limit": page.limit,
            "max_limit": PAGE_MAX,
            "total": page.total,
            "failing": page.failing,
            "mode": page.mode,
            "counts": data.counts.to_json(),
            "cases": [c.to_json() for c in page.cases],
            **_links(base, data, paging),
        }
    )


async def run_page(request: web.Request) -> web.Response:
    """The run's HTML report, rebuilt from the store (same renderer as ``index.html``); for
    a large run, or when asked for with ``?offset=`` and the filters, its cases a page at a
    time."""
    from golive.reports.html import content_security_policy, render_html
    from golive.store.rebuild import MISSING, rebuild_run

    store, ref = _store(request), request.match_info["run_id"]
    paging = _paging(request)
    run = await in_thread(get_run, store, ref)
    if paging is not None or not full_report_fits(run):
        paging = paging or _DEFAULT_PAGING
        data = await in_thread(lambda: run_cases(store, run.id, **paging))
        base = f"/runs/{quote(run.id, safe='')}"
        return render(
            "run.html.j2",
            page="runs",
            d=data,
            summary=data.run.summary or {},
            filters=_filters(base, data, paging),
            links=_links(base, data, paging),
            base=base,
            api=_page_link(f"/api/runs/{quote(run.id, safe='')}/cases", paging, paging["offset"]),
            full_report=full_report_fits(run),
            visible=VISIBLE,
        )

    def build() -> tuple[str, int]:
        rebuilt = rebuild_run(store, run.id)
        return render_html(rebuilt.result), len(rebuilt.approximated)

    page, approximated = await in_thread(build)
    # A way back, and what the store could not give back, above the report. Fixed text only,
    # in the report's own ``notice`` style (its CSP allows no other).
    lacking = ""
    if approximated:
        lacking = (
            f"; {approximated} case(s) were recorded without their case (an older golive, or "
            f"unfinished when the run stopped), so they lack {html.escape(MISSING)}"
        )
    banner = (
        '<div class="notice"><div class="wrap"><a href="/">← all runs</a> · '
        f'<a href="/metrics">metrics</a> · rebuilt from the store{lacking}.</div></div>'
    )
    body = '<body class="filter-all">'
    page = page.replace(body, body + banner, 1)
    response = web.Response(text=page, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = (
        content_security_policy() + "; frame-ancestors 'none'"
    )
    return response


# -- metrics ----------------------------------------------------------------------------------


async def metrics_page(request: web.Request) -> web.Response:
    store, branch = _store(request), _branch(request)
    chosen = request.query.get("name") or None

    def read() -> tuple[list[str], dict[str, Any], list[str]]:
        names = metric_names(store, branch)
        shown = [chosen] if chosen else [n for n in FEATURED if n in names]
        return names, metric_series(store, shown, branch), branches(store)

    names, series, known = await in_thread(read)
    if chosen and chosen not in names:
        raise web.HTTPNotFound(
            text=f"no stored run has the metric {chosen!r}; pick one from the list"
        )
    charts = [
        {
            "name": name,
            "rate": is_rate(name),
            "svg": metric_chart(f"chart-{i}", name, points),
            "points": list(reversed(points)),  # the table: newest first
        }
        for i, (name, points) in enumerate(series.items())
        if points
    ]
    return render(
        "metrics.html.j2",
        page="metrics",
        names=names,
        chosen=chosen,
        charts=charts,
        branches=known,
        branch=branch,
    )


async def metrics_api(request: web.Request) -> web.Response:
    store, branch = _store(request), _branch(request)
    name = request.query.get("name")
    if not name:
        names = await in_thread(metric_names, store, branch)
        return web.json_response({"metrics": names})
    series = await in_thread(metric_series, store, [name], branch)
    return web.json_response({"name": name, "points": [p.to_json() for p in series[name]]})


# -- cases ------------------------------------------------------------------------------------


async def case_page(request: web.Request) -> web.Response:
    case_id = request.match_info["case_id"]
    history = await in_thread(case_history, _store(request), case_id)
    if history is None:
        raise web.HTTPNotFound(text=f"no stored run has the case {case_id!r}")
    return render("case.html.j2", page="case", history=history)


async def case_api(request: web.Request) -> web.Response:
    case_id = request.match_info["case_id"]
    history = await in_thread(case_history, _store(request), case_id)
    if history is None:
        raise web.HTTPNotFound(text=f"no stored run has the case {case_id!r}")
    return web.json_response(history.to_json())


# -- compare ----------------------------------------------------------------------------------


def _compare(store: Store, base: str, head: str) -> Any:
    try:
        from golive.compare import compare_stored
    except ImportError:  # pragma: no cover - the library ships with golive
        raise web.HTTPServiceUnavailable(text="golive.compare is not installed") from None
    return compare_stored(store, base, head)


async def compare_page(request: web.Request) -> web.Response:
    store = _store(request)
    base, head = request.query.get("base"), request.query.get("head")
    if not base or not head:
        runs = await in_thread(list_runs, store, _RUNS_SHOWN)
        return render(
            "compare_pick.html.j2", page="compare", runs=runs, base=base or "", head=head or ""
        )
    comparison = await in_thread(_compare, store, base, head)
    return render(
        "compare.html.j2",
        page="compare",
        c=comparison,
        base=base,
        head=head,
        shown=_COMPARE_CASES_SHOWN,
    )


async def compare_api(request: web.Request) -> web.Response:
    base, head = request.query.get("base"), request.query.get("head")
    if not base or not head:
        raise ConfigError(_COMPARE_HINT)
    paging = _paging(request) or _DEFAULT_PAGING
    if paging["limit"] == PAGE_SIZE and "limit" not in request.query:
        paging = {**paging, "limit": PAGE_MAX}
    comparison = await in_thread(_compare, _store(request), base, head)
    data = comparison.to_json()
    # Every case's change, a page at a time: ``cases`` of a 30,000-case comparison is 10 MB.
    cases, offset, limit = data["cases"], paging["offset"], paging["limit"]
    data["cases"] = cases[offset : offset + limit]
    data["cases_page"] = {
        "offset": offset,
        "limit": limit,
        "max_limit": PAGE_MAX,
        "total": len(cases),
    }
    query = {"base": base, "head": head, "limit": limit}
    data["cases_page"]["next"] = (
        f"/api/compare?{urlencode({**query, 'offset': offset + limit})}"
        if offset + limit < len(cases)
        else None
    )
    return web.json_response(data)
