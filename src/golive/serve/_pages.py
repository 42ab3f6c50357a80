"""What every dashboard page shares: the Jinja2 environment (autoescaping on), the
Content-Security-Policy, the CSS assets and the store's key on the application. A module of its
own so that the routes and the application that mounts them do not import each other."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined

from golive.reports._format import fmt_ci, fmt_ci_ms, fmt_num, fmt_pct, fmt_pctl_ms, fmt_unit
from golive.store.engine import Store

__all__ = ["ASSETS", "CSP", "STORE_KEY", "asset", "in_thread", "render"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
STORE_KEY: web.AppKey[Store] = web.AppKey("store", Store)
ASSETS = ("report.css", "dashboard.css")  # report.css: the report's own look, shared


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("golive.serve", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=StrictUndefined,
    )
    env.filters.update(
        pct=fmt_pct,
        num=fmt_num,
        ci=lambda ci, percent=False: fmt_ci(ci, percent=percent),
        # A latency percentile whose interval has an unbounded side: '≥ 812', '[812, ∞)'.
        pctl=fmt_pctl_ms,
        ci_open=fmt_ci_ms,
        unit=lambda value, unit, signed=False: fmt_unit(value, unit, signed=signed),
        q=lambda value: quote(str(value), safe=""),
        when=lambda moment: moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "—",
        short=lambda commit: (commit or "")[:8],
    )
    return env


@lru_cache(maxsize=len(ASSETS))
def asset(name: str) -> bytes:
    if name == "report.css":
        folder = resources.files("golive.reports").joinpath("templates")
    else:
        folder = resources.files("golive.serve").joinpath("templates")
    return folder.joinpath(name).read_bytes()


def render(template: str, *, status: int = 200, **context: Any) -> web.Response:
    """A page from ``templates/``, with the dashboard's CSP."""
    html = _environment().get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


async def in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking store query off the event loop."""
    return await asyncio.to_thread(func, *args)
