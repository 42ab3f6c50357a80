"""Executors: how requests are scheduled (the local asyncio pool) and observed."""

from golive.execution.local import run_pipeline
from golive.execution.observe import observe

__all__ = ["observe", "run_pipeline"]
