"""Posterior predictive check: fresh runs at posterior draws against every comparable target.

    python -m abm.calibrate.check calibration/history.toml results/calibration-history [--runs 40]

The calibration's own fit (``fit.json``) describes the accepted particles on the targets it
fitted. This check answers what a user of the posterior gets: ``--runs`` new runs of the
spec's scenario, each with a parameter set drawn from the posterior (by weight) and its own
seed, compared with **every** target a run can be compared with, fitted or not (the
``use = false`` ones the calibration leaves out of its distance: they show what the model
does where it was not asked to fit). Writes ``DIR/check.json`` and ``DIR/check.md`` (a
Markdown table: observed, simulated median and 90 % band, whether the observation lies in
the band widened by its own two sds); ``make calibrate`` ships both with the posterior.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from abm.calibrate.posterior import posterior_overrides
from abm.calibrate.spec import load_calibration_spec
from abm.errors import UserError
from abm.sweep.model import extract, outputs_read
from abm.sweep.spec import Metrics

CHECK_SEED = 20251231


def keep_for(targets: Any) -> Metrics:
    """The per-step series ``targets`` read, as a sweep keeps them: model columns by name,
    region and district columns as ``name.place`` (:func:`abm.sweep.model.extract`).

    The one selection of what a set of targets needs: the calibration's batch sweeps
    keep these (``Calibrator._simulate``) and the check's fresh runs extract them.
    """

    def names(scope: str) -> tuple[str, ...]:
        return tuple(
            sorted({c.split(".")[0] for t in targets if t.scope == scope for c in t.columns()})
        )

    return Metrics(
        final=(),
        regions=(),
        series=names("model"),
        region_series=names("region"),
        district_series=names("district"),
    )


def _one(spec_path: str, overrides: dict[str, Any], seed: int) -> dict[str, float]:
    from abm.run import run_scenario

    spec = load_calibration_spec(spec_path)
    targets = comparable(spec)
    keep = keep_for(targets)
    scenario = spec.base.with_overrides(overrides)
    result = run_scenario(scenario, seed=seed, steps=spec.steps, outputs=outputs_read(keep))
    kept = extract(result, keep)
    return {t.id: t.compute(kept.steps, kept.series, spec.base.start) for t in targets}


def comparable(spec: Any) -> list[Any]:
    """Targets a run of the spec can be compared with, fitted or kept for comparison."""
    regions, districts = list(spec.base.regions), list(spec.base.districts)
    return [
        t
        for t in spec.targets
        if t.unavailable(spec.base.start, spec.steps, regions, districts) is None
    ]


def check(spec_path: str | Path, folder: str | Path, runs: int = 40, workers: int = 2) -> dict:
    """Run the check and write ``check.json`` and ``check.md`` into the calibration folder."""
    folder = Path(folder)
    if not (folder / "posterior.parquet").is_file():
        raise UserError(f"{folder}: not a finished calibration (no posterior.parquet)")
    spec = load_calibration_spec(spec_path)
    draws = posterior_overrides(folder, runs, CHECK_SEED)
    seeds = [CHECK_SEED + i for i in range(runs)]
    with ProcessPoolExecutor(workers) as pool:
        jobs = [pool.submit(_one, str(spec_path), d, s) for d, s in zip(draws, seeds, strict=True)]
        values = [j.result() for j in jobs]
    rows = {}
    for t in comparable(spec):
        v = np.array([r[t.id] for r in values], dtype=float)
        v = v[np.isfinite(v)]
        med, lo, hi = (float(np.quantile(v, q)) if len(v) else math.nan for q in (0.5, 0.05, 0.95))
        inside = bool(lo - 2 * t.sd <= t.observed <= hi + 2 * t.sd) if len(v) else False
        rows[t.id] = {
            "fitted": t.use,
            "observed": t.observed,
            "sd": t.sd,
            "unit": t.unit,
            "date": t.date,
            "simulated_median": med,
            "simulated_q05": lo,
            "simulated_q95": hi,
            "z": (med - t.observed) / t.sd,
            "within": inside,
            "note": t.note,
            **({"universe": t.universe} if t.universe else {}),
        }
    out = {"runs": runs, "seed": CHECK_SEED, "spec": str(spec_path), "targets": rows}
    (folder / "check.json").write_text(json.dumps(out, indent=1, default=str) + "\n")
    (folder / "check.md").write_text(markdown(out) + "\n")
    return out


def markdown(check_result: dict) -> str:
    """The check as a Markdown table (what docs/calibration.md shows); targets of another
    universe than the model's follow in a short section of their own."""
    rows = check_result["targets"]
    lines = [
        f"Posterior predictive check: {check_result['runs']} runs, each with a posterior draw and "
        "its own seed. *Within*: the observation lies in the simulated 90 % band widened by two "
        "of its sds.",
        "",
        "| target | date | fitted | observed | simulated median [5 %, 95 %] | z | within |",
        "|---|---|---|---|---|---|---|",
    ]
    for tid, r in rows.items():
        if r.get("universe"):
            continue
        lines.append(
            f"| `{tid}` | {r['date']} | {'yes' if r['fitted'] else 'no'} | {r['observed']:.4g} | "
            f"{_band(r)} | {r['z']:+.1f} | {'yes' if r['within'] else '**no**'} |"
        )
    other = {tid: r for tid, r in rows.items() if r.get("universe")}
    if other:
        lines += [
            "",
            "Compared only: these observations count another population than the model's "
            "(`universe`, never fitted), so they show how far apart the two are, not a fit.",
            "",
            "| target | universe | date | observed | simulated median [5 %, 95 %] |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| `{tid}` | {r['universe']} | {r['date']} | {r['observed']:.4g} | {_band(r)} |"
            for tid, r in other.items()
        ]
    return "\n".join(lines)


def _band(r: dict) -> str:
    return f"{r['simulated_median']:.4g} [{r['simulated_q05']:.4g}, {r['simulated_q95']:.4g}]"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m abm.calibrate.check", description=__doc__.split("\n")[0]
    )
    p.add_argument("spec", help="the calibration spec")
    p.add_argument("dir", help="its finished results folder")
    p.add_argument("--runs", type=int, default=40)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    try:
        result = check(args.spec, args.dir, args.runs, args.workers)
    except UserError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return 2
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
