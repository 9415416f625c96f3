"""Where a month goes: CPU per step of each part of ``RegionalModel.step``, in one run.

Each part (a rule, the compute market, the recorder, the network's upkeep and
analytics) is wrapped to add up its own CPU time (``time.process_time``: a loaded
machine's waiting for a core does not count); parts nest, so the recorder's figure
includes the analytics, the compute allocation's the market's. The wrappers cost about
a microsecond a call: a few per cent of a month at 1,000 agents, nothing at 24,000.
A sampling profiler gives the same picture line by line (``py-spy record -r 500 -f raw``
on the same run; py-spy is not a dependency of this project).

Run:  .venv/bin/python benchmarks/profile_step.py                   (baseline, 24,000 x 204)
      ABM_MALLOC=default .venv/bin/python benchmarks/profile_step.py   (glibc's own thresholds)
      .venv/bin/python benchmarks/profile_step.py nacc_haenam --firms 1000000 --steps 132
      PYTHONPATH=/tmp/perf-base .venv/bin/python benchmarks/profile_step.py   (another tree)
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import time
from collections import Counter
from pathlib import Path

# (module path, attribute path): the parts of a month, in the order of RegionalModel.step
PARTS = (
    ("abm.agents.government", "CentralGovernment.step"),
    ("abm.agents.government", "LocalGovernment.step"),
    ("abm.model", "RegionalModel._allocate_compute"),
    ("abm.compute", "ComputeMarket.step"),
    ("abm.compute", "ComputeMarket._allocate_public"),
    ("abm.rules.innovation", "innovate"),
    ("abm.rules.finance", "account"),
    ("abm.rules.labour", "hire"),
    ("abm.rules.finance", "exits"),
    ("abm.model", "RegionalModel.remove_firms"),
    ("abm.rules.entry", "spinoffs"),
    ("abm.rules.entry", "university_startups"),
    ("abm.rules.entry", "outside_entrants"),
    ("abm.rules.relocation", "relocate"),
    ("abm.rules.relocation", "branches"),
    ("abm.network", "CollaborationNetwork.form"),
    ("abm.network", "CollaborationNetwork.renew_and_decay"),
    ("abm.network", "CollaborationNetwork.csr"),
    ("abm.network", "CollaborationNetwork.neighbour_sum"),
    ("abm.metrics", "Recorder.record"),
    ("abm.metrics", "clustering_and_giant"),
    ("abm.metrics", "average_clustering"),
    ("abm.metrics", "giant_share"),
    ("abm.metrics", "region_modularity"),
    ("abm.metrics", "uig_triangles"),
    ("abm.model", "RegionalModel.compact"),
)


def instrument(cpu: Counter, calls: Counter) -> list[str]:
    """Wrap every part that exists in the imported tree; returns their labels."""
    import importlib

    labels = []
    for module_name, path in PARTS:
        owner = importlib.import_module(module_name)
        *outer, name = path.split(".")
        for part in outer:
            owner = getattr(owner, part)
        if not hasattr(owner, name):
            continue
        label = path if outer else f"{module_name.rsplit('.', 1)[-1]}.{name}"
        setattr(owner, name, _timed(getattr(owner, name), label, cpu, calls))
        labels.append(label)
    return labels


def _timed(f, label: str, cpu: Counter, calls: Counter):
    @functools.wraps(f)
    def timed(*args, **kwargs):
        start = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            cpu[label] += time.process_time() - start
            calls[label] += 1

    return timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("--firms", type=int, default=24_000)
    parser.add_argument("--steps", type=int, help="months (default: the scenario's)")
    args = parser.parse_args()

    cpu: Counter = Counter()
    calls: Counter = Counter()
    instrument(cpu, calls)
    import abm
    from abm.model import RegionalModel
    from abm.scenario import load_scenario

    root = Path(abm.__file__).resolve().parent.parent
    sets = [f"population.firms={args.firms}"]
    if args.steps:
        sets.append(f"scenario.steps={args.steps}")
    scenario = load_scenario(root / "scenarios" / f"{args.scenario}.toml", sets)
    model = RegionalModel(scenario, rng=1)
    cpu.clear()
    calls.clear()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.process_time()
    for _ in range(scenario.steps):
        model.step()
    total = time.process_time() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    steps = scenario.steps
    print(
        f"{root}: {args.scenario}, {args.firms:,} firms x {steps} months: step loop "
        f"{total:.2f} s CPU ({after.ru_stime - before.ru_stime:.2f} s system, "
        f"{after.ru_minflt - before.ru_minflt:,} page faults), {total / steps * 1e3:.2f} ms a month"
    )
    print(f"{'ms a month':>11} {'share':>6}  part (calls)")
    for label, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"{seconds / steps * 1e3:>11.3f} {seconds / total:>6.1%}  {label} ({calls[label]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
