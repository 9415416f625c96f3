"""Sweep throughput, runs per minute, of this tree paired with another (the local engine).

Each tree runs the same sweep (``scenarios/baseline.toml``, ``--firms`` agents,
``--steps`` months, ``--runs`` runs) with the local engine and 2 workers in a fresh
process; the rate counts the run phase (the sweep's wall time less its start-up:
worker processes and their trial run). The trees alternate over the repetitions, so
other work on a shared machine hits both alike; medians are reported.

Run:  .venv/bin/python benchmarks/bench_sweep_rate.py --before /tmp/perf-base
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys
from abm.sweep import load_spec, run_sweep
spec = load_spec(json.loads(sys.argv[1]))
report = run_sweep(spec, sys.argv[2], engine="local", workers=int(sys.argv[3]), progress=False)
assert report.counts["ok"] == report.runs_total, report.counts
print(json.dumps({"runs": report.runs_total, "wall_s": report.wall_s, "setup_s": report.setup_s}))
"""


def spec(tree: Path, runs: int, steps: int, firms: int) -> dict:
    return {
        "sweep": {
            "name": "rate",
            "scenario": str(tree / "scenarios" / "baseline.toml"),
            "steps": steps,
            "replications": runs,
            "seed": 2026,
        },
        "parameters": {"population.firms": firms},
        "metrics": {"series": ["hhi"], "region_series": ["firm_share"]},
    }


def child(tree: Path, runs: int, steps: int, firms: int, workers: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                json.dumps(spec(tree, runs, steps, firms)),
                str(Path(tmp) / "sweep"),
                str(workers),
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["per_minute"] = 60 * figures["runs"] / (figures["wall_s"] - figures["setup_s"])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="the checkout to pair with")
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=132)
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.before:
        trees[str(args.before)] = args.before
    rates: dict[str, list[float]] = {k: [] for k in trees}
    for rep in range(args.reps):
        order = list(trees.items()) if rep % 2 == 0 else list(trees.items())[::-1]
        for label, tree in order:
            rates[label].append(
                child(tree, args.runs, args.steps, args.firms, args.workers)["per_minute"]
            )
    load = os.getloadavg()
    print(
        f"sweep of {args.runs} runs, {args.firms:,} firms x {args.steps} months, local engine, "
        f"{args.workers} workers; runs per minute, median [min-max] of {args.reps} "
        f"(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})"
    )
    for label, values in rates.items():
        print(
            f"  {label:<28} {statistics.median(values):7.1f} [{min(values):.1f}-{max(values):.1f}]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
