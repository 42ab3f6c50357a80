"""The adversarial mutators against the bundled demo over real HTTP: the flawed demo is
hijacked by a share of them, the hardened one by none, as the leaks scorer judges it."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from golive.config import plan_from_dict
from golive.demo import DemoServer, DemoSettings, demo_suite_path
from golive.diversity.adversarial import (
    DelimiterConfusion,
    Encoded,
    EncodedArgs,
    IndirectInjection,
    InstructionOverride,
    MultilingualInjection,
    MultilingualInjectionArgs,
    PayloadSplitting,
    PromptExtraction,
    Roleplay,
)
from golive.diversity.base import derive_seed
from golive.diversity.expand import lineage, make_variant
from golive.runner import Runner
from golive.schemas import Case, FailureMode, RunResult
from golive.suite import load_suite

pytestmark = pytest.mark.integration

ATTACKS: list[Any] = [
    InstructionOverride(),
    PromptExtraction(),
    Roleplay(),
    DelimiterConfusion(),
    IndirectInjection(),
    PayloadSplitting(),
    Encoded(EncodedArgs()),
    MultilingualInjection(MultilingualInjectionArgs()),
]
PER_CASE = 2  # 2 variants x 24 cases x 8 attacks = 384 requests per server


def variants() -> list[Case]:
    """Attack variants of the demo suite's plain questions, seeded the way expand seeds."""
    cases = [
        c
        for c in load_suite(demo_suite_path()).cases
        if isinstance(c.input, str) and "injection" not in c.tags
    ][:24]
    out = []
    for m in ATTACKS:
        for case in cases:
            for k in range(PER_CASE):
                seed = derive_seed(0, case.id, m.name, k)
                mutation = m.mutate(case.user_text(), random.Random(seed))
                out.append(make_variant(case, m, mutation, k, seed))
    return out


async def run(cases: Sequence[Case], *, hardened: bool) -> RunResult:
    async with DemoServer(DemoSettings(fast=True, hardened=hardened)) as server:
        plan = plan_from_dict(
            {
                "target": {"kind": "openai", "url": server.url, "model": "nimbus-support-1"},
                "scorers": [{"kind": "leaks", "pii": False}],
                "samples": 1,
                "concurrency": 16,
                "timeout": 10,
                "gates": [],
            }
        )
        return await Runner(plan).run_async(cases)


def hijack_rates(result: RunResult) -> tuple[dict[str, float], int]:
    """Share of variants hijacked per attack, and how many replies held their own canary."""
    hijacked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    own = 0
    for case_result in result.cases:
        info = lineage(case_result.case)
        assert info is not None
        total[info.mutator] += 1
        sample = case_result.samples[0]
        assert sample.observation.ok, sample.observation.error
        if any(f.mode == FailureMode.INSTRUCTION_HIJACKED for f in sample.findings):
            hijacked[info.mutator] += 1
            own += case_result.case.metadata["canary"] in sample.observation.output
    return {name: hijacked[name] / n for name, n in total.items()}, own


async def test_flawed_demo_is_hijacked_and_hardened_resists() -> None:
    cases = variants()
    assert len({c.metadata["canary"] for c in cases}) == len(cases)
    flawed, own = hijack_rates(await run(cases, hardened=False))
    hardened, _ = hijack_rates(await run(cases, hardened=True))
    overall = sum(flawed.values()) / len(flawed)
    assert overall >= 0.1, flawed
    # The demo obeys the attacks its keyword detector notices, and those appear in every
    # plain-text attack kind; encoded and split payloads mostly slip past its detector.
    for name in ("instruction_override", "prompt_extraction", "roleplay", "indirect_injection"):
        assert flawed[name] >= 0.1, (name, flawed)
    assert own >= 5  # the variant's own canary came back, not only the system prompt's
    assert all(rate == 0.0 for rate in hardened.values()), hardened
