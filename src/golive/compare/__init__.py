"""Compare two runs and decide whether HEAD regressed against BASE (``golive compare``,
``golive run --baseline``), with statistics that do not cry wolf.

How a change is judged:

- **Cases are matched by id** (variants too: each keeps its own id). Each case contributes
  its pass share over its samples (k of n) in each run.
- **Pass rate** (``quality.pass_rate``, gating): the mean over matched cases of the per-case
  difference in pass share, tested with a *paired sign-flip randomization test* (one-sided
  for a drop). When nothing changed, a case's base and head samples are exchangeable, so each
  difference is as likely positive as negative; enumerating the sign flips exactly gives a
  test whose false-alarm rate never exceeds its level, with no large-sample approximation
  (a bootstrap p-value is anti-conservative with the few discordant cases typical here).
  The interval shown is a paired bootstrap over cases.
- **Per case** (gating): Fisher's exact test on the samples of the two runs, two-sided, with
  Benjamini–Hochberg across cases. With 3 samples a single case can never be significant on
  its own (the smallest possible p is 0.1): it takes more samples to blame one case.
- **Gate budget**: the gate spends ``alpha`` in two parts, ``PASS_RATE_ALPHA_SHARE`` (80%) on
  the pass-rate test and ``CASE_ALPHA_SHARE`` (20%) on the per-case tests (under no change
  BH controls the chance of any false case at its level). By the union bound two runs of an
  unchanged system fail the gate with probability at most ``alpha``; the A/A simulation in
  the tests measures it on the demo's real outcome distribution.
- **Latency** (TTFT and E2E p50/p95): a bootstrap interval of the difference in the quantile,
  over the population of each run's own ``latency.*`` metrics (the suite's cases, successful
  replies, no cached sample); the figures shown are the stored ones the run's report shows.
  Latency also moves with the machine (another CI runner, a noisy neighbour), which no
  interval over requests captures, so a latency change counts only when its interval
  excludes 0 *and* it is at least ``LATENCY_MIN_ABS_MS`` and ``LATENCY_MIN_REL`` of the base
  value; it fails the gate only when asked (``gate_latency=True``, ``--gate-latency``), and
  then outside the alpha guarantee. Use ``golive load`` and its SLO gates for latency.
- **Flaky**: a case whose outcome flips across its samples within a run, or that changed
  across runs without a significant change.
- **Minimum detectable effect**: the pass-rate drop the gate's test finds with 80% power for
  this suite's size and the sample noise observed (``stats.minimum_detectable_drop``).
"""

from golive.compare._compute import (
    CASE_ALPHA_SHARE,
    LATENCY_MIN_ABS_MS,
    LATENCY_MIN_REL,
    PASS_RATE_ALPHA_SHARE,
    compare_runs,
    compare_stored,
    resolve_run,
)
from golive.compare._model import CaseChange, Comparison, DetectableEffect, MetricChange
from golive.compare._render import render_comparison

__all__ = [
    "CASE_ALPHA_SHARE",
    "LATENCY_MIN_ABS_MS",
    "LATENCY_MIN_REL",
    "PASS_RATE_ALPHA_SHARE",
    "CaseChange",
    "Comparison",
    "DetectableEffect",
    "MetricChange",
    "compare_runs",
    "compare_stored",
    "render_comparison",
    "resolve_run",
]
