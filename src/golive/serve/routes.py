"""The dashboard's pages and their JSON twins: runs, metrics over time, a run's report, a
case's history, and two runs compared (by ``golive.compare``, never by statistics here)."""

from __future__ import annotations

import html
import itertools
from typing import Any

from aiohttp import web

from golive.errors import ConfigError
from golive.serve.app import STORE_KEY, in_thread, render
from golive.serve.charts import is_rate, metric_chart
from golive.serve.views import (
    FEATURED,
    branches,
    case_history,
    metric_names,
    metric_series,
)
from golive.store.engine import Store
from golive.store.queries import RunRow, get_run, list_runs

__all__ = ["add_routes"]

_RUNS_SHOWN = 100
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


async def run_page(request: web.Request) -> web.Response:
    """The run's HTML report, rebuilt from the store (same renderer as ``index.html``)."""
    from golive.reports.html import content_security_policy, render_html
    from golive.store.rebuild import MISSING, rebuild_run

    store, ref = _store(request), request.match_info["run_id"]

    def build() -> tuple[str, int]:
        rebuilt = rebuild_run(store, ref)
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
    return render("compare.html.j2", page="compare", c=comparison, base=base, head=head)


async def compare_api(request: web.Request) -> web.Response:
    base, head = request.query.get("base"), request.query.get("head")
    if not base or not head:
        raise ConfigError(_COMPARE_HINT)
    comparison = await in_thread(_compare, _store(request), base, head)
    return web.json_response(comparison.to_json())
