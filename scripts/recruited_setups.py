"""Gwangju's recruited set-ups in the replay against the calibration targets (docs/ODD.md 8.7.1).

Runs the replay to 2021-07 for some seeds and sums the region output ``inbound`` (relocations in
plus branches opened) from 2019-10 to each target's date, as ``abm/calibrate/targets.py``
measures the ``gwangju_realised_*`` targets, and prints the mean over seeds, its standard error
and its distance from the observation in the target's sds.

    python scripts/recruited_setups.py scenarios/history.toml --seeds 20 --firms 24000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from abm.calibrate.targets import load_targets
from abm.errors import UserError, one_line
from abm.model import RegionalModel
from abm.scenario import load_scenario

TARGETS = Path(__file__).resolve().parent.parent / "calibration" / "targets.toml"
IDS = ("gwangju_realised_2020_07", "gwangju_realised_2020_11", "gwangju_realised_2021_07")


def cumulative_inbound(scenario_path: str, firms: int, seed: int, dates: list[str]) -> list[float]:
    """Gwangju's inbound firms (real) summed from 2019-10 through each of ``dates``."""
    scenario = load_scenario(scenario_path, {"population.firms": firms, "scenario.steps": 31})
    model = RegionalModel(scenario, rng=seed)
    while model.running:
        model.step()
    regions = model.history()[1]
    here = regions[regions.region == "gwangju"]
    month = here.date.astype(str).str[:7]
    return [float(here.inbound[(month >= "2019-10") & (month <= d)].sum()) for d in dates]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--firms", type=int, default=2000)
    args = parser.parse_args(argv)
    try:
        targets = [load_targets(TARGETS).get(i) for i in IDS]
        dates = [str(t.date)[:7] for t in targets]
        runs = np.array(
            [
                cumulative_inbound(args.scenario, args.firms, s, dates)
                for s in range(1, args.seeds + 1)
            ]
        )
    except UserError as e:
        print(one_line(str(e)), file=sys.stderr)
        return 2
    print(f"{args.firms} agents, seeds 1-{args.seeds}")
    for j, t in enumerate(targets):
        mean, se = runs[:, j].mean(), runs[:, j].std(ddof=1) / np.sqrt(len(runs))
        z = (mean - t.observed) / t.sd
        print(
            f"{t.id}: observed {t.observed:g} (sd {t.sd:g}), "
            f"model {mean:.1f} (se {se:.1f}), z {z:+.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
