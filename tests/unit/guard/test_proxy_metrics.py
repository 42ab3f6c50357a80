"""The proxy's metrics: exposition text, and the sum over --workers processes."""

from __future__ import annotations

import json
from pathlib import Path

from golive.guard._proxy_metrics import MetricsShare, ProxyMetrics


def _worker(requests: int, guard_seconds: float) -> ProxyMetrics:
    metrics = ProxyMetrics()
    for _ in range(requests):
        metrics.request("allowed")
        metrics.guard_latency("pii", "input", guard_seconds)
    metrics.block('inj"ection', "input")  # a label that needs escaping
    return metrics


def test_workers_metrics_sum_through_their_shared_snapshots(tmp_path: Path) -> None:
    first, second = _worker(3, 0.0002), _worker(5, 0.02)
    MetricsShare(tmp_path, 1).publish(second)
    (tmp_path / "worker-2.json").write_text("{half a write")  # unreadable: skipped
    seen_by_first = MetricsShare(tmp_path, 0).others()
    assert len(seen_by_first) == 1
    text = first.combined(seen_by_first).render()
    assert 'golive_proxy_requests_total{outcome="allowed"} 8' in text
    assert 'golive_proxy_blocks_total{guard="inj\\"ection",stage="input"} 2' in text
    assert 'golive_proxy_guard_seconds_count{guard="pii",stage="input"} 8' in text
    # 3 fast checks land in the 0.00025 bucket, 5 slow ones only from 0.025 on.
    assert 'golive_proxy_guard_seconds_bucket{guard="pii",stage="input",le="0.00025"} 3' in text
    assert 'golive_proxy_guard_seconds_bucket{guard="pii",stage="input",le="0.025"} 8' in text


def test_a_snapshot_is_plain_json_and_combining_leaves_the_worker_untouched() -> None:
    metrics = _worker(2, 0.001)
    data = json.loads(json.dumps(metrics.snapshot()))
    combined = metrics.combined([data, data])
    assert sum(combined.requests.values()) == 6
    assert sum(metrics.requests.values()) == 2
