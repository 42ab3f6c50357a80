"""Turn golive's frozen events into plain row dicts for the store's tables."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
from datetime import datetime
from importlib import metadata
from typing import Any

from golive.events import CaseFinished, ObservationRecorded, RunStarted
from golive.schemas import Case, RunResult
from golive.store._sanitize import clean_json, clean_text, drop_secrets
from golive.store.codec import SCORED, findings_json, scores_json

__all__ = [
    "case_json",
    "case_result_row",
    "finished_values",
    "git_info",
    "observation_row",
    "run_row",
]


def run_row(event: RunStarted, now: datetime, *, git: bool = True) -> dict[str, Any]:
    config = drop_secrets(event.config)
    commit, branch = git_info() if git else (None, None)
    cases = [c.model_dump(mode="json") for c in event.cases]
    return {
        "id": event.run_id,
        "kind": "eval",
        "status": "running",
        "started_at": now,
        "heartbeat_at": now,
        "config_json": config,
        "target_json": drop_secrets(event.target),
        "git_commit": commit,
        "git_branch": branch,
        "config_hash": _hash(config),
        "suite_hash": _hash(cases),
        "total_requests": event.total_requests,
        "pid": os.getpid(),
        "hostname": socket.gethostname()[:255],
        "golive_version": _version(),
    }


def observation_row(event: ObservationRecorded, now: datetime) -> dict[str, Any]:
    """The observation's row: its scored observation through ``codec.SCORED``, plus the run,
    the case's capability and when it was stored."""
    return {
        "run_id": event.run_id,
        "capability": clean_text(event.case.capability),
        **SCORED.values(event.scored),
        "created_at": now,
    }


def case_result_row(event: CaseFinished, now: datetime) -> dict[str, Any]:
    result = event.result
    return {
        "run_id": event.run_id,
        "case_id": clean_text(result.case.id),
        "capability": clean_text(result.case.capability),
        "samples": len(result.samples),
        "passed": result.passed,
        "case_scores_json": scores_json(result.case_scores),
        "case_findings_json": findings_json(result.case_findings),
        "case_json": case_json(result.case),
        "created_at": now,
    }


def case_json(case: Case) -> dict[str, Any]:
    """The case as run, for ``rebuild``: input, reference, assertions, tags, capability and
    metadata (a variant's lineage: mutator, params, seed, parent id, expectation; a canary).

    The texts are test content, stored as the observations store their messages; the free-form
    parts (assertions, metadata) lose secret-named keys and credential-shaped values.
    """
    data = case.model_dump(mode="json")
    return {
        **clean_json({k: data[k] for k in ("id", "input", "reference", "tags", "capability")}),
        "assertions": drop_secrets(data["assertions"]),
        "metadata": drop_secrets(data["metadata"]),
    }


def finished_values(result: RunResult) -> dict[str, Any]:
    """The columns RunFinished updates; ``summary_json`` is a fallback the caller's full
    summary (``StoreRecorder.set_summary``) replaces."""
    return {
        "status": result.status,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "heartbeat_at": result.finished_at,
        "verdict": result.verdict.label,
        "fallback_summary": clean_json(
            {
                "run_id": result.run_id,
                "status": result.status,
                "verdict": result.verdict.label,
                "gates": [
                    {
                        "name": g.name,
                        "metric": g.metric,
                        "op": g.op,
                        "threshold": g.threshold,
                        "value": g.value,
                        "ci": list(g.ci) if g.ci else None,
                        "passed": g.passed,
                        "status": g.status,
                        "inconclusive": g.inconclusive,
                        "samples_needed": g.samples_needed,
                        "reason": g.reason,
                    }
                    for g in result.verdict.gates
                ],
                "metrics": {
                    name: {"value": m.value, "ci": list(m.ci) if m.ci else None, "n": m.n}
                    for name, m in result.metrics.items()
                },
            }
        ),
    }


def git_info() -> tuple[str | None, str | None]:
    """The commit and branch of the working directory, if it is a git checkout.

    CI checkouts are often a detached HEAD: the branch then comes from the CI's variables.
    """
    commit = _git("rev-parse", "HEAD")
    branch = _git("rev-parse", "--abbrev-ref", "HEAD")
    if branch in (None, "HEAD"):
        branch = next(
            (
                os.environ[v]
                for v in ("GITHUB_HEAD_REF", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME")
                if os.environ.get(v)
            ),
            None,
        )
    return commit, branch[:255] if branch else None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def _hash(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _version() -> str | None:
    try:
        return metadata.version("golive")
    except metadata.PackageNotFoundError:
        return None
