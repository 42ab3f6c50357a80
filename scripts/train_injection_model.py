"""Train the injection guard's learned layer and write the model golive ships.

    PYTHONPATH=src .venv/bin/python scripts/train_injection_model.py DATA_DIR \
        [--out src/golive/guard/data/injection_model.npz]

DATA_DIR holds the public sources of benchmarks/injection_sources.py (its docstring says how
to fetch each at the commit used). The model is trained on all of them and on golive's own
written examples (benchmarks/injection_training.py says which); it is never trained on
benchmarks/data/injection_holdout*.jsonl. Measure what it does on data it did not see with
benchmarks/guard_injection_public.py before shipping it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from injection_training import ROOT, project_examples, public_examples, train


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "src/golive/guard/data/injection_model.npz")
    args = ap.parse_args()
    t = time.perf_counter()
    public, pairs = public_examples(args.data_dir)
    own = project_examples()
    model = train(public + own, pairs)
    raw = model.to_bytes()
    args.out.write_bytes(raw)
    print(
        f"trained on {len(public)} public rows, {len(pairs)} document pairs, {len(own)} golive "
        f"rows in {time.perf_counter() - t:.0f} s; wrote {args.out} ({len(raw) / 1024:.0f} KiB, "
        f"sha256 {hashlib.sha256(raw).hexdigest()[:16]})"
    )


if __name__ == "__main__":
    main()
