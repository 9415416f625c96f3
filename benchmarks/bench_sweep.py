"""Benchmark of the sweep engine against direct model runs, measured in the same benchmark run.

    .venv/bin/python benchmarks/bench_sweep.py            # ~6 minutes on 2 cores (3 rounds)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # ~1.5 minutes, for CI (3 short rounds)

Figures (targets from issue 4):

* per-run overhead of the local engine (1 worker) against the same runs done
  directly with ``run_scenario``, one after another in a fresh process (as
  ``abm run`` does), timed before and after the sweep and averaged (a virtual machine's
  speed drifts by 20-30 % between runs of a few seconds): at most 5 %; also against the
  model time measured inside the workers, which isolates the sweep's own cost from
  process-to-process noise;
* throughput of 2 workers against 1: at least 1.8x on a 2-core machine;
* Dask LocalCluster (2 worker processes) against the local engine (2 workers):
  within 10 %;
* main-process memory for 10x more runs (flat = the same).

Start-up (starting the worker processes, each importing the model and doing a
one-step trial run; starting a Dask cluster) is a fixed cost per sweep, not per
run: it is reported apart, and throughput is measured over the run phase that
follows it. Nothing is asserted, because other work on the machine changes the
figures: run it on a quiet machine (see the load average it prints).
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


def spec_dict(scenario: Path, steps: int, firms: int, replications: int) -> dict:
    return {
        "sweep": {
            "name": "bench",
            "scenario": str(scenario),
            "steps": steps,
            "replications": replications,
            "seed": 2026,
        },
        "parameters": {"population.firms": firms},
        "metrics": {"series": ["hhi", "firms"], "region_series": ["firm_share"]},
    }


DIRECT_CODE = """
import json, sys, time
from abm.run import run_scenario
from abm.sweep import load_spec
from abm.sweep.plan import Plan

spec = load_spec(json.loads(sys.argv[1]))
plan = Plan(spec)
scenario = spec.base.with_overrides({f.key: f.value for f in spec.fixed})
run_scenario(scenario, seed=12345, steps=1)  # warm up, as the sweep's trial run does
start = time.perf_counter()
for run_id in range(plan.n_runs):
    run_scenario(scenario, seed=plan.seed(run_id), steps=spec.steps)
print(time.perf_counter() - start)
"""


def direct_runs(spec_data: dict) -> float:
    """Time the same runs done directly, one after another, in a fresh process (as abm run)."""
    out = subprocess.run(
        [sys.executable, "-c", DIRECT_CODE, json.dumps(spec_data)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def sweep_time(spec_data: dict, out: Path, engine: str, workers: int) -> tuple[float, float, float]:
    """Wall time, start-up time, and the model time measured inside the workers, of one sweep."""
    from abm.sweep import load_results, load_spec, run_sweep

    report = run_sweep(load_spec(spec_data), out, engine=engine, workers=workers, progress=False)
    assert report.counts["ok"] == report.runs_total, report.counts
    return report.wall_s, report.setup_s, float(load_results(out)["elapsed_s"].sum())


MEMORY_CODE = """
import json, resource, sys
from abm.sweep import load_spec, run_sweep
folder, runs = sys.argv[1], int(sys.argv[2])
spec = load_spec(json.loads(sys.argv[3]))
run_sweep(spec, folder, workers=2, progress=False, flush_rows=200)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def memory_mib(tmp: Path, runs: int) -> float:
    """Peak RSS of a fresh process running a toy sweep of ``runs`` runs with series."""
    (tmp / "toy.toml").write_text('name = "toy"\nsteps = 12\n')
    data = {
        "sweep": {
            "scenario": str(tmp / "toy.toml"),
            "model": "abm.sweep.toy",
            "replications": runs // 4,
        },
        "parameters": {"centers.site": ["capital", "daegu", "gwangju", "jeonnam"]},
        "metrics": {"series": ["hhi"], "region_series": ["firm_share"]},
    }
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_CODE, str(tmp / f"mem{runs}"), str(runs), json.dumps(data)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small and fast (CI)")
    parser.add_argument("--runs", type=int, help="runs per sweep (default 24, quick 16)")
    parser.add_argument("--steps", type=int, help="months per run (default 132, quick 36)")
    parser.add_argument("--firms", type=int, help="firm agents (default 1000, quick 300)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask engine")
    parser.add_argument("--repeat", type=int, help="rounds (default 3, quick 3)")
    args = parser.parse_args()
    n = args.runs or (16 if args.quick else 24)
    steps = args.steps or (36 if args.quick else 132)
    firms = args.firms or (300 if args.quick else 1000)
    rounds = args.repeat or 3
    scenario = ROOT / "scenarios" / "baseline.toml"
    spec = spec_dict(scenario, steps, firms, n)
    print(f"scenario {scenario.name}, {firms} firm agents, {steps} steps; {n} runs per sweep")
    print(f"load average before: {os.getloadavg()[0]:.2f} (on {os.cpu_count()} CPUs)")

    configs = [("local", 1), ("local", 2)] + ([] if args.no_dask else [("dask", 2)])
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        # Each round measures every configuration once, and the figures compare
        # configurations within a round, so other work on the machine (which comes and
        # goes) skews one round rather than one configuration; the median round is shown.
        for round_ in range(rounds):
            print(f"round {round_ + 1}:")
            before = direct_runs(spec) / n
            rate, whole, inside = {}, {}, {}
            for key in configs:
                engine, workers = key
                if key == ("local", 2):  # direct runs on both sides of the 1-worker sweep
                    after = direct_runs(spec) / n
                    direct = (before + after) / 2
                    print(
                        f"  direct runs in a fresh process: {direct:.3f} s "
                        f"per run (before / after the 1-worker sweep: {before:.3f} / {after:.3f})"
                    )
                out = Path(tmp) / f"{engine}{workers}-{round_}"
                wall, setup, model_s = sweep_time(spec, out, *key)
                rate[key] = n / (wall - setup)  # runs per second once the workers are up
                whole[key] = n / wall
                inside[key] = model_s / n
                print(
                    f"{engine:>14} x{workers}: {wall:6.1f} s for {n} runs (start-up "
                    f"{setup:.1f} s), {rate[key]:.3f} runs/s after start-up; model "
                    f"{inside[key]:.3f} s per run inside the workers"
                )
            one, two = rate[("local", 1)], rate[("local", 2)]
            note("overhead", (1 / one) / direct - 1)
            note("overhead_inside", (1 / one) / inside[("local", 1)] - 1)
            note("speedup", two / one)
            note("speedup_whole", whole[("local", 2)] / whole[("local", 1)])
            if ("dask", 2) in rate:
                note("dask", rate[("dask", 2)] / two - 1)
                note("dask_whole", whole[("dask", 2)] / whole[("local", 2)] - 1)
        small, big = (200, 2000) if args.quick else (500, 5000)
        mem_small, mem_big = memory_mib(Path(tmp), small), memory_mib(Path(tmp), big)

    def show(label: str, name: str, fmt: str, target: str = "") -> None:
        median = statistics.median(figures[name])
        each = ", ".join(format(v, fmt) for v in figures[name])
        spread = f"  (rounds: {each})" if rounds > 1 else ""
        print(f"{label:<42}{format(median, fmt):>9}    {target:<12}{spread}")

    print(f"\nmedian of {rounds} round(s)                      measured    target")
    show("per-run overhead vs direct (1 worker)", "overhead", "+.1%", "<= +5 %")
    show("  vs the model time inside the worker", "overhead_inside", "+.1%")
    show("2 workers vs 1 (throughput)", "speedup", ".2f", ">= 1.8x")
    show("  including start-up", "speedup_whole", ".2f")
    if "dask" in figures:
        show("Dask LocalCluster vs local (2 workers)", "dask", "+.1%", "within 10 %")
        show("  including start-up", "dask_whole", "+.1%")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"main-process peak memory, {small} -> {big} toy runs: "
        f"{mem_small:.0f} -> {mem_big:.0f} MiB (flat = the same)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
