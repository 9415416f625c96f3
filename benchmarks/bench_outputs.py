"""Recording: CPU of the recorder per run, and what a batch run saves by computing only what
it reads (issue 19: formulas beside their declarations, recording no slower; issue 25: compute
only what is read).

Two figures, each from fresh processes in alternating order (ABBA), paired run by run:

* ``record``: CPU spent in ``Recorder.record`` over a run (every output recorded, as
  ``abm run`` does), this tree against another (``--before DIR``, a checkout of an older
  commit), same scenario and seed;
* ``kept``: CPU of a whole run (``run_scenario``) recording everything against recording only
  what ``examples/decide_sites.toml``'s objectives read (no network analytics), this tree.

Run:  .venv/bin/python benchmarks/bench_outputs.py --before /tmp/base      (24,000 firms)
      .venv/bin/python benchmarks/bench_outputs.py --quick                  (CI smoke run)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
root, what, firms, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, root)
from abm.metrics import Recorder
from abm.run import run_scenario
from abm.scenario import load_scenario

spent = [0.0]
record = Recorder.record

def timed(self, model, compute_network):
    start = time.process_time()
    record(self, model, compute_network)
    spent[0] += time.process_time() - start

Recorder.record = timed
outputs = None
if what == "kept":
    from abm.decide import load_decision
    from abm.decide.model import outputs_read
    outputs = outputs_read(load_decision(root + "/examples/decide_sites.toml").scenario)
scenario = load_scenario(root + "/scenarios/nacc_haenam.toml", {"population.firms": firms})
kwargs = {} if outputs is None else {"outputs": outputs}
start = time.process_time()
run_scenario(scenario, seed=1, steps=steps, **kwargs)
print(json.dumps({"run": time.process_time() - start, "record": spent[0]}))
"""


def child(root: Path, what: str, firms: int, steps: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(root), what, str(firms), str(steps)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def paired(a: tuple, b: tuple, reps: int, key: str) -> tuple[list[float], list[float]]:
    """``reps`` pairs of (a, b) figures ``key``, alternating which runs first."""
    xs, ys = [], []
    for i in range(reps):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        r1, r2 = child(*first)[key], child(*second)[key]
        x, y = (r1, r2) if i % 2 == 0 else (r2, r1)
        xs.append(x)
        ys.append(y)
    return xs, ys


def summary(name: str, xs: list[float], ys: list[float]) -> dict:
    ratios = [y / x for x, y in zip(xs, ys, strict=True)]
    row = {
        "figure": name,
        "a_s": statistics.median(xs),
        "b_s": statistics.median(ys),
        "ratio_b_over_a": statistics.median(ratios),
        "ratios": [round(r, 3) for r in ratios],
    }
    print(
        f"{name}: {row['a_s']:.3f} s -> {row['b_s']:.3f} s (median of {len(xs)} pairs), "
        f"paired ratio {row['ratio_b_over_a']:.3f} (each: {row['ratios']})"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout to compare the recorder with")
    parser.add_argument("--firms", type=int, help="firm agents (default 24,000; quick 1,000)")
    parser.add_argument("--steps", type=int, help="months (default 204; quick 24)")
    parser.add_argument("--reps", type=int, help="pairs per figure (default 4; quick 1)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="a small smoke run (CI)")
    args = parser.parse_args()
    quick = args.quick
    firms = args.firms or (1000 if quick else 24_000)
    steps = args.steps or (24 if quick else 204)
    reps = args.reps or (1 if quick else 4)
    print(f"nacc_haenam, {firms} firm agents, {steps} months, {reps} pairs (CPU time)")
    rows = []
    if args.before is not None:
        xs, ys = paired(
            (args.before, "all", firms, steps), (ROOT, "all", firms, steps), reps, "record"
        )
        rows.append(summary("record, before -> this tree", xs, ys))
    xs, ys = paired((ROOT, "all", firms, steps), (ROOT, "kept", firms, steps), reps, "run")
    rows.append(summary("run, everything -> what the decision reads", xs, ys))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
