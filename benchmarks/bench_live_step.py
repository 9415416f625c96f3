"""The app's step at 10,000 firms, server side: ``viz.live.LiveRun.step()``, paired with a tree.

One click of Step in the app runs ``LiveRun.step()``: the model's month plus the frame
the views are drawn from (records, network summary, histograms). This times it in a
fresh process per tree, the trees alternating, without the browser (the browser
benchmark, ``bench_app.py``, adds rendering and needs Chromium); CPU (``process_time``)
and wall time per step, median over the steps of a run and over repetitions.

Run:  .venv/bin/python benchmarks/bench_live_step.py --before /tmp/perf-base [--firms 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, statistics, sys, time
from abm.scenario import load_scenario
from viz.live import LiveRun
firms, steps = int(sys.argv[1]), int(sys.argv[2])
scenario = load_scenario("scenarios/baseline.toml", {"population.firms": firms})
run = LiveRun(scenario, scenario.seed)
cpu, wall = [], []
for _ in range(steps):
    c, w = time.process_time(), time.perf_counter()
    run.step()
    cpu.append(time.process_time() - c)
    wall.append(time.perf_counter() - w)
print(json.dumps({"cpu_ms": 1000 * statistics.median(cpu),
                  "wall_ms": 1000 * statistics.median(wall)}))
"""


def child(tree: Path, firms: int, steps: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(firms), str(steps)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="the checkout to pair with")
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=24, help="Step clicks per run")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.before:
        trees[str(args.before)] = args.before
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    for rep in range(args.reps):
        order = list(trees.items()) if rep % 2 == 0 else list(trees.items())[::-1]
        for label, tree in order:
            runs[label].append(child(tree, args.firms, args.steps))
    load = os.getloadavg()
    print(
        f"LiveRun.step() at {args.firms:,} firms, median of {args.steps} steps x {args.reps} "
        f"runs (load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})"
    )
    for label, values in runs.items():
        cpu = statistics.median(r["cpu_ms"] for r in values)
        wall = statistics.median(r["wall_ms"] for r in values)
        print(f"  {label:<28} CPU {cpu:7.1f} ms   wall {wall:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
