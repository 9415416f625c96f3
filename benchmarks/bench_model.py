"""Model speed: cost per agent-step against Mesa's BoltzmannWealth, and scaling to 100,000 firms.

Targets (issue 2):
* cost per agent-step of this model at 10,000 firms <= 0.5 x BoltzmannWealth at 10,000 agents,
  both measured in this process, interleaved, so machine noise hits both alike;
* 100,000 firms for 132 steps within 60 s and 2 GB peak RSS;
* time per firm-step grows no faster than linearly from 10,000 to 100,000 firms.

Run:  .venv/bin/python benchmarks/bench_model.py            (full, ~3 minutes)
      .venv/bin/python benchmarks/bench_model.py --quick    (CI smoke run, small sizes)
Prints a table and writes JSON with --json FILE.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from abm.run import run_scenario
from abm.scenario import load_scenario
t1 = time.perf_counter()
firms, steps = int(sys.argv[1]), int(sys.argv[2])
scenario = load_scenario(sys.argv[3], {"population.firms": firms, "scenario.steps": steps})
result = run_scenario(scenario, seed=1)
t2 = time.perf_counter()
agent_steps = int(result.model["firms"].iloc[1:].sum())
print(json.dumps({"firms": firms, "steps": steps, "import_s": t1 - t0, "model_s": t2 - t1,
                  "agent_steps": agent_steps, "final_firms": int(result.model["firms"].iloc[-1]),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def boltzmann_us(agents: int, steps: int) -> float:
    """Microseconds per agent-step of Mesa's BoltzmannWealth example (init excluded)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = round(agents**0.5)
    model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=42))
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return (time.perf_counter() - start) / (steps * agents) * 1e6


def model_us(firms: int, steps: int) -> float:
    """Microseconds per firm-step of this model (init excluded), firms counted each step."""
    from abm.model import RegionalModel
    from abm.scenario import load_scenario

    scenario = load_scenario(BASELINE, {"population.firms": firms, "scenario.steps": steps})
    model = RegionalModel(scenario, rng=1)
    agent_steps = 0
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
        agent_steps += model.model_record()["firms"]
    return (time.perf_counter() - start) / agent_steps * 1e6


def child_run(firms: int, steps: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(firms), str(steps), str(BASELINE)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()

    agents = 2_000 if args.quick else 10_000
    reps = 2 if args.quick else 3
    b_steps, m_steps = (5, 24) if args.quick else (10, 132)
    ours, theirs = [], []
    for _ in range(reps):  # interleaved, so noise hits both
        theirs.append(boltzmann_us(agents, b_steps))
        ours.append(model_us(agents, m_steps))
    ratio = statistics.median(ours) / statistics.median(theirs)

    small, large = (2_000, 20_000) if args.quick else (10_000, 100_000)
    steps = 24 if args.quick else 132
    runs = [child_run(small, steps), child_run(large, steps)]
    per = [r["model_s"] / r["agent_steps"] * 1e6 for r in runs]
    scaling = per[1] / per[0]

    figures = {
        "agents": agents,
        "model_us_per_agent_step": statistics.median(ours),
        "boltzmann_us_per_agent_step": statistics.median(theirs),
        "ratio": ratio,
        "ratio_target": 0.5,
        "scaling_runs": runs,
        "us_per_firm_step": dict(zip([small, large], per, strict=True)),
        "scaling_ratio": scaling,
        "large_wall_s": runs[1]["import_s"] + runs[1]["model_s"],
    }
    print(
        f"per agent-step at {agents:,}: model {figures['model_us_per_agent_step']:.2f} us, "
        f"BoltzmannWealth {figures['boltzmann_us_per_agent_step']:.2f} us -> ratio "
        f"{ratio:.2f} (target <= 0.5)"
    )
    for r, p in zip(runs, per, strict=True):
        print(
            f"{r['firms']:>7,} firms x {r['steps']} steps: model {r['model_s']:.1f} s "
            f"(+ {r['import_s']:.1f} s imports), {p:.2f} us/firm-step, "
            f"{r['final_firms']:,} firms at the end, peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    print(
        f"time per firm-step, {large:,} vs {small:,} firms: x{scaling:.2f} "
        "(<= 1 means no worse than linear)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
