"""Posterior predictive check: fresh runs at posterior draws against every comparable target.

    python -m abm.calibrate.check calibration/history.toml results/calibration-history [--runs 40]

The calibration's own fit (``fit.json``) describes the accepted particles on the targets it
fitted. This check answers what a user of the posterior gets: ``--runs`` new runs of the
spec's scenario, each with a parameter set drawn from the posterior (by weight) and its own
seed, compared with **every** target a run can be compared with, fitted or not (the
``use = false`` ones the calibration leaves out of its distance: they show what the model
does where it was not asked to fit). Writes ``DIR/check.json`` and ``DIR/check.md`` (a
Markdown table: observed, simulated median and 90 % band, the predictive z, whether the
observation lies in the band, whether the target informs any estimated parameter, and the
misses with their z and the note the targets file gives); ``make calibrate`` ships both
with the posterior. Run on the shipped sample itself it also rewrites the table
docs/calibration.md shows::

    python -m abm.calibrate.check calibration/history.toml calibration/posterior --runs 40

The rules of a strict fit, which the calibration's own ``fit.json`` follows too
(:mod:`abm.calibrate.report`):

* *within* (``fit.json``: *reached*): the observation lies inside the simulated 5-95 %
  band of the statistic, nothing widened. A band widened by the observation's sds let a
  miss of z = +10.8 count as within.
* ``z_predictive`` = (observed - predictive mean) / sqrt(predictive sd² + observation sd²):
  the standard posterior predictive z, whose spread is the runs' (parameters and seeds)
  combined with the observation's stated uncertainty (:data:`Z_FORMULA`).
* *informative*: :func:`information`, from runs at draws of the prior.
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

from abm.calibrate.abc import weighted_quantile
from abm.calibrate.posterior import SHIPPED, posterior_overrides
from abm.calibrate.spec import load_calibration_spec
from abm.errors import UserError
from abm.sweep.model import extract, outputs_read
from abm.sweep.spec import Metrics

CHECK_SEED = 20251231
PRIOR_RUNS = 100  # the check's prior-predictive runs (the information measure)
Z_FORMULA = "z = (observed - mean) / sqrt(sd_sim² + sd_obs²)"
Z_MEANS = (
    "mean and sd_sim: the weighted mean and standard deviation of the statistic over the "
    "simulated runs; sd_obs: the observation's stated uncertainty (one sd)"
)
MIN_CONTRACTION = 0.1  # below it a target is flagged as informing no estimated parameter
INFORMATION_MEANS = (
    "the share by which this target alone could narrow the estimated parameters it reads "
    "(1 - 1/sqrt(1 + r²), r = the spread of the statistic the parameters explain over the "
    "prior's runs / sqrt(the spread they leave + sd_obs²)); below "
    f"{MIN_CONTRACTION:g} the target is flagged as informing no estimated parameter"
)


def wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Weighted quantile (pyabc's definition: :func:`abm.calibrate.abc.weighted_quantile`)."""
    keep = np.isfinite(x)
    if not keep.any():
        return math.nan
    ww = w[keep] / w[keep].sum()
    return weighted_quantile(x[keep], ww, q)


def wmoments(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean and standard deviation of the finite values (nan, nan if none)."""
    keep = np.isfinite(x)
    if not keep.any():
        return math.nan, math.nan
    ww = w[keep] / w[keep].sum()
    mean = float(np.sum(ww * x[keep]))
    return mean, float(math.sqrt(np.sum(ww * (x[keep] - mean) ** 2)))


def predictive(values: np.ndarray, weights: np.ndarray, observed: float, sd: float) -> dict:
    """One target's posterior predictive summary: the runs' band, mean and sd, the strict
    ``within`` and the predictive z (:data:`Z_FORMULA`).

    ``within`` asks only whether the observation lies in the simulated 5-95 % band: the
    observation's uncertainty enters the z, never the band.
    """
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    med, lo, hi = (wquantile(values, weights, q) for q in (0.5, 0.05, 0.95))
    mean, spread = wmoments(values, weights)
    scale = math.sqrt(spread**2 + sd**2) if math.isfinite(sd) else spread
    z = (observed - mean) / scale if scale > 0 else math.nan
    return {
        "simulated_median": med,
        "simulated_q05": lo,
        "simulated_q95": hi,
        "simulated_mean": mean,
        "simulated_sd": spread,
        "z_predictive": z,
        "within": bool(lo <= observed <= hi),
    }


def information(
    params: np.ndarray, stat: np.ndarray, sd: float, keys: list[str]
) -> dict[str, Any] | None:
    """How much a target can tell about the estimated parameters, from runs at prior draws.

    ``params`` (n x d, the prior's working space: logs of log-scaled parameters) and the
    statistic of each run. A least-squares fit of the statistic on the parameters (and
    their squares when n allows: a U-shaped effect counts too) splits its spread over the
    prior into what the parameters explain (adjusted R², so noise is not counted as
    signal) and what they leave (seeds, interactions). In the linear-Gaussian case a target
    whose statistic moves by ``explained`` over the prior, observed with ``sd_obs`` and run
    with ``left`` noise, narrows the standard deviation of the parameter combination it
    reads by ``1 - 1/sqrt(1 + r²)``, r = explained / sqrt(left² + sd_obs²): that is
    ``contraction``. A target below :data:`MIN_CONTRACTION` is flagged ``informative =
    False``: whatever its fit, it cannot tell the estimated parameters apart.
    ``informs``: the parameter whose own (quadratic) fit explains most (None for a target
    that informs none). Returns None when there are too few finite runs to tell.
    """
    stat = np.asarray(stat, dtype=float)
    keep = np.isfinite(stat) & np.all(np.isfinite(params), axis=1)
    x, y = np.asarray(params, dtype=float)[keep], stat[keep]
    n, d = x.shape
    if d == 0 or n < d + 4:
        return None
    total = float(np.var(y, ddof=1))
    if total == 0.0:
        r2 = 0.0
        by_key = [0.0] * d
    else:
        r2 = _adjusted_r2(x, y)
        by_key = [_adjusted_r2(x[:, [j]], y) for j in range(d)]
    explained = max(r2, 0.0) * total
    left = total - explained
    noise = left + (sd**2 if math.isfinite(sd) else 0.0)
    ratio = explained / noise if noise > 0 else (math.inf if explained > 0 else 0.0)
    contraction = 1.0 - 1.0 / math.sqrt(1.0 + ratio)
    best = int(np.argmax(by_key))
    informative = bool(contraction >= MIN_CONTRACTION)
    return {
        "contraction": contraction,
        "explained_sd": math.sqrt(explained),
        "left_sd": math.sqrt(left),
        "r2": max(r2, 0.0),
        "informs": keys[best] if informative and by_key[best] > 0 else None,
        "runs": int(n),
        "informative": informative,
    }


def _adjusted_r2(x: np.ndarray, y: np.ndarray) -> float:
    """Adjusted R² of y on x (and x², when there are 5 runs per column for it)."""
    n, d = x.shape
    scaled = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    cols = [scaled, scaled**2] if n >= 5 * (2 * d + 1) else [scaled]
    design = np.column_stack([np.ones(n), *cols])
    k = design.shape[1] - 1
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    ss = float(np.sum((y - y.mean()) ** 2))
    if ss == 0.0 or n - k - 1 <= 0:
        return 0.0
    return 1.0 - (float(np.sum(resid**2)) / (n - k - 1)) / (ss / (n - 1))


def keep_for(targets: Any) -> Metrics:
    """The per-step series ``targets`` read, as a sweep keeps them: model columns by name,
    region and district columns as ``name.place`` (:func:`abm.sweep.model.extract`).

    The one selection of what a set of targets needs: the calibration's batch sweeps
    keep these (``Calibrator._simulate``) and the check's fresh runs extract them.
    """

    def names(scope: str) -> tuple[str, ...]:
        read = {c.split(".")[0] for t in targets if t.scope == scope for c in t.columns()}
        if scope == "region":  # the auxiliary model reads its outputs at every region
            read |= {name for t in targets for name in t.region_outputs}
        return tuple(sorted(read))

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


def check(
    spec_path: str | Path,
    folder: str | Path,
    runs: int = 40,
    workers: int = 2,
    prior_runs: int | None = None,
) -> dict:
    """Run the check and write ``check.json`` and ``check.md`` into the calibration folder.

    ``runs`` runs at posterior draws give each target's predictive band, mean, sd and z;
    ``prior_runs`` (default: ``runs``) runs at draws of the spec's prior give its
    :func:`information`. Each run has its own seed.
    """
    folder = Path(folder)
    if not (folder / "posterior.parquet").is_file():
        raise UserError(f"{folder}: not a finished calibration (no posterior.parquet)")
    spec = load_calibration_spec(spec_path)
    prior_runs = runs if prior_runs is None else prior_runs
    draws = posterior_overrides(folder, runs, CHECK_SEED)
    theta = spec.prior.sample(prior_runs, np.random.default_rng([CHECK_SEED, 1]))
    prior_draws = [dict(zip(spec.keys, map(float, row), strict=True)) for row in theta]
    seeds = [CHECK_SEED + i for i in range(runs + prior_runs)]
    with ProcessPoolExecutor(workers) as pool:
        jobs = [
            pool.submit(_one, str(spec_path), d, s)
            for d, s in zip(draws + prior_draws, seeds, strict=True)
        ]
        every = [j.result() for j in jobs]
    values, prior_values = every[:runs], every[runs:]
    work = spec.prior.to_work(theta) if prior_runs else np.zeros((0, len(spec.keys)))
    rows = {}
    for t in comparable(spec):
        v = np.array([r[t.id] for r in values], dtype=float)
        fit = predictive(v, np.ones(len(v)), t.observed, t.sd)
        stat = np.array([r[t.id] for r in prior_values], dtype=float)
        info = information(work, stat, t.sd, spec.keys)
        rows[t.id] = {
            "fitted": t.use,
            "observed": t.observed,
            "sd": t.sd,
            "unit": t.unit,
            "date": t.date,
            **fit,
            # the earlier z: (simulated median - observed) / the observation's sd
            "z": (fit["simulated_median"] - t.observed) / t.sd,
            "informative": None if info is None else info["informative"],
            "information": info,
            "note": t.note,
            **({"universe": t.universe} if t.universe else {}),
        }
    out = {
        "runs": runs,
        "prior_runs": prior_runs,
        "seed": CHECK_SEED,
        "spec": str(spec_path),
        "z": f"{Z_FORMULA}; {Z_MEANS}",
        "information": INFORMATION_MEANS,
        "targets": rows,
    }
    (folder / "check.json").write_text(json.dumps(out, indent=1, default=str) + "\n")
    (folder / "check.md").write_text(markdown(out) + "\n")
    return out


def markdown(check_result: dict) -> str:
    """The check as a Markdown table (what docs/calibration.md shows), then the misses with
    their z and the note the targets file gives; targets of another universe than the
    model's follow in a short section of their own."""
    rows = check_result["targets"]
    prior = check_result.get("prior_runs")
    lines = [
        f"Posterior predictive check: {check_result['runs']} runs, each with a posterior draw and "
        "its own seed"
        + (f"; information from {prior} runs at draws of the prior." if prior else ".")
        + " *Within*: the observation lies inside the simulated 5-95 % band, nothing widened. "
        f"*z*: the predictive z, {Z_FORMULA} ({Z_MEANS}). *Informs*: {INFORMATION_MEANS}; "
        "**none** marks such a target.",
        "",
        "| target | date | fitted | observed | simulated median [5 %, 95 %] | z | within "
        "| informs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    ours = {tid: r for tid, r in rows.items() if not r.get("universe")}
    for tid, r in ours.items():
        lines.append(
            f"| `{tid}` | {r['date']} | {'yes' if r['fitted'] else 'no'} | {r['observed']:.4g} | "
            f"{_band(r)} | {_z(r)} | {'yes' if r['within'] else '**no**'} | {_informs(r)} |"
        )
    for fitted, title in (
        (True, "Misses of fitted targets"),
        (False, "Misses of targets compared only"),
    ):
        missed = {t: r for t, r in ours.items() if bool(r["fitted"]) == fitted and not r["within"]}
        if missed:
            lines += ["", f"{title} (z; the reason calibration/targets.toml gives):", ""]
            lines += [f"* `{tid}`: z {_z(r)}; {miss_reason(r)}" for tid, r in missed.items()]
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


def miss_reason(r: dict) -> str:
    """Why a target misses: the note the targets file gives, and whether any estimated
    parameter could have moved it (a target that informs none misses through the model's
    fixed parts, whatever the estimate)."""
    reason = r.get("note") or "no reason given in the targets file"
    if r.get("informative") is False:
        reason += " (it informs no estimated parameter: the fit could not move it)"
    return reason


def _z(r: dict) -> str:
    z = r.get("z_predictive", math.nan)
    return f"{z:+.1f}" if math.isfinite(z) else "-"


def _informs(r: dict) -> str:
    info = r.get("information")
    if not info:
        return "-"
    name = ".".join((info.get("informs") or "").split(".")[-2:])
    if not info["informative"]:
        return f"**none** ({info['contraction']:.2f})"
    return f"{info['contraction']:.2f} ({name})"


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
    p.add_argument(
        "--prior-runs",
        type=int,
        default=PRIOR_RUNS,
        help="runs at prior draws, for the information measure",
    )
    args = p.parse_args(argv)
    for flag, value, least in (("--runs", args.runs, 1), ("--prior-runs", args.prior_runs, 0)):
        if value < least:
            print(
                f"abm: error: {flag} {value}: expected a whole number >= {least}", file=sys.stderr
            )
            return 2
    try:
        result = check(args.spec, args.dir, args.runs, args.workers, args.prior_runs)
    except UserError as exc:
        print(f"abm: error: {exc}", file=sys.stderr)
        return 2
    print(markdown(result))
    if Path(args.dir).resolve() == SHIPPED.resolve():  # the shipped sample: docs show it
        from abm.calibrate.ship import CHECK_BEGIN, CHECK_END, ODD, write_table

        doc = ODD.with_name("calibration.md")
        if write_table(doc, markdown(result), CHECK_BEGIN, CHECK_END):
            print(f"wrote {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
