"""The dashboard's aiohttp application: security headers, error pages, templates, the server.

Every page is rendered by Jinja2 with autoescaping on; the only assets are golive's own CSS
files, served from the package. The Content-Security-Policy allows those and nothing else: no
script at all, no network beyond this server, no framing. A run's report page keeps the
report's own, stricter, hash-based policy. Before any of that, ``golive._http_access`` checks
the ``Host`` header (a DNS-rebinding page gets 403) and, when one is set, the token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from importlib import resources
from types import TracebackType
from typing import Any
from urllib.parse import quote

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.exc import SQLAlchemyError

from golive._http_access import access_middleware, check_bind
from golive.errors import ConfigError, GoliveError
from golive.reports._format import fmt_ci, fmt_ci_ms, fmt_num, fmt_pct, fmt_pctl_ms, fmt_unit
from golive.store.engine import Store

__all__ = [
    "CSP",
    "STORE_KEY",
    "Dashboard",
    "create_app",
    "render",
]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
STORE_KEY: web.AppKey[Store] = web.AppKey("store", Store)
ASSETS = ("report.css", "dashboard.css")  # report.css: the report's own look, shared
_log = logging.getLogger("golive.serve")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
def _asset(name: str) -> bytes:
    if name == "report.css":
        folder = resources.files("golive.reports").joinpath("templates")
    else:
        folder = resources.files("golive.serve").joinpath("templates")
    return folder.joinpath(name).read_bytes()


def render(template: str, *, status: int = 200, **context: Any) -> web.Response:
    """A page from ``templates/``, with the dashboard's CSP."""
    html = _environment().get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into a page or a JSON error (no traceback); set security headers."""
    try:
        response = await handler(request)
    except ConfigError as exc:  # a ref that names no run, an ambiguous prefix
        response = _error(request, 404, "Not found", str(exc), "Pick a run from the list.")
    except web.HTTPNotFound as exc:
        message = exc.text if exc.text and exc.text != "404: Not Found" else request.path
        response = _error(request, 404, "Not found", message, "Start from the list of runs.")
    except web.HTTPException as exc:
        response = _error(request, exc.status, exc.reason, exc.text or exc.reason)
    except GoliveError as exc:  # the store is unwell: say so, keep serving
        response = _error(request, 503, "Store unavailable", str(exc))
    except SQLAlchemyError as exc:
        _log.warning("store error on %s: %s", request.path, exc)
        url = request.app[STORE_KEY].url
        message = f"the store {url} did not answer; check that the database is up."
        response = _error(request, 503, "Store unavailable", message)
    except Exception:
        _log.exception("dashboard error on %s", request.path)
        message = "golive could not render this page; the server's log says why."
        response = _error(request, 500, "Internal error", message)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error(
    request: web.Request, status: int, title: str, message: str, hint: str = ""
) -> web.Response:
    if request.path.startswith("/api/"):
        return web.json_response({"error": message}, status=status)
    return render("error.html.j2", status=status, title=title, message=message, hint=hint)


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    response = web.Response(body=_asset(name), content_type="text/css", charset="utf-8")
    response.headers["Cache-Control"] = "max-age=300"
    return response


def create_app(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    allow_hosts: Sequence[str] = (),
) -> web.Application:
    """The dashboard over ``store`` (left open: the caller owns it).

    ``host``/``port``: where it is bound (port 0: whichever port each connection arrived
    on), for the ``Host`` check; ``token``: required of every request when set;
    ``allow_hosts``: more names it may be addressed by. See ``golive._http_access``.
    """
    from golive.serve.routes import add_routes

    access = access_middleware(host, port, token, allow_hosts)
    app = web.Application(middlewares=[access, _guard])
    app[STORE_KEY] = store
    app.router.add_get("/static/{name}", _static)
    add_routes(app)
    return app


async def in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking store query off the event loop."""
    return await asyncio.to_thread(func, *args)


class Dashboard:
    """The dashboard as a server: ``async with Dashboard(store, port=0) as d: d.url``."""

    def __init__(
        self,
        store: Store,
        *,
        host: str = "127.0.0.1",
        port: int = 8765,
        token: str | None = None,
        allow_hosts: Sequence[str] = (),
        insecure: bool = False,
    ) -> None:
        """Raises ``ConfigError`` for a non-loopback ``host`` without a ``token`` (unless
        ``insecure``: then ``warning`` says so, for the caller to print loudly)."""
        self.store = store
        self.host = host
        self.port = port
        self.warning = check_bind(
            host, token, insecure=insecure, token_hint="--token or GOLIVE_SERVE_TOKEN"
        )
        self._app = create_app(store, host=host, port=port, token=token, allow_hosts=allow_hosts)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> str:
        runner = web.AppRunner(self._app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                "choose another --port or stop what uses it",
                field="--port",
            ) from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Dashboard:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
