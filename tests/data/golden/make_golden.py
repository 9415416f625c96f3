"""Write the golden outputs that tests/test_perf_equivalence.py compares against.

The golden pins the model's outputs for fixed seeds, so that speed work (which must
not change a single draw) can prove it changed nothing. The performance work was proved
against a golden from commit f490682 (before it), produced with:

    git worktree add /tmp/perf-base f490682
    cd /tmp/perf-base && /path/to/.venv/bin/python /path/to/tests/data/golden/make_golden.py OUTDIR

It was regenerated from the current tree for the credible-levers rework, again for the
2019 history start and the calibrated parameters, and again when every draw became keyed by
purpose, lineage, month and seed (abm/streams.py, issue 20: every draw changed on purpose).
Regenerate it (same command without the worktree) only when a change of the model's
behaviour is intended, and say so in the commit message.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

# How far a float of another machine may be from the golden, as a share of its column's
# largest magnitude. numpy picks its vectorised kernels for exp, log, power and sums by the
# CPU's instruction set (e.g. AVX-512 or not), and they round the last bit differently: on
# an AVX-512 machine the float columns of these runs differ from a golden made on another
# machine by at most 2e-15 of their scale (measured 2026-12-01), with every count equal. A
# changed draw or decision changes counts (compared exactly) and moves floats by far more.
ROUNDING = 1e-9

# (name, scenario file, firms, steps, seed, extra overrides): small but exercising every
# network path (metrics each step, tie decay past ``memory``, grants that queue ties)
# The baseline case replays 2019-2020; the center cases start in 2025-01 so that today's
# centers, the NACC's build-up and its grants are exercised.
FUTURE = {"scenario.start": "2025-01"}
CASES = (
    ("baseline", "baseline", 1500, 24, 3, {}),
    (
        "split_every_step",
        "nacc_split",
        1200,
        30,
        5,
        {"params.network.metrics_every": 1, **FUTURE},
    ),
    ("haenam", "nacc_haenam", 800, 40, 11, FUTURE),
)


def run_case(root: Path, case: tuple) -> tuple:
    """The (model, regions) DataFrames of one case, run from the tree at ``root``."""
    from abm.run import run_scenario
    from abm.scenario import load_scenario

    _, file, firms, steps, seed, extra = case
    scenario = load_scenario(
        root / "scenarios" / f"{file}.toml",
        {"population.firms": firms, "scenario.steps": steps, **extra},
    )
    result = run_scenario(scenario, seed=seed)
    return result.model, result.regions


def assert_matches(got: pd.DataFrame, want: pd.DataFrame, what: str) -> None:
    """``got`` has the golden's columns (columns added since are not compared) with its index
    and dtypes; integers, booleans and text exactly equal, floats to ``ROUNDING``."""
    missing = set(want.columns) - set(got.columns)
    assert not missing, f"{what}: columns gone since the golden: {sorted(missing)}"
    got = got[want.columns]
    pd.testing.assert_index_equal(got.index, want.index)
    pd.testing.assert_series_equal(got.dtypes, want.dtypes, obj=f"{what} dtypes")
    for column in want.columns:
        a, b = got[column].to_numpy(), want[column].to_numpy()
        label = f"{what}, column {column}"
        if b.dtype.kind != "f":
            np.testing.assert_array_equal(a, b, err_msg=label)
            continue
        finite = np.isfinite(b)
        scale = float(np.abs(b[finite]).max()) if finite.any() else 0.0
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=label)
        np.testing.assert_allclose(a, b, rtol=0, atol=ROUNDING * scale, err_msg=label)


def main(out: Path) -> None:
    root = Path.cwd()
    sys.path.insert(0, str(root))
    out.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        model, regions = run_case(root, case)
        model.to_parquet(out / f"{case[0]}_model.parquet")
        regions.to_parquet(out / f"{case[0]}_regions.parquet")
        print(case[0], len(model), "steps,", int(model["firms"].iloc[-1]), "firms at the end")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
