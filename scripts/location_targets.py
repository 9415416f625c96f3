"""The targets that inform the location weights, at the shipped posterior medians.

Runs the 2019-2025 history replay (scenarios/history.toml, which inherits the shipped
medians through calibrated.toml) for each seed and computes, as a calibration batch does
(:func:`abm.calibrate.check.keep_for`, the sweep's ``extract``): the statistic of every
target of calibration/targets.toml named in :data:`TARGETS`, and every elasticity of the
auxiliary location-choice model (abm/calibrate/auxiliary.py), whether or not a published
figure exists for it. Prints a markdown table: observed, its sd, the model's mean over seeds,
the sd across seeds, and z = (model mean - observed) / sd.

    .venv/bin/python scripts/location_targets.py [--seeds 1 2 3 4 5 6] [--firms 2000]
        [--write]

At 2,000 agents (12 real firms each) the model is an approximation: the auxiliary estimates'
seed spread shrinks about as one over the square root of the agents. ``--write`` puts the
table (at the defaults) between the ``location-targets`` markers of docs/calibration.md; a
slow test checks that the table there is what this script prints.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from _doc_tables import write_block

from abm.calibrate import auxiliary
from abm.calibrate.check import keep_for
from abm.calibrate.targets import Target, load_targets
from abm.run import run_scenario
from abm.scenario import load_scenario
from abm.sweep.model import extract, outputs_read

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "calibration.md"
COMMAND = "scripts/location_targets.py"
BLOCK = "location-targets"  # the markers of docs/calibration.md its table goes between
SEEDS = (1, 2, 3, 4, 5, 6)
FIRMS = 2000
TARGETS = (
    "location_incentive_elasticity",
    "ai_staff_shortage_rate_2023",
    "ai_firms_short_of_staff_2020",
    "ai_firms_short_of_staff_2023",
    "capital_share_band_1995_2021",
)


def targets() -> list[Target]:
    """The shipped targets in :data:`TARGETS`, then one auxiliary statistic per covariate
    that has no published figure (observed NaN)."""
    shipped = load_targets(ROOT / "calibration" / "targets.toml")
    chosen = [shipped.get(i) for i in TARGETS]
    used = {t.covariate for t in chosen}
    for name in auxiliary.COVARIATES:
        if name in used:
            continue
        table = {
            "observed": 0.0,
            "unit": "elasticity",
            "date": "2025-12",
            "start": "2019-01",
            "statistic": "location_logit",
            "covariate": name,
            "output": "outside_entries",
            "scope": "model",
            "uncertainty": {"sd": 1.0},
            "definition": auxiliary.COVARIATES[name].doc,
            "source": "none: no published figure read",
        }
        chosen.append(
            load_targets({"targets": {f"location_{name}_elasticity": table}}).get(
                f"location_{name}_elasticity"
            )
        )
    return chosen


def run(seed: int, firms: int, chosen: list[Target]) -> dict[str, float]:
    """Every chosen statistic of one run of the history replay."""
    scenario = load_scenario(ROOT / "scenarios" / "history.toml").with_overrides(
        {"population.firms": firms}
    )
    keep = keep_for(chosen)
    result = run_scenario(scenario, seed=seed, outputs=outputs_read(keep))
    kept = extract(result, keep)
    return {t.id: t.compute(kept.steps, kept.series, scenario.start) for t in chosen}


def table(chosen: list[Target], results: list[dict[str, float]]) -> str:
    rows = [
        "| target | statistic | observed | sd | model mean | seed sd | z |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in chosen:
        values = np.array([r[t.id] for r in results], dtype=float)
        mean, spread = float(np.nanmean(values)), float(np.nanstd(values, ddof=1))
        published = t.source != "none: no published figure read"
        what = t.covariate if t.statistic == "location_logit" else t.output
        obs = f"{t.observed:.3f}" if published else "none read"
        sd = f"{t.sd:.3f}" if published else ""
        z = f"{(mean - t.observed) / t.sd:+.1f}" if published and math.isfinite(mean) else ""
        rows.append(
            f"| `{t.id}` | {t.statistic} ({what}) | {obs} | {sd} | {mean:.3f} | {spread:.3f} "
            f"| {z} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--firms", type=int, default=FIRMS)
    parser.add_argument("--write", action="store_true", help="update docs/calibration.md")
    args = parser.parse_args()
    chosen = targets()
    results = [run(seed, args.firms, chosen) for seed in args.seeds]
    block = table(chosen, results)
    print(block)
    if args.write:
        write_block(DOC, BLOCK, COMMAND, block)


if __name__ == "__main__":
    main()
