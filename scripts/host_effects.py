"""Host effect of each center site against the baseline, over paired seeds (docs/ODD.md, 11).

For each site scenario and seed, the 2035 value minus the baseline's on the same seed:
firms and employment (real units) in the host region and in all non-capital regions. Prints
a Markdown table of mean differences with 95 % t-intervals.

    .venv/bin/python scripts/host_effects.py --seeds 20 [--firms 2000] [--workers 2]
        [--posterior calibration/posterior]

With ``--posterior`` each seed also draws a parameter set from the calibration posterior,
the same draw for the baseline and every site (paired), so the intervals hold parameter
uncertainty as well as seed noise.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from _doc_tables import interval

from abm.branching import run_options
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SITES = {
    "nacc_haenam": ("Haenam (Jeonnam)", ["jeonnam"]),
    "nacc_daegu": ("Daegu", ["daegu"]),
    "nacc_gwangju": ("Gwangju", ["gwangju"]),
    "nacc_split": ("Daegu + Gwangju (split)", ["daegu", "gwangju"]),
}
HEADER = (
    "| site | host firms | host jobs | non-capital firms | non-capital jobs |\n"
    "|---|---|---|---|---|"
)


def _future(seed: int, firms: int, params: dict[str, Any]) -> dict[str, dict]:
    """Final regions of the baseline and every site for one seed and parameter draw: the
    months they share are simulated once (abm/branching.py)."""
    over = {"population.firms": firms, **params}
    names = ["baseline", *SITES]
    scenarios = [load_scenario(ROOT / "scenarios" / f"{n}.toml", over) for n in names]
    results = run_options(scenarios, seed)
    return {n: r.summary["final_regions"] for n, r in zip(names, results, strict=True)}


def futures(
    pool: ProcessPoolExecutor, seeds: range, firms: int, draws: list[dict]
) -> dict[str, list[dict]]:
    """Final regions per scenario and seed; seed i runs with parameter draw i (one job a
    future, all its options in it)."""
    jobs = [pool.submit(_future, s, firms, d) for s, d in zip(seeds, draws, strict=True)]
    done = [j.result() for j in jobs]
    return {name: [f[name] for f in done] for name in done[0]} if done else {}


def total(regions: dict, ids: list[str], key: str) -> float:
    return float(sum(regions[r][key] for r in ids))


def effects(runs: list[dict], base: list[dict], groups: list[list[str]]) -> list[str]:
    """Cells of one row: firms and jobs of each group of regions, site minus baseline."""
    cells = []
    for ids in groups:
        for key in ("firms", "employment"):
            diff = [
                total(r, ids, key) - total(b, ids, key) for r, b in zip(runs, base, strict=True)
            ]
            cells.append(interval(np.array(diff)))
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--posterior", help="a calibration posterior folder to draw from")
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    draws: list[dict] = [{} for _ in seeds]
    if args.posterior:
        from abm.calibrate.posterior import posterior_overrides

        draws = posterior_overrides(args.posterior, len(seeds), seed=20260310)
    pool = ProcessPoolExecutor(args.workers)
    found = futures(pool, seeds, args.firms, draws)
    base = found["baseline"]
    non_capital = [r for r in base[0] if r != "capital"]
    what = "paired seeds and posterior draws" if args.posterior else "paired seeds"
    print(
        f"Host effects in Dec 2035, {args.seeds} {what}, {args.firms} firm agents; "
        "mean difference from the baseline [95 % interval], real units.\n"
    )
    print(HEADER)
    for name, (label, host) in SITES.items():
        cells = effects(found[name], base, [host, non_capital])
        print(f"| {label} | " + " | ".join(cells) + " |")
    levels = {k: np.mean([total(b, [k], "firms") for b in base]) for k in base[0]}
    print(
        "\nBaseline firms in Dec 2035 (mean): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in levels.items())
    )


if __name__ == "__main__":
    main()
