"""Executors: how requests are scheduled (the local asyncio pool) and observed."""

from golive.execution.local import fetch_then_process
from golive.execution.observe import observe

__all__ = ["fetch_then_process", "observe"]
