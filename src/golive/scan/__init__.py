"""``golive scan``: attack probes (adversarial mutators, planted PII, other customers' data,
system-prompt extraction) run through the ordinary pipeline and reported as attack success
rates per category.

An evaluation rather than a guard: it measures a target's defences (golive.guard is what
a user deploys), so it lives beside golive.diversity, not inside golive.guard.
"""

from golive.scan.spec import CATEGORIES, MUTATOR_CATEGORIES, PROBE_CATEGORIES, ScanSpec

__all__ = ["CATEGORIES", "MUTATOR_CATEGORIES", "PROBE_CATEGORIES", "ScanSpec"]
