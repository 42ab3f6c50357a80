"""Reports: turn a RunResult into the terminal summary, index.html, summary.json and junit.xml.

The reporters register themselves (``terminal``, ``html``, ``json``, ``junit``) when the
registry loads them; import their modules directly only to call their helpers. This package
imports nothing heavy (no Jinja2, no rich rendering) so the CLI starts fast.
"""

from golive.reports.base import ReportContext, Reporter
from golive.reports.json import write_summary
from golive.reports.summary import SCHEMA_VERSION, build_summary, load_schema

__all__ = [
    "SCHEMA_VERSION",
    "ReportContext",
    "Reporter",
    "build_summary",
    "load_schema",
    "write_summary",
]
