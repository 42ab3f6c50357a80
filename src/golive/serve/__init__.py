"""``golive serve``: a local web dashboard over the results store (runs, metrics over time,
a run's report, a case's history, two runs compared). Binds 127.0.0.1 by default and serves
every page and asset itself: no CDN, no script, a strict Content-Security-Policy."""

from golive.serve.app import CSP, Dashboard, create_app

__all__ = ["CSP", "Dashboard", "create_app"]
