"""National effect of each center site, with and without the entrants' outside option (ODD 11).

A center can create AI activity in Korea only if entry can grow: with
``params.location.outside_share = 0`` the month's outside entrants are a fixed flow that a
center can only move between regions (the zero-sum conditional logit). For each outside share
and seed, the December 2035 value of a site scenario minus the baseline's on the same seed
(paired: every draw keyed, abm/streams.py): firms and employment (real units) in all of Korea
and in the non-capital regions. Prints a Markdown table of mean differences with 95 %
t-intervals, and the baseline's national levels at each share.

    .venv/bin/python scripts/national_effects.py --seeds 20 [--firms 2000] [--workers 2]
        [--shares 0.25 0] [--sites nacc_haenam nacc_daegu nacc_gwangju nacc_split]
        [--set params.compute.price_flexibility=0.5 ...]

``--firms``: firm agents at the start; the real count (about 24,000 in 2019) is one agent per
real firm, the scale effect claims are made at; fewer agents are an approximation.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
from host_effects import ROOT, SITES, effects, total

from abm.errors import UserError, one_line
from abm.run import run_scenario
from abm.scenario import load_scenario, parse_assignments

HEADER = (
    "| outside share | site | national firms | national jobs | non-capital firms | "
    "non-capital jobs |\n|---|---|---|---|---|---|"
)


def _final(name: str, seed: int, firms: int, share: float, sets: dict[str, Any]) -> dict:
    over = {**sets, "population.firms": firms, "params.location.outside_share": share}
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml", over)
    return run_scenario(scenario, seed=seed).summary["final_regions"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.0])
    parser.add_argument("--sites", nargs="+", default=list(SITES), choices=list(SITES))
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a scenario override"
    )
    args = parser.parse_args()
    try:
        sets = parse_assignments(args.set)
    except UserError as e:
        parser.exit(2, f"national_effects.py: error: {one_line(str(e))}\n")
    seeds = range(1, args.seeds + 1)
    names = ["baseline", *args.sites]
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = {
            (share, name): [pool.submit(_final, name, s, args.firms, share, sets) for s in seeds]
            for share in args.shares
            for name in names
        }
        finals = {key: [j.result() for j in js] for key, js in jobs.items()}
    print(
        f"National effects in Dec 2035, {args.seeds} paired seeds, {args.firms} firm agents at "
        "the start; mean difference from the baseline [95 % interval], real units.\n"
    )
    print(HEADER)
    for share in args.shares:
        base = finals[share, "baseline"]
        everywhere = list(base[0])
        non_capital = [r for r in everywhere if r != "capital"]
        for name in args.sites:
            cells = effects(finals[share, name], base, [everywhere, non_capital])
            print(f"| {share:g} | {SITES[name][0]} | " + " | ".join(cells) + " |")
    print()
    for share in args.shares:
        base = finals[share, "baseline"]
        firms = np.mean([total(b, list(b), "firms") for b in base])
        jobs = np.mean([total(b, list(b), "employment") for b in base])
        print(f"Baseline at outside share {share:g} (mean): {firms:,.0f} firms, {jobs:,.0f} jobs.")


if __name__ == "__main__":
    main()
