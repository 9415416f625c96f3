"""Benchmark of branching options from a shared history (abm/branching.py, issue 25).

    .venv/bin/python benchmarks/bench_branching.py            # ~6 minutes on 2 cores
    .venv/bin/python benchmarks/bench_branching.py --quick    # ~1 minute, for CI

Figures, paired and interleaved in one run (A B B A ...), each arm in a fresh process:

* ``abm compare`` of the baseline and the four shipped center and voucher options
  (nacc_haenam, nacc_gwangju, nacc_split, gpu_vouchers), 2 seeds, at one agent per real
  firm (24,000): wall and CPU time with branching (each future's shared months once, as
  ``abm compare`` runs now) and without (every option from the start, as it ran before),
  the same outputs computed in both;
* the snapshot itself (a deep copy of the model at the split month): CPU time and the
  memory it adds, at 24,000 and 200,000 agents.

Nothing is asserted: other work on the machine changes the figures (the load average is
printed); run it on a quiet machine for figures to quote.
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
OPTIONS = ["baseline", "nacc_haenam", "nacc_gwangju", "nacc_split", "gpu_vouchers"]

# one arm of the paired comparison, in a fresh process: (wall s, CPU s) on stdout
ARM = """
import json, sys, time
from abm.cli import compare_reads
from abm.decide.population import one_agent_per_firm
from abm.scenario import load_scenario
branched, seeds, steps, firms, names = json.loads(sys.argv[1])
over = {"population.firms": firms} if firms else {}
scenarios = [load_scenario(f"scenarios/{n}.toml", over) for n in names]
if not firms:
    scenarios = [one_agent_per_firm(s) for s in scenarios]
wall, cpu = time.perf_counter(), time.process_time()
for seed in range(scenarios[0].seed, scenarios[0].seed + seeds):
    if branched:
        from abm.branching import run_options
        run_options(scenarios, seed, steps, compare_reads())
    else:
        from abm.run import run_scenario
        for s in scenarios:
            run_scenario(s, seed=seed, steps=steps, outputs=compare_reads())
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu]))
"""

SNAPSHOT = """
import copy, json, sys, time
from abm.branching import shared_months
from abm.model import RegionalModel
from abm.scenario import load_scenario
firms = json.loads(sys.argv[1])
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 1e6
s = load_scenario("scenarios/baseline.toml", {"population.firms": firms})
split = shared_months([s, load_scenario("scenarios/nacc_haenam.toml", {"population.firms": firms})])
model = RegionalModel(s, rng=1)
for _ in range(split):
    model.step()
before, cpu = rss(), time.process_time()
copies = [copy.deepcopy(model) for _ in range(3)]
print(json.dumps([(time.process_time() - cpu) / 3, (rss() - before) / 3, split]))
"""


def _run(code: str, arg: object) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(arg)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,400 agents, to 2028-12")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of (A, B) runs")
    args = parser.parse_args()
    firms, steps = (2400, 120) if args.quick else (0, None)
    seeds = 2
    print(f"load average at start: {os.getloadavg()}")
    times: dict[bool, list[list[float]]] = {True: [], False: []}
    for r in range(args.rounds):
        order = (True, False) if r % 2 == 0 else (False, True)
        for branched in order:
            times[branched].append(_run(ARM, [branched, seeds, steps, firms, OPTIONS]))
    agents = f"{firms:,} agents" if firms else "one agent per real firm (24,000)"
    print(f"\nabm compare, 5 options x {seeds} seeds, {agents}, {args.rounds} paired rounds")
    for branched in (False, True):
        wall = statistics.median(t[0] for t in times[branched])
        cpu = statistics.median(t[1] for t in times[branched])
        label = "branched (shared months once)" if branched else "each option from the start"
        print(f"  {label:32s} wall {wall:7.1f} s   CPU {cpu:7.1f} s")
    ratio = [b[1] / a[1] for a, b in zip(times[False], times[True], strict=True)]
    print(f"  CPU branched / from the start, per round: {', '.join(f'{x:.2f}' for x in ratio)}")
    print("\nsnapshot (deep copy of the model at the split month)")
    for n in (24_000, 200_000) if not args.quick else (24_000,):
        cpu, mb, split = _run(SNAPSHOT, n)
        print(f"  {n:>9,} agents, month {split}: CPU {cpu * 1000:6.0f} ms, +{mb:6.0f} MB each")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
