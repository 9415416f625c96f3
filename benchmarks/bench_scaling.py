"""Scaling: whole-process wall time, peak RSS and step-loop CPU from 10,000 to 1,000,000 firms.

Each size runs ``abm run``'s own path (``run_scenario`` then ``write_outputs``) in a
fresh subprocess, so the figures include interpreter start, imports, set-up and
output writing: what a sweep worker or a user at the terminal pays. The peak RSS is
the child's ``ru_maxrss``; the step-loop CPU (``time.process_time`` around the steps)
gives the per firm-step cost whose growth with size is the scaling figure, and its system
time and minor page faults show what the allocator costs (``abm/allocator.py``: at a
million firms they were 12 % of the step's CPU before its trim threshold was raised).

Targets: 1,000,000 firms x 132 steps within 2 GB peak RSS (issues 12 and 25) and 4
minutes (issue 12); per firm-step cost from 100,000 to 1,000,000 firms grows at most
10 % (issue 25: from 10,000 the month's fixed Python cost makes the small run dearer
per firm, which hides growth). The figures are CPU time: on a shared machine the wall
time includes waiting for a core.

Run:  .venv/bin/python benchmarks/bench_scaling.py               (10k, 100k, 300k)
      .venv/bin/python benchmarks/bench_scaling.py --million     (adds 1M, ~2-4 min more)
      .venv/bin/python benchmarks/bench_scaling.py --sizes 100000,1000000   (issue 25's growth)
      .venv/bin/python benchmarks/bench_scaling.py --quick       (CI smoke run)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "nacc_haenam.toml"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from abm.model import RegionalModel
from abm.run import RunResult, summarise, write_outputs
from abm.scenario import load_scenario
firms, steps, path, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
scenario = load_scenario(path, {"population.firms": firms, "scenario.steps": steps})
model = RegionalModel(scenario, rng=1)
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.process_time()
for _ in range(steps):
    model.step()
step_cpu = time.process_time() - start
after = resource.getrusage(resource.RUSAGE_SELF)
model_df, regions_df = model.history()
write_outputs(RunResult(model_df, regions_df, summarise(model, 1)), out)
print(json.dumps({"firms": firms, "steps": steps, "step_cpu_s": step_cpu,
                  "step_sys_s": after.ru_stime - before.ru_stime,
                  "step_faults": after.ru_minflt - before.ru_minflt,
                  "firm_steps": int(model_df["agents"].iloc[1:].sum()),
                  "final_firms": int(model_df["agents"].iloc[-1]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(firms: int, steps: int, tree: Path | None = None) -> dict:
    """One whole run in a fresh process; wall time measured from outside.

    ``tree``: run the model of another checkout (same interpreter and libraries).
    """
    root = tree or ROOT
    env = dict(os.environ, PYTHONPATH=str(root)) if tree else None
    scenario = root / "scenarios" / SCENARIO.name
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(firms), str(steps), str(scenario), out],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
            env=env,
        )
        wall = time.perf_counter() - start
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["wall_s"] = wall
    figures["us_per_firm_step"] = figures["step_cpu_s"] / figures["firm_steps"] * 1e6
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--million", action="store_true", help="add the 1,000,000-firm run")
    parser.add_argument("--steps", type=int, default=132, help="months per run (default 132)")
    parser.add_argument("--tree", type=Path, help="run the model of this checkout instead")
    parser.add_argument("--sizes", help="comma-separated firm counts (replaces the default sizes)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    sizes = [2_000, 20_000] if args.quick else [10_000, 100_000, 300_000]
    if args.million:
        sizes.append(1_000_000)
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    steps = 24 if args.quick else args.steps
    load = os.getloadavg()
    runs = [run(n, steps, args.tree) for n in sizes]
    base = runs[0]["us_per_firm_step"]
    print(f"{args.tree or ROOT}: {SCENARIO.name}, {steps} steps, one fresh process per size")
    print(f"load average at the start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(
        f"{'firms':>10} {'wall s':>8} {'peak RSS MB':>12} {'step CPU s':>11} "
        f"{'us/firm-step':>13} {'vs smallest':>12} {'of it system s':>15} {'faults':>10}"
    )
    for r in runs:
        print(
            f"{r['firms']:>10,} {r['wall_s']:>8.1f} {r['peak_rss_mb']:>12.0f} "
            f"{r['step_cpu_s']:>11.1f} {r['us_per_firm_step']:>13.3f} "
            f"{r['us_per_firm_step'] / base:>11.2f}x "
            f"{r['step_sys_s']:>15.2f} {r['step_faults']:>10,}"
        )
    by_size = {r["firms"]: r["us_per_firm_step"] for r in runs}
    if 100_000 in by_size and 1_000_000 in by_size:
        growth = by_size[1_000_000] / by_size[100_000]
        print(f"per firm-step growth 100,000 -> 1,000,000 firms: {growth:.2f}x (target <= 1.10x)")
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
