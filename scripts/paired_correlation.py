"""How well paired runs stay paired: baseline against a site option on the same seeds.

For each seed, the baseline and the option run with that seed; the script prints, for
non-capital jobs and non-capital firms in December of each year from 2025, the correlation
over seeds of the two runs' values, and the share of the variance of the difference that
pairing removes, 1 - var(option - baseline) / (var(option) + var(baseline)) (0: the runs
are as good as independent; 1: the difference has no seed noise at all). Then what still
desynchronises: the first month the two runs' outputs differ and, where the model keys its
draws by lineage (``nodes.lineage``), the share of the option's firms at the end whose
lineage is also alive in the baseline, and of those the share in the same region.

    .venv/bin/python scripts/paired_correlation.py [--seeds 20] [--firms 2000]
        [--option nacc_haenam] [--workers 2] [--set params.network.enabled=false]

Issue 20's measurement: 20 seeds at 2,000 agents, baseline against nacc_haenam (the
figures and the load they were measured under are in docs/ODD.md, section 3).
"""

from __future__ import annotations

import argparse
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def run(name: str, seed: int, firms: int, extra: dict[str, Any]) -> dict[str, Any]:
    """One run's non-capital figures each December, its output rows' hashes, and its live
    firms' lineages and regions at the end (None where the model has no lineage column)."""
    from abm.model import RegionalModel
    from abm.nodes import FIRM
    from abm.scenario import load_scenario

    scenario = load_scenario(
        ROOT / "scenarios" / f"{name}.toml", {"population.firms": firms, **extra}
    )
    model = RegionalModel(scenario, rng=seed)
    for _ in range(scenario.steps):
        model.step()
    frame, regions = model.history()
    capital = [rid for rid in model.region_ids if scenario.regions[rid].capital]
    december = regions[
        (pd.to_datetime(regions["date"]).dt.month == 12) & ~regions["region"].isin(capital)
    ]
    yearly = (
        december.assign(year=pd.to_datetime(december["date"]).dt.year)
        .groupby("year")[["firms", "employment"]]
        .sum()
    )
    nodes = model.nodes
    rows = nodes.rows(FIRM)
    lineage = getattr(nodes, "lineage", None)
    return {
        "yearly": yearly,
        "rows": pd.util.hash_pandas_object(frame.drop(columns=["date"]), index=False).to_numpy(),
        "lineage": None if lineage is None else lineage[rows].copy(),
        "region": nodes.region[rows].copy(),
    }


def overrides(pairs: list[str]) -> dict[str, Any]:
    """``--set key=value`` pairs, values read as TOML (``false``, ``0.5``, ``"x"``)."""
    out = {}
    for pair in pairs:
        key, _, text = pair.partition("=")
        out[key.strip()] = tomllib.loads(f"v = {text.strip()}")["v"]
    return out


def pairing(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(correlation over seeds, share of the difference's variance that pairing removes)."""
    corr = float(np.corrcoef(a, b)[0, 1])
    removed = 1.0 - np.var(b - a, ddof=1) / (np.var(a, ddof=1) + np.var(b, ddof=1))
    return corr, float(removed)


def shared_lineage(base: dict, other: dict) -> tuple[float, float] | None:
    """Share of ``other``'s live firms whose lineage is alive in ``base``; of those, the
    share in the same region."""
    if base["lineage"] is None:
        return None
    common, i, j = np.intersect1d(other["lineage"], base["lineage"], return_indices=True)
    share = len(common) / max(len(other["lineage"]), 1)
    same = float(np.mean(other["region"][i] == base["region"][j])) if len(common) else float("nan")
    return share, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--option", default="nacc_haenam", help="the scenario paired with baseline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="an override for both runs")
    args = parser.parse_args()
    extra = overrides(args.set)
    seeds = list(range(1, args.seeds + 1))
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = {
            (name, s): pool.submit(run, name, s, args.firms, extra)
            for s in seeds
            for name in ("baseline", args.option)
        }
        runs = {key: job.result() for key, job in jobs.items()}
    base = [runs["baseline", s] for s in seeds]
    other = [runs[args.option, s] for s in seeds]
    label = f" ({', '.join(args.set)})" if args.set else ""
    print(f"baseline vs {args.option}, {args.seeds} seeds, {args.firms} firm agents{label}")
    print("Dec of year: correlation over seeds [share of the difference's variance removed]")
    print(f"{'year':<6}{'non-capital jobs':>26}{'non-capital firms':>26}")
    for year in base[0]["yearly"].index:
        if year < 2025:
            continue
        cells = []
        for key in ("employment", "firms"):
            a = np.array([r["yearly"].loc[year, key] for r in base])
            b = np.array([r["yearly"].loc[year, key] for r in other])
            corr, removed = pairing(a, b)
            cells.append(f"{corr:.3f} [{removed:.3f}]")
        print(f"{year:<6}{cells[0]:>26}{cells[1]:>26}")
    first = [int(np.argmax(a["rows"] != b["rows"])) for a, b in zip(base, other, strict=True)]
    print(f"first step whose outputs differ: {min(first)}-{max(first)} (step 0 = initial state)")
    shared = [shared_lineage(a, b) for a, b in zip(base, other, strict=True)]
    if shared[0] is not None:
        share = np.array([s[0] for s in shared if s])
        same = np.array([s[1] for s in shared if s])
        print(
            f"at the end: {share.mean():.1%} of the option's firms have a lineage alive in the "
            f"baseline (seeds {share.min():.1%}-{share.max():.1%}); {np.nanmean(same):.1%} of "
            "those sit in the same region"
        )


if __name__ == "__main__":
    main()
