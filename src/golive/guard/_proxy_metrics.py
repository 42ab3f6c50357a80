"""The proxy's Prometheus metrics, in the text exposition format written by hand (no dependency)."""

from __future__ import annotations

import bisect
import contextlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["GUARD_BUCKETS", "UPSTREAM_BUCKETS", "MetricsShare", "ProxyMetrics"]

# Guards take microseconds to milliseconds; the upstream takes milliseconds to minutes.
GUARD_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)
UPSTREAM_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    # Label values are partly user-controlled (guard names): escape as the format requires.
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: tuple[str, str] | None = None) -> str:
    items = [*labels, extra] if extra else list(labels)
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in items) + "}"


class _Histogram:
    __slots__ = ("buckets", "count", "counts", "total")

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, seconds)] += 1
        self.total += seconds
        self.count += 1


class ProxyMetrics:
    """Counters and histograms, updated on the event loop only (so no lock is needed)."""

    def __init__(self) -> None:
        self.requests: dict[Labels, int] = defaultdict(int)
        self.blocks: dict[Labels, int] = defaultdict(int)
        self.guard_seconds: dict[Labels, _Histogram] = {}
        self.upstream_seconds: dict[Labels, _Histogram] = {}

    def request(self, outcome: str) -> None:
        self.requests[(("outcome", outcome),)] += 1

    def block(self, guard: str, stage: str) -> None:
        self.blocks[(("guard", guard), ("stage", stage))] += 1

    def guard_latency(self, guard: str, stage: str, seconds: float) -> None:
        key = (("guard", guard), ("stage", stage))
        hist = self.guard_seconds.get(key)
        if hist is None:
            hist = self.guard_seconds[key] = _Histogram(GUARD_BUCKETS)
        hist.observe(seconds)

    def upstream_latency(self, status: str, seconds: float) -> None:
        key = (("status", status),)
        hist = self.upstream_seconds.get(key)
        if hist is None:
            hist = self.upstream_seconds[key] = _Histogram(UPSTREAM_BUCKETS)
        hist.observe(seconds)

    def snapshot(self) -> dict[str, Any]:
        """Every counter and histogram as JSON data (what a worker shares with the others)."""
        return {
            "requests": [[list(map(list, k)), v] for k, v in self.requests.items()],
            "blocks": [[list(map(list, k)), v] for k, v in self.blocks.items()],
            "guard_seconds": _hist_data(self.guard_seconds),
            "upstream_seconds": _hist_data(self.upstream_seconds),
        }

    def combined(self, snapshots: Iterable[dict[str, Any]]) -> ProxyMetrics:
        """A new set holding these metrics plus the ``snapshot()``s of other workers."""
        out = ProxyMetrics()
        for data in (self.snapshot(), *snapshots):
            for name in ("requests", "blocks"):
                target: dict[Labels, int] = getattr(out, name)
                for labels, value in data.get(name, []):
                    target[_key(labels)] += int(value)
            for name, buckets in (
                ("guard_seconds", GUARD_BUCKETS),
                ("upstream_seconds", UPSTREAM_BUCKETS),
            ):
                hists: dict[Labels, _Histogram] = getattr(out, name)
                for labels, counts, total, count in data.get(name, []):
                    hist = hists.setdefault(_key(labels), _Histogram(buckets))
                    if len(counts) == len(hist.counts):
                        hist.counts = [a + int(b) for a, b in zip(hist.counts, counts, strict=True)]
                        hist.total += float(total)
                        hist.count += int(count)
        return out

    def render(self) -> str:
        """The exposition text (``text/plain; version=0.0.4``)."""
        out: list[str] = []
        self._counter(out, "golive_proxy_requests_total", "Requests by outcome.", self.requests)
        self._counter(out, "golive_proxy_blocks_total", "Blocks by guard.", self.blocks)
        self._histograms(
            out, "golive_proxy_guard_seconds", "Time per guard check.", self.guard_seconds
        )
        self._histograms(
            out,
            "golive_proxy_upstream_seconds",
            "Upstream time to response headers.",
            self.upstream_seconds,
        )
        return "\n".join(out) + "\n"

    @staticmethod
    def _counter(out: list[str], name: str, help_: str, values: dict[Labels, int]) -> None:
        out += [f"# HELP {name} {help_}", f"# TYPE {name} counter"]
        out += [f"{name}{_labels(k)} {v}" for k, v in sorted(values.items())]

    @staticmethod
    def _histograms(
        out: list[str], name: str, help_: str, values: dict[Labels, _Histogram]
    ) -> None:
        out += [f"# HELP {name} {help_}", f"# TYPE {name} histogram"]
        for key, hist in sorted(values.items()):
            running = 0
            for bound, n in zip(hist.buckets, hist.counts, strict=False):
                running += n
                out.append(f"{name}_bucket{_labels(key, ('le', repr(bound)))} {running}")
            out.append(f"{name}_bucket{_labels(key, ('le', '+Inf'))} {hist.count}")
            out.append(f"{name}_sum{_labels(key)} {hist.total!r}")
            out.append(f"{name}_count{_labels(key)} {hist.count}")


def _key(labels: Iterable[Iterable[str]]) -> Labels:
    return tuple((str(k), str(v)) for k, v in labels)


def _hist_data(hists: dict[Labels, _Histogram]) -> list[list[Any]]:
    return [[list(map(list, k)), h.counts, h.total, h.count] for k, h in hists.items()]


class MetricsShare:
    """The directory where each worker publishes its metrics for the others to read."""

    def __init__(self, directory: Path, worker: int) -> None:
        self.directory = directory
        self.worker = worker

    def publish(self, metrics: ProxyMetrics) -> None:
        """Write this worker's snapshot (replace atomically: a reader never sees half)."""
        path = self.directory / f"worker-{self.worker}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(metrics.snapshot()), encoding="utf-8")
        os.replace(tmp, path)

    def others(self) -> list[dict[str, Any]]:
        """The other workers' latest snapshots (unreadable ones are skipped)."""
        found = []
        for path in self.directory.glob("worker-*.json"):
            if path.name == f"worker-{self.worker}.json":
                continue
            with contextlib.suppress(OSError, ValueError):
                found.append(json.loads(path.read_text(encoding="utf-8")))
        return found
