"""The `load:` section and the `golive load` flags: SLO strings, lists, and errors that name
the field (ConfigError: exit 4)."""

from __future__ import annotations

import os

import pytest

from golive.config import plan_from_dict
from golive.errors import ConfigError
from golive.load.spec import LoadSpec, parse_number_list, parse_slo, slo_key


def test_slo_strings_map_short_names_and_units() -> None:
    slo = parse_slo("ttft_p95=500ms, e2e_p99=3s,ttft_send_p50=120,itl_p99=0.5s")
    assert slo == {
        "ttft_from_schedule_ms.p95": 500.0,  # queue-inclusive: what gates use
        "e2e_from_schedule_ms.p99": 3000.0,
        "ttft_ms.p50": 120.0,
        "itl_ms.p99": 500.0,
    }


def test_slo_mapping_accepts_metric_names_and_short_names() -> None:
    assert parse_slo({"ttft_ms.p95": 400, "tpot_p50": "40ms"}) == {
        "ttft_ms.p95": 400.0,
        "tpot_ms.p50": 40.0,
    }
    assert slo_key("e2e_send_p99_ms") == "e2e_ms.p99"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("ttft_p95", "NAME=VALUE"),
        ("ttft_p95=fast", "cannot read the duration"),
        ("latency_p95=500ms", "unknown SLO"),
        ("ttft_p97=500ms", "unknown SLO"),
        ("ttft_p95=0ms", "above 0"),
    ],
)
def test_bad_slo_strings_name_the_flag(raw: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_slo(raw, field="--slo")
    assert info.value.exit_code == 4
    assert info.value.field is not None and info.value.field.startswith("--slo")
    assert fragment in str(info.value)


def test_number_lists() -> None:
    assert parse_number_list("1, 8,32", field="--concurrency", integer=True) == [1, 8, 32]
    assert parse_number_list("2.5,10", field="--rate", integer=False) == [2.5, 10.0]
    for bad in ("1,x", "0", "1.5", ""):
        with pytest.raises(ConfigError, match="--concurrency"):
            parse_number_list(bad, field="--concurrency", integer=True)


def test_shortcuts_build_profiles() -> None:
    closed = LoadSpec.model_validate({"concurrency": [1, 8], "duration": 2})
    assert closed.profile == {"kind": "closed", "concurrency": [1, 8]}
    open_loop = LoadSpec.model_validate({"rate": [5], "slo": "ttft_p95=500ms"})
    assert open_loop.profile["kind"] == "poisson"
    assert open_loop.slo == {"ttft_from_schedule_ms.p95": 500.0}
    sweep = LoadSpec.model_validate({"sweep": {"max": 64}})
    assert sweep.is_sweep and sweep.profile["max"] == 64


def test_processes_are_bounded_by_the_cores() -> None:
    assert LoadSpec.model_validate({"concurrency": [1], "processes": 2}).processes == 2
    most = (os.cpu_count() or 1) * 4
    with pytest.raises(ConfigError, match=r"load\.processes"):
        LoadSpec.model_validate({"concurrency": [1], "processes": most + 1})


def test_warmup_must_be_shorter_than_duration() -> None:
    with pytest.raises(ConfigError, match=r"load\.warmup"):
        LoadSpec.model_validate({"concurrency": [1], "duration": 2, "warmup": 2})


def test_plan_load_section_errors_name_the_field() -> None:
    base = {"target": {"kind": "demo"}}
    plan = plan_from_dict({**base, "load": {"concurrency": [1, 4], "slo": {"ttft_p95": "1s"}}})
    assert plan.load is not None and plan.load.slo == {"ttft_from_schedule_ms.p95": 1000.0}
    assert plan_from_dict(base).load is None
    with pytest.raises(ConfigError, match=r"load\.profile"):
        plan_from_dict({**base, "load": {"profile": {"kind": "closed", "concurrency": [0]}}})
    with pytest.raises(ConfigError, match=r"load\.slo"):
        plan_from_dict({**base, "load": {"concurrency": [1], "slo": {"speed_p95": 1}}})
    with pytest.raises(ConfigError, match="duration"):
        plan_from_dict({**base, "load": {"concurrency": [1], "duration": -1}})


def test_client_health_limits_default_and_name_their_field() -> None:
    base = {"target": {"kind": "demo"}}
    plan = plan_from_dict({**base, "load": {"concurrency": [1]}})
    assert plan.load is not None
    assert (plan.load.client.max_lag_ms, plan.load.client.max_cpu_pct) == (5.0, 90.0)
    load = {"concurrency": [1], "client": {"max_lag_ms": 50, "max_cpu_pct": 150}}
    plan = plan_from_dict({**base, "load": load})
    assert plan.load is not None and plan.load.client.max_lag_ms == 50.0
    with pytest.raises(ConfigError, match=r"load\.client\.max_lag_ms"):
        plan_from_dict({**base, "load": {"concurrency": [1], "client": {"max_lag_ms": 0}}})
    with pytest.raises(ConfigError, match=r"load\.client\.max_lag"):
        plan_from_dict({**base, "load": {"concurrency": [1], "client": {"max_lag": 5}}})
