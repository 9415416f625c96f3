"""Simulation-based calibration on a reference table: every prior run is a truth once.

A calibration's generation 0 is a sample of the prior with every run's statistics (a
*reference table*). Leaving one run out, its statistics plus the targets' stated noise are
pseudo-observations generated at a known truth, and the other runs are a rejection-ABC
sample for them: the share ``accept`` nearest under the calibration's distance (each
target's z), uniformly weighted, then the regression adjustment (abm/calibrate/adjust.py),
by the same function that writes the shipped posterior (``abm.calibrate.adjust.posterior``,
with the spec's ``[method]`` settings unless ``--accept``/``--ridge`` override them).
Ranks, coverage and contraction of each unit are those of :mod:`abm.calibrate.sbc`, for both
posteriors; the R package ``abc`` calls this ``cv4abc`` (Csilléry, François and Blum 2012).
It costs no model run, so it can use hundreds of units at the shipped agent count, where the
SBC of the whole sampler (``make sbc``) affords 50 at a reduced budget.

    .venv/bin/python scripts/sbc_table.py calibration/history.toml results/calibration-history
        [--n 500] [--seed 1] [--accept A] [--ridge R] [--write]

``--write`` puts the tables between the ``sbc-table`` markers of docs/calibration.md, the
summary in calibration/sbc/table.json and the rank histograms beside it (a test checks the
docs and the summary agree).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from _doc_tables import write_block

from abm.calibrate.adjust import posterior
from abm.calibrate.sbc import (
    _rng,
    _table,
    figure,
    prior_width,
    resample,
    summarize,
    unit_statistics,
)
from abm.calibrate.smc import load_population
from abm.calibrate.spec import CalibrationSpec, load_calibration_spec
from abm.errors import ScenarioError, UserError

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "calibration.md"
SUMMARY = ROOT / "calibration" / "sbc" / "table.json"
COMMAND = "scripts/sbc_table.py"
BLOCK = "sbc-table"
DRAWS = 99
FIGURES = ("table-ranks.png", "table-ranks-rejection.png")  # adjusted, rejection


def reference(
    spec_path: Path, folder: Path
) -> tuple[CalibrationSpec, np.ndarray, np.ndarray, list]:
    """(spec, prior draws, their statistics, the fitted targets) of a calibration folder's
    generation 0, runs with a statistic missing left out."""
    spec = load_calibration_spec(spec_path)
    base = spec.base
    targets, _ = spec.targets.split(
        base.start, spec.steps, list(base.regions), list(base.districts)
    )
    pop = load_population(folder, 0, spec.keys, [t.id for t in targets])
    if pop is None:
        raise UserError(f"{folder}: no generation 0 of {spec_path} (run abm calibrate first)")
    ok = np.all(np.isfinite(pop.stats), axis=1)
    return spec, pop.params[ok], pop.stats[ok], targets


def unit(
    i: int, spec: CalibrationSpec, params: np.ndarray, stats: np.ndarray, sd: np.ndarray,
    settings: dict, seed: int,
) -> dict:  # fmt: skip
    """One left-out run: its pseudo-observations, the posterior the shipped code path
    (:func:`abm.calibrate.adjust.posterior`) gives from the other runs, plain and adjusted,
    and each parameter's SBC statistics for both."""
    observed = stats[i] + _rng(seed, (i, 2)).standard_normal(len(sd)) * sd
    rest = np.delete(np.arange(len(params)), i)
    flat = np.full(len(rest), 1.0 / len(rest))
    out = {}
    for name, how in (("parameters", "none"), ("adjusted", "linear")):
        x, weights = posterior(
            params[rest], stats[rest], flat, observed, sd, spec.prior,
            accept=settings["accept"], how=how, ridge=settings["ridge"],
        )  # fmt: skip
        idx = resample(weights, DRAWS, _rng(seed, (i, 4)))
        out[name] = {
            p.key: unit_statistics(
                params[i, j],
                x[:, j],
                weights,
                prior_width(p, bool(spec.prior.log_scaled[j])),
                x[idx, j],
                bool(spec.prior.log_scaled[j]),
            )
            for j, p in enumerate(spec.priors)
        }
    return out


def run(
    spec_path: Path, folder: Path, n: int, seed: int, accept: float | None, ridge: float | None
) -> dict:
    """The SBC's summary; ``accept`` and ``ridge`` default to the spec's ``[method]``."""
    spec, params, stats, targets = reference(spec_path, folder)
    accept = spec.method.accept if accept is None else accept
    ridge = spec.method.ridge if ridge is None else ridge
    sd = np.array([t.sd for t in targets])
    n = min(n, len(params))
    settings = {"accept": accept, "ridge": ridge}
    units = [unit(i, spec, params, stats, sd, settings, seed) for i in range(n)]
    return {
        "command": f"{COMMAND} {spec_path} results/{folder.name} --n {n} --seed {seed}"
        + ("" if accept == spec.method.accept else f" --accept {accept:g}")
        + ("" if ridge == spec.method.ridge else f" --ridge {ridge:g}"),
        "shipped": spec.method.adjust,
        "calibration": spec.name,
        "table_runs": len(params),
        "firms": int(spec.base.population.firms),
        "units": n,
        "accept": accept,
        "ridge": ridge,
        "accepted": min(len(params) - 1, max(2, math.ceil(accept * (len(params) - 1)))),
        "targets": len(targets),
        "priors": {p.key: p.describe() for p in spec.priors},
        "rejection": summarize([{"parameters": u["parameters"]} for u in units], spec.keys, DRAWS),
        "adjusted": summarize([{"parameters": u["adjusted"]} for u in units], spec.keys, DRAWS),
    }


def markdown(s: dict) -> str:
    """The section of docs/calibration.md: both posteriors' coverage tables, the shipped one
    (the spec's ``method.adjust``) named, and the rank histograms."""
    shipped = "after the regression adjustment" if s["shipped"] == "linear" else "plain rejection"
    head = (
        f"Made by `{s['command']}` (then `--write`) on the reference table of calibration "
        f"`{s['calibration']}` (its generation 0): {s['table_runs']:,} prior runs at "
        f"{s['firms']:,} firm agents, {len(s['priors'])} parameters, {s['targets']} fitted "
        f"targets. {s['units']} units; each keeps the {s['accepted']:,} other runs nearest its "
        f"pseudo-observations (`accept = {s['accept']:g}`) and adjusts them with a ridge of "
        f"{s['ridge']:g} pseudo-observations. Ranks among L = {DRAWS} posterior draws. The "
        f"shipped posterior is the one {shipped}."
    )
    lines = [head, "", "**Rejection ABC** (the nearest runs, equally weighted):", ""]
    lines += _table(s["rejection"], s["priors"])
    lines += ["", f"![SBC rank histograms, rejection](../calibration/sbc/{FIGURES[1]})", ""]
    lines += ["**After the regression adjustment** (abm/calibrate/adjust.py):", ""]
    lines += _table(s["adjusted"], s["priors"])
    lines += ["", f"![SBC rank histograms, adjusted](../calibration/sbc/{FIGURES[0]})"]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", type=Path, help="the calibration spec")
    ap.add_argument("folder", type=Path, help="a calibration folder of it (its generation 0)")
    ap.add_argument("--n", type=int, default=500, help="units (left-out runs), at most")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--accept", type=float, help="share of the other runs kept (the spec's)")
    ap.add_argument("--ridge", type=float, help="the adjustment's ridge (the spec's)")
    ap.add_argument("--write", action="store_true", help="update docs/calibration.md")
    args = ap.parse_args()
    if args.accept is not None and not 0 < args.accept <= 1:
        ap.error(f"--accept {args.accept:g}: a share of the runs, in (0, 1]")
    if args.ridge is not None and args.ridge < 0:
        ap.error(f"--ridge {args.ridge:g}: at least 0")
    try:
        summary = run(args.spec, args.folder, args.n, args.seed, args.accept, args.ridge)
    except (ScenarioError, UserError, OSError) as exc:  # a spec or folder: one line, status 2
        problems = getattr(exc, "problems", None) or [exc]
        for problem in problems:
            print(f"sbc_table: error: {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    block = markdown(summary)
    print(block)
    if args.write:
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        SUMMARY.write_text(json.dumps(summary, indent=1) + "\n")
        write_block(DOC, BLOCK, COMMAND, block)
        for key, name in zip(("adjusted", "rejection"), FIGURES, strict=True):
            what = {"parameters": summary[key]["parameters"], "full": True,
                    "calibrated": summary["units"]}  # fmt: skip
            figure(what, SUMMARY.parent / name)


if __name__ == "__main__":
    main()
