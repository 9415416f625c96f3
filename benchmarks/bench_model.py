"""Model speed: CPU per agent-step of this model against Mesa references, paired and repeated.

What is timed: the step loop alone, in CPU time of the process that runs it
(``time.process_time`` around the loop; set-up, imports and output writing are
left out here and measured whole in ``bench_scaling.py``). Every run is a fresh
subprocess, so no run inherits another's heap or caches (``--quick`` runs one
process per repetition, to import Mesa once). One repetition runs every
system once; repetitions alternate their order (ABBA), so a noisy neighbour on a
shared machine hits all systems alike, and the ratio to the reference is taken run
by run (paired) before the median is taken.

Systems:
* this model, ``scenarios/baseline.toml`` at N firms (per firm-step: firms alive
  each step, summed);
* Mesa's own ``mesa.examples`` BoltzmannWealth at N agents on a sqrt(N) x sqrt(N)
  grid, with its data collection (``model.step()``) and without it (the agents'
  ``shuffle_do("step")`` alone);
* a numpy Boltzmann on the same grid, the floor of vectorised Python (same moves and
  gifts, drawn in bulk rather than agent by agent);
* mesa-frames, if it is installed (it is not a dependency of this project).

Targets (issue 12): at most 0.8 us per firm-step at 100,000 firms x 132 steps, and at
most 0.1 x BoltzmannWealth (with data collection) in the same runs.

Run:  .venv/bin/python benchmarks/bench_model.py            (full: 10k and 100k, ~10 min)
      .venv/bin/python benchmarks/bench_model.py --before /tmp/perf-base   (pairs an old tree)
      .venv/bin/python benchmarks/bench_model.py --quick    (CI smoke run, < 1 min)
Prints a table; ``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TARGET_US = 0.8
TARGET_RATIO = 0.1

CHILD = r"""
import json, sys, time
kinds, n_model, steps_model, steps_ref = sys.argv[1], *map(int, sys.argv[2:4]), int(sys.argv[5])
n_ref = n_model

def model(path):
    from abm.model import RegionalModel
    from abm.scenario import load_scenario
    scenario = load_scenario(path, {"population.firms": n, "scenario.steps": steps})
    m = RegionalModel(scenario, rng=1)
    start = time.process_time()
    for _ in range(steps):
        m.step()
    cpu = time.process_time() - start
    return cpu, int(m.history()[0]["agents"].iloc[1:].sum())

def boltzmann(collect):
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth
    side = round(n ** 0.5)
    m = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=42))
    step = m.step if collect else (lambda: m.agents.shuffle_do("step"))
    start = time.process_time()
    for _ in range(steps):
        step()
    return time.process_time() - start, n * steps

def numpy_boltzmann():
    import numpy as np
    rng = np.random.default_rng(42)
    side = round(n ** 0.5)
    x, y = rng.integers(0, side, n), rng.integers(0, side, n)
    wealth = np.ones(n, dtype=np.int64)
    start = time.process_time()
    for _ in range(steps):
        # move to a random Moore neighbour inside the (non-toroidal) grid: redraw the
        # agents whose draw stayed put or left the grid until every one has moved
        todo = np.arange(n)
        while len(todo):
            dx, dy = rng.integers(-1, 2, len(todo)), rng.integers(-1, 2, len(todo))
            nx, ny = x[todo] + dx, y[todo] + dy
            ok = ((dx != 0) | (dy != 0)) & (nx >= 0) & (ny >= 0) & (nx < side) & (ny < side)
            x[todo[ok]], y[todo[ok]] = nx[ok], ny[ok]
            todo = todo[~ok]
        # every agent with wealth gives one unit to a random other agent in its cell
        cell = x * side + y
        order = np.argsort(cell, kind="stable")
        sorted_cell = cell[order]
        first = np.searchsorted(sorted_cell, sorted_cell, side="left")
        count = np.searchsorted(sorted_cell, sorted_cell, side="right") - first
        givers = (wealth[order] > 0) & (count > 1)
        g = np.flatnonzero(givers)
        pick = first[g] + rng.integers(0, count[g] - 1)
        pick += pick >= g  # skip oneself
        np.subtract.at(wealth, order[g], 1)
        np.add.at(wealth, order[pick], 1)
    return time.process_time() - start, n * steps

RUN = {
    "model": lambda: model(sys.argv[4]),
    "bw": lambda: boltzmann(True),
    "bw_nodc": lambda: boltzmann(False),
    "numpy": numpy_boltzmann,
}
for kind in kinds.split(","):
    n, steps = (n_model, steps_model) if kind == "model" else (n_ref, steps_ref)
    cpu, agent_steps = RUN[kind]()
    print(json.dumps({"kind": kind, "cpu_s": cpu, "agent_steps": agent_steps}))
"""

LABELS = {
    "model": "this model (baseline)",
    "bw": "Mesa BoltzmannWealth, with data collection",
    "bw_nodc": "Mesa BoltzmannWealth, agents' step only",
    "numpy": "numpy Boltzmann, same grid",
}


def child(
    kinds: list[str], n: int, model_steps: int, ref_steps: int, tree: Path | None = None
) -> list[dict]:
    """Runs of ``kinds``, in this order, in one fresh process: CPU of each step loop.

    ``tree``: run the model of another checkout (e.g. the commit before a change),
    with the same interpreter and libraries.
    """
    root = tree or ROOT
    env = dict(os.environ, PYTHONPATH=str(root)) if tree else None
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            ",".join(kinds),
            str(n),
            str(model_steps),
            str(root / "scenarios" / "baseline.toml"),
            str(ref_steps),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env=env,
    )
    runs = [json.loads(line) for line in out.stdout.strip().splitlines() if line.startswith("{")]
    for figures in runs:
        figures["us"] = figures["cpu_s"] / figures["agent_steps"] * 1e6
        if tree:
            figures["kind"] = "before"
    return runs


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt(s: dict, digits: int = 2) -> str:
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}-{s['max']:.{digits}f}]"


def measure(
    n: int, model_steps: int, ref_steps: int, reps: int, shared: bool, before: Path | None
) -> dict:
    """Paired, repeated runs of every system at ``n`` agents.

    ``shared``: one process per repetition runs all systems (quick mode: imports
    once); otherwise every run has a process of its own.
    """
    kinds = list(LABELS)
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    if before:
        runs["before"] = []
    for rep in range(reps):
        order = kinds if rep % 2 == 0 else kinds[::-1]
        batches = [order] if shared else [[k] for k in order]
        if before:  # its own process, next to this model's run
            batches.insert(1 if rep % 2 == 0 else len(batches) - 1, ["model@before"])
        for batch in batches:
            tree = before if batch == ["model@before"] else None
            for figures in child(["model"] if tree else batch, n, model_steps, ref_steps, tree):
                runs[figures["kind"]].append(figures)
    us = {k: spread([r["us"] for r in v]) for k, v in runs.items()}
    paired = [m["us"] / b["us"] for m, b in zip(runs["model"], runs["bw"], strict=True)]
    extra = {}
    if before:
        extra["ratio_to_before"] = spread(
            [m["us"] / b["us"] for m, b in zip(runs["model"], runs["before"], strict=True)]
        )
    return {
        **extra,
        "agents": n,
        "model_steps": model_steps,
        "reference_steps": ref_steps,
        "repetitions": reps,
        "us_per_agent_step": us,
        "ratio_to_boltzmann": spread(paired),
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI (< 1 min)")
    parser.add_argument("--reps", type=int, help="repetitions (default 3, quick 2)")
    parser.add_argument(
        "--before", type=Path, help="also time the model of this checkout (paired 'before')"
    )
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    # (agents, model steps, reference steps)
    plan = [(2_000, 24, 10)] if args.quick else [(10_000, 132, 20), (100_000, 132, 10)]
    reps = args.reps or (2 if args.quick else 3)
    results = [measure(n, ms, rs, reps, args.quick, args.before) for n, ms, rs in plan]
    frames = importlib.util.find_spec("mesa_frames") is not None

    print(f"CPU of the step loop, us per agent-step: median [min-max] of {reps} paired runs")
    for res in results:
        n = res["agents"]
        print(
            f"\n{n:,} agents (model {res['model_steps']} steps, references "
            f"{res['reference_steps']} steps)"
        )
        labels = dict(LABELS)
        if args.before:
            labels["before"] = f"this model at {args.before}"
        for kind, label in labels.items():
            print(f"  {label:<46} {fmt(res['us_per_agent_step'][kind])}")
        if args.before:
            print(f"  {'ratio model / before (paired)':<46} {fmt(res['ratio_to_before'], 3)}")
        print(
            f"  {'ratio model / BoltzmannWealth (paired)':<46} "
            f"{fmt(res['ratio_to_boltzmann'], 3)} (target <= {TARGET_RATIO})"
        )
    if not frames:
        print("\nmesa-frames: not installed, skipped (it is not a dependency of this project)")
    largest = results[-1]
    if not args.quick:
        us = largest["us_per_agent_step"]["model"]["median"]
        print(
            f"\nat {largest['agents']:,} firms: {us:.2f} us per firm-step (target <= {TARGET_US})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
