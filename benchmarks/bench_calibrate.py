"""Benchmark of abm calibrate: parameter recovery and the run budget, on this machine.

    .venv/bin/python benchmarks/bench_calibrate.py compare   # method choice (docs/calibration.md)
    .venv/bin/python benchmarks/bench_calibrate.py budget    # 8 parameters, 2,000 agents, 84 months
    .venv/bin/python benchmarks/bench_calibrate.py --quick compare   # small, for CI (figures only)

``compare``: synthetic recovery on the baseline (400 firm agents, 36 months): the model
at known values of three parameters gives the targets; each method is scored on the
coverage of the truth by its 90 % intervals, the width of those intervals against the
prior's, the error of the posterior median (in prior standard deviations), and the model
runs it needed. Methods: ABC-SMC with the stated-uncertainty distance, ABC-SMC with
Prangle's adaptive distance (pyabc's MAD scales), and rejection ABC from the prior with
the same number of runs as the first (the best 100 of the prior sample).

``budget``: an 8-parameter calibration at 2,000 agents over 84 months (the size of a
2019-2025 history run), with the wall time, model runs and runs per second. Nothing is
asserted: other work on the machine changes the figures (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from abm.calibrate.report import wquantile  # noqa: E402
from abm.calibrate.smc import Calibrator, load_population  # noqa: E402
from abm.calibrate.spec import load_calibration_spec  # noqa: E402
from abm.calibrate.synthetic import synthetic_targets  # noqa: E402
from abm.scenario import load_scenario  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.toml"
TRUTH3 = {
    "params.entry.outside_rate": 0.004,
    "params.firm.cost_share": 1.05,
    "params.compute.gpu_per_employee": 0.025,
}
PRIORS3 = {
    "params.entry.outside_rate": {"prior": "loguniform", "low": 0.001, "high": 0.016},
    "params.firm.cost_share": {"prior": "uniform", "low": 0.98, "high": 1.12},
    "params.compute.gpu_per_employee": {"prior": "loguniform", "low": 0.008, "high": 0.08},
}
TRUTH8 = TRUTH3 | {
    "params.entry.spinoff_rate": 0.002,
    "params.location.compute_weight": 2.0,
    "params.location.incentive_weight": 2.0,
    "params.agglomeration.strength": 0.5,
    "params.firm.revenue_sigma": 0.08,
}
PRIORS8 = PRIORS3 | {
    "params.entry.spinoff_rate": {"prior": "loguniform", "low": 0.0005, "high": 0.008},
    "params.location.compute_weight": {"prior": "uniform", "low": 0.0, "high": 5.0},
    "params.location.incentive_weight": {"prior": "uniform", "low": 0.0, "high": 5.0},
    "params.agglomeration.strength": {"prior": "uniform", "low": 0.1, "high": 1.5},
    "params.firm.revenue_sigma": {"prior": "uniform", "low": 0.02, "high": 0.2},
}


def spec(truth, priors, firms, steps, particles, generations, max_runs, distance, seed=3):
    scenario = load_scenario(BASELINE, {"population.firms": firms, "scenario.steps": steps})
    targets = synthetic_targets(scenario, truth, seed=12345)
    return load_calibration_spec(
        {
            "calibration": {
                "name": f"bench-{distance}",
                "scenario": str(BASELINE),
                "targets": targets,
                "steps": steps,
                "seed": seed,
            },
            "method": {"particles": particles, "distance": distance},
            "budget": {"max_runs": max_runs, "generations": generations},
            "parameters": priors,
            "fixed": {"population.firms": firms},
        }
    )


def score(keys, params, weights, truth, priors) -> dict:
    out = {}
    for i, k in enumerate(keys):
        x = params[:, i]
        lo, med, hi = (wquantile(x, weights, q) for q in (0.05, 0.5, 0.95))
        p = priors[k]
        plo, phi = p.quantiles([0.05, 0.95])
        psd = float(p.frozen().std()) if hasattr(p.frozen(), "std") else (phi - plo) / 3.29
        out[k] = {
            "covered": bool(lo <= truth[k] <= hi),
            "width_vs_prior": (hi - lo) / (phi - plo),
            "median_error_prior_sd": abs(med - truth[k]) / psd,
            "interval": [lo, med, hi],
        }
    return out


def run(s, out: Path, workers: int) -> tuple[Calibrator, float, int]:
    cal = Calibrator(s, out, workers=workers, progress=False, log=lambda m: print(m, flush=True))
    t = time.monotonic()
    report = cal.run()
    return cal, time.monotonic() - t, report.runs


def compare(args) -> dict:
    n, gens = (40, 2) if args.quick else (args.particles, args.generations)
    firms, steps = (200, 24) if args.quick else (args.firms, args.steps)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        budgets = {}
        for distance in ("uncertainty", "adaptive"):
            s = spec(TRUTH3, PRIORS3, firms, steps, n, gens, 100_000, distance)
            cal, wall, runs = run(s, Path(tmp) / distance, args.workers)
            last = load_population(
                Path(tmp) / distance, max(_gens(Path(tmp) / distance)), cal.keys, cal.ids
            )
            priors = {p.key: p for p in s.priors}
            results[f"abc-smc/{distance}"] = {
                "runs": runs,
                "wall_s": wall,
                "parameters": score(cal.keys, last.params, last.weights, TRUTH3, priors),
            }
            budgets[distance] = runs
        # rejection ABC with the runs ABC-SMC/uncertainty needed: the best n of a prior sample
        b = budgets["uncertainty"]
        s = spec(TRUTH3, PRIORS3, firms, steps, b, 0, b, "uncertainty")
        cal, wall, runs = run(s, Path(tmp) / "rejection", args.workers)
        pop = load_population(Path(tmp) / "rejection", 0, cal.keys, cal.ids)
        d = np.sqrt((((pop.stats - cal.observed) / cal.sd) ** 2).sum(axis=1))
        best = np.argsort(d)[:n]
        priors = {p.key: p for p in s.priors}
        results["rejection"] = {
            "runs": runs,
            "wall_s": wall,
            "parameters": score(cal.keys, pop.params[best], np.full(n, 1 / n), TRUTH3, priors),
        }
    return results


def _gens(folder: Path) -> list[int]:
    return [int(p.stem.split("-")[1]) for p in (folder / "generations").glob("gen-*.parquet")]


def budget(args) -> dict:
    n, gens = (40, 1) if args.quick else (args.particles, args.generations)
    firms, steps = (500, 24) if args.quick else (args.firms, args.steps)
    s = spec(TRUTH8, PRIORS8, firms, steps, n, gens, args.max_runs, "uncertainty")
    with tempfile.TemporaryDirectory() as tmp:
        cal, wall, runs = run(s, Path(tmp) / "budget", args.workers)
        folder = Path(tmp) / "budget"
        last = load_population(folder, max(_gens(folder)), cal.keys, cal.ids)
        priors = {p.key: p for p in s.priors}
        metas = [
            json.loads(p.read_text()) for p in sorted((folder / "generations").glob("gen-*.json"))
        ]
        return {
            "agents": firms,
            "steps": steps,
            "parameters": len(s.priors),
            "particles": n,
            "runs": runs,
            "wall_s": wall,
            "runs_per_s": runs / wall,
            "generations": [
                {k: m[k] for k in ("t", "epsilon", "acceptance_rate", "runs", "ess")} for m in metas
            ],
            "recovery": score(cal.keys, last.params, last.weights, TRUTH8, priors),
        }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", choices=("compare", "budget"))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--particles", type=int, default=150)
    p.add_argument("--generations", type=int, default=4)
    p.add_argument("--max-runs", type=int, default=3000)
    p.add_argument("--firms", type=int, help="firm agents (compare 400, budget 2000)")
    p.add_argument("--steps", type=int, help="months (compare 36, budget 84)")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()
    compare_run = args.what == "compare"
    args.firms = args.firms or (400 if compare_run else 2000)
    args.steps = args.steps or (36 if compare_run else 84)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    result = compare(args) if args.what == "compare" else budget(args)
    text = json.dumps(
        result, indent=2, default=lambda v: v.item() if hasattr(v, "item") else str(v)
    )
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    if args.what == "compare":
        rows = []
        for method, r in result.items():
            ps = r["parameters"].values()
            rows.append(
                (
                    method,
                    r["runs"],
                    sum(x["covered"] for x in ps),
                    len(r["parameters"]),
                    np.mean([x["width_vs_prior"] for x in ps]),
                    np.mean([x["median_error_prior_sd"] for x in ps]),
                    r["wall_s"],
                )
            )
        print(
            pd.DataFrame(
                rows,
                columns=[
                    "method",
                    "runs",
                    "covered",
                    "of",
                    "width/prior",
                    "median err (prior sd)",
                    "wall s",
                ],
            ).to_string(index=False)
        )


if __name__ == "__main__":
    main()
