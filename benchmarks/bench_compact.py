"""Reading a sweep folder of 100,000 runs before and after compaction.

Builds a real sweep folder through the store (toy-model spec, 100,000 runs, 30 metric
columns), flushed into many small parts as restarts and frequent flushes leave it,
then times ``load_results`` on it, ``abm sweep compact``'s merge, and ``load_results``
again. Usage: ``python benchmarks/bench_compact.py [--runs 100000] [--per-part 5]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abm.sweep import load_results, load_spec  # noqa: E402
from abm.sweep.host import Outcome  # noqa: E402
from abm.sweep.plan import Plan  # noqa: E402
from abm.sweep.store import SweepStore, compact_folder  # noqa: E402

SPEC = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
replications = {replications}

[design]
method = "lhs"
samples = 1000

[parameters]
"centers.site" = ["daegu", "gwangju"]
"params.growth" = {{ low = 0.01, high = 0.2 }}
"""
METRICS = [f"m{i}" for i in range(30)]


def build(folder: Path, runs: int, per_part: int) -> Path:
    (folder / "toy.toml").write_text('name = "bench"\nsteps = 2\n')
    spec_path = folder / "spec.toml"
    spec_path.write_text(SPEC.format(replications=max(1, runs // 2000)))
    spec = load_spec(spec_path)
    plan = Plan(spec)
    out = folder / "out"
    store = SweepStore.open(out, spec, plan, resume=False)
    store.set_columns(METRICS, [])
    for run_id in range(plan.n_runs):
        finals = {m: float(run_id % 97) / (i + 1) for i, m in enumerate(METRICS)}
        store.add(Outcome(run_id, "ok", 0.1, finals))
        if len(store._rows) >= per_part:
            store.flush()
    store.flush()
    store._lock_file.close()  # leave it as an interrupted sweep: parts not merged
    store._lock_file = None
    return out


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - began)
    return best, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--per-part", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        out = build(Path(tmp), args.runs, args.per_part)
        parts = len(list((out / "runs").iterdir()))
        print(f"built {parts:,} parts in {time.perf_counter() - began:.0f} s")
        before, frame = timed(lambda: load_results(out), repeat=1)
        began = time.perf_counter()
        merged, total = compact_folder(out)
        compact_s = time.perf_counter() - began
        after, frame2 = timed(lambda: load_results(out))
        assert frame.equals(frame2) and total == len(frame)
        print(f"runs: {total:,}; load_results over {parts:,} parts: {before:.2f} s")
        print(f"compaction of {merged:,} parts: {compact_s:.2f} s")
        print(f"load_results after compaction (1 part): {after:.3f} s (best of 3)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
