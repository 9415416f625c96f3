"""Model speed where users wait: a full-scale run, its CPU per firm-step against the numpy floor.

What users wait for (issue 25) is a run at one agent per real firm: 24,000 firm
agents (Korea's ~24,000 software firms in 2019) over the scenario's 204 months. This
benchmark times that run and sets it against a numpy Boltzmann wealth model on a
sqrt(N) x sqrt(N) grid at the same N, the floor of vectorised Python: the same
process runs both, one after the other, alternating which goes first from one
repetition to the next (ABAB / BABA), so a noisy neighbour on a shared machine hits
both alike; the ratio is taken in each process (paired) before the median is taken.

Figures (CPU time of the process, ``time.process_time``, so waiting for a core on a
loaded machine does not count):
* ``us per firm-step``: CPU of the step loop / firm-steps (firms alive each month,
  summed), and the same for the floor per agent-step;
* ``ratio to the numpy floor``: the two, paired (target <= 2.0 at 24,000 agents);
* ``whole run``: set-up, the 204 months and the output tables, in CPU seconds, and the
  process's peak RSS (what ``abm run`` costs beyond imports).

Mesa's own BoltzmannWealth (``mesa.examples``, with and without its data collection)
can be added with ``--mesa`` for continuity with issue 12's figures; a per agent-step
ratio to a far simpler agent-by-agent model is a weak yardstick (issue 25, point 7).

A full-scale decision (``abm decide examples/decide_sites.toml`` at one agent per real
firm, 5 options x 200 futures, and a 5 x 32 cut of it for the quick mode) belongs in
this file once decisions branch their options from a shared history (issue 25, "Branch
options from a shared history"); see ``DECISION`` below.

Run:  .venv/bin/python benchmarks/bench_model.py            (24,000 x 204 and 100,000 x 132, ~6 min)
      .venv/bin/python benchmarks/bench_model.py --before /tmp/perf-base   (pairs an old tree)
      .venv/bin/python benchmarks/bench_model.py --quick    (CI smoke run, < 1 min)
Prints a table; ``--json FILE`` writes the figures. The 1,000,000-firm point is
``bench_scaling.py --million``.
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
TARGET_RATIO = 2.0  # issue 25: CPU per firm-step at 24,000 agents / the numpy floor's
TARGET_AGENTS = 24_000  # one agent per real firm (Korea's ~24,000 software firms in 2019)

# The full-scale decision benchmark goes here once options branch from a shared
# history: the shipped example at one agent per real firm (5 options x 200 futures,
# target <= 10 min wall on 2 cores) and its 5 x 32 cut for --quick.
DECISION = None

CHILD = r"""
import json, resource, sys, time
kinds, path = sys.argv[1], sys.argv[4]
n, steps, floor_steps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[5])
extra = json.loads(sys.argv[6])

def model():
    from abm.model import RegionalModel
    from abm.scenario import load_scenario
    start = time.process_time()
    sets = [f"population.firms={n}", f"scenario.steps={steps}", *extra]  # as abm run --set
    scenario = load_scenario(path, sets)
    m = RegionalModel(scenario, rng=1)
    loop = time.process_time()
    for _ in range(steps):
        m.step()
    cpu = time.process_time() - loop
    model_df, _ = m.history()
    m.district_history()
    whole = time.process_time() - start
    return {"cpu_s": cpu, "agent_steps": int(model_df["agents"].iloc[1:].sum()),
            "whole_s": whole, "final_firms": int(model_df["agents"].iloc[-1])}

def boltzmann(collect):
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth
    side = round(n ** 0.5)
    m = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=42))
    step = m.step if collect else (lambda: m.agents.shuffle_do("step"))
    start = time.process_time()
    for _ in range(floor_steps):
        step()
    return {"cpu_s": time.process_time() - start, "agent_steps": n * floor_steps}

def numpy_boltzmann():
    import numpy as np
    rng = np.random.default_rng(42)
    side = round(n ** 0.5)
    x, y = rng.integers(0, side, n), rng.integers(0, side, n)
    wealth = np.ones(n, dtype=np.int64)
    start = time.process_time()
    for _ in range(floor_steps):
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
    return {"cpu_s": time.process_time() - start, "agent_steps": n * floor_steps}

RUN = {
    "model": model,
    "numpy": numpy_boltzmann,
    "bw": lambda: boltzmann(True),
    "bw_nodc": lambda: boltzmann(False),
}
for kind in kinds.split(","):
    figures = RUN[kind]()
    figures["kind"] = kind
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures), flush=True)
"""

LABELS = {
    "model": "this model (baseline)",
    "numpy": "numpy Boltzmann on a grid, same N",
    "bw": "Mesa BoltzmannWealth, with data collection",
    "bw_nodc": "Mesa BoltzmannWealth, agents' step only",
}


def child(
    kinds: list[str],
    n: int,
    steps: int,
    floor_steps: int,
    tree: Path | None = None,
    overrides: list[str] | None = None,
) -> list:
    """Runs of ``kinds``, in this order, in one fresh process: CPU of each step loop.

    ``tree``: run the model of another checkout (e.g. the commit before a change),
    with the same interpreter and libraries; ``overrides``: scenario overrides.
    """
    root = tree or ROOT
    # a script run with -c puts the working directory first on sys.path: the tree's abm
    env = dict(os.environ, PYTHONPATH=str(root))
    scenario = root / "scenarios" / "baseline.toml"
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            ",".join(kinds),
            *map(str, (n, steps, scenario, floor_steps)),
            json.dumps(overrides or []),
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
    return runs


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fmt(s: dict, digits: int = 2) -> str:
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}-{s['max']:.{digits}f}]"


def measure(
    n: int, steps: int, reps: int, mesa: bool, before: Path | None, overrides: list[str]
) -> dict:
    """Paired, repeated runs at ``n`` agents: each repetition is one process running the
    model and the numpy floor (order alternating), plus, with ``before``, one process
    running the old tree's model and the floor the same way."""
    trees: list[tuple[str, Path | None]] = [("model", None)]
    if before:
        trees.append(("before", before))
    runs: dict[str, list[dict]] = {}
    ratios: dict[str, list[float]] = {}
    for rep in range(reps):
        for label, tree in trees if rep % 2 == 0 else trees[::-1]:
            kinds = ["numpy", "model"] if rep % 2 == 0 else ["model", "numpy"]
            got = {r["kind"]: r for r in child(kinds, n, steps, steps, tree, overrides)}
            runs.setdefault(label, []).append(got["model"])
            runs.setdefault(f"numpy ({label})", []).append(got["numpy"])
            ratios.setdefault(label, []).append(got["model"]["us"] / got["numpy"]["us"])
        if mesa:  # Mesa's references are slow per agent-step: a tenth of the months
            for r in child(["bw", "bw_nodc"], n, steps, max(steps // 10, 2)):
                runs.setdefault(r["kind"], []).append(r)
    result = {
        "agents": n,
        "steps": steps,
        "repetitions": reps,
        "us_per_agent_step": {k: spread([r["us"] for r in v]) for k, v in runs.items()},
        "ratio_to_numpy": {k: spread(v) for k, v in ratios.items()},
        "whole_run_cpu_s": {k: spread([r["whole_s"] for r in runs[k]]) for k, _ in trees},
        "peak_rss_mb": {k: spread([r["peak_rss_mb"] for r in runs[k]]) for k, _ in trees},
        "final_firms": runs["model"][0]["final_firms"],
        "runs": runs,
    }
    if before:
        result["ratio_to_before"] = spread(
            [a["us"] / b["us"] for a, b in zip(runs["model"], runs["before"], strict=True)]
        )
    return result


def report(res: dict, before: Path | None) -> None:
    n, reps = res["agents"], res["repetitions"]
    print(f"\n{n:,} agents x {res['steps']} months, {reps} paired repetitions (median [min-max])")
    us = res["us_per_agent_step"]
    for kind, s in us.items():
        label = {
            "numpy (model)": "numpy floor, in the model's processes",
            "before": f"this model at {before}",
            "numpy (before)": "numpy floor, in the before processes",
        }.get(kind, LABELS.get(kind, kind))
        print(f"  us per step, {label:<52} {fmt(s, 3)}")
    for kind, s in res["ratio_to_numpy"].items():
        name = "this model" if kind == "model" else f"this model at {before}"
        target = f" (target <= {TARGET_RATIO})" if n == TARGET_AGENTS else ""
        print(f"  ratio to the numpy floor, {name:<42} {fmt(s, 2)}{target}")
    if "ratio_to_before" in res:
        print(f"  ratio model / before (paired processes){'':<26} {fmt(res['ratio_to_before'], 3)}")
    for kind, s in res["whole_run_cpu_s"].items():
        rss = res["peak_rss_mb"][kind]
        print(
            f"  whole run ({kind}): {fmt(s, 2)} s CPU (set-up, months, tables), "
            f"peak RSS {rss['median']:.0f} MB"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI (< 1 min)")
    parser.add_argument("--reps", type=int, help="repetitions (default 3, quick 2)")
    parser.add_argument(
        "--before", type=Path, help="also time the model of this checkout (paired 'before')"
    )
    parser.add_argument("--mesa", action="store_true", help="add Mesa's BoltzmannWealth")
    parser.add_argument("--sizes", help="agents:months,... (replaces the default plan)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="scenario override for the model runs, e.g. params.network.metrics_every=1000",
    )
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    # (agents, months): the full-scale run, and the 100,000-firm point of issue 12
    plan = [(2_000, 24)] if args.quick else [(24_000, 204), (100_000, 132)]
    if args.sizes:
        plan = [tuple(map(int, s.split(":"))) for s in args.sizes.split(",")]  # type: ignore[misc]
    reps = args.reps or (2 if args.quick else 3)
    load = os.getloadavg()
    overrides = list(args.set)
    results = [measure(n, steps, reps, args.mesa, args.before, overrides) for n, steps in plan]
    print("CPU of the step loop per firm-step (per agent-step for the references)")
    if overrides:
        print(f"scenario overrides: {overrides}")
    print(f"load average at the start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for res in results:
        report(res, args.before)
    if not args.quick and importlib.util.find_spec("mesa_frames") is None:
        print("\nmesa-frames: not installed, skipped (it is not a dependency of this project)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
