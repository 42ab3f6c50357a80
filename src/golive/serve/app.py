"""The dashboard's aiohttp application: security headers, error pages, templates, the server.

Every page is rendered by Jinja2 with autoescaping on; the only assets are golive's own CSS
files, served from the package. The Content-Security-Policy allows those and nothing else: no
script at all, no network beyond this server, no framing. A run's report page keeps the
report's own, stricter, hash-based policy. Before any of that, ``golive._http_access`` checks
the ``Host`` header (a DNS-rebinding page gets 403) and, when one is set, the token.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from golive._http_access import access_middleware, check_bind
from golive.errors import ConfigError, GoliveError
from golive.serve._pages import ASSETS, CSP, STORE_KEY, asset, render
from golive.serve.routes import add_routes
from golive.store.engine import Store

__all__ = [
    "CSP",
    "STORE_KEY",
    "Dashboard",
    "create_app",
    "render",
]

_log = logging.getLogger("golive.serve")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
    response = web.Response(body=asset(name), content_type="text/css", charset="utf-8")
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
    access = access_middleware(host, port, token, allow_hosts)
    app = web.Application(middlewares=[access, _guard])
    app[STORE_KEY] = store
    app.router.add_get("/static/{name}", _static)
    add_routes(app)
    return app


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
