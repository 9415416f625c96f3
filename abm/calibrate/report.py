"""What a finished calibration writes: posterior.parquet, fit.json and report.html.

* ``posterior.parquet``: the last generation, one row per particle, a column per
  parameter named by its dotted key and ``weight`` (normalised). This is the format
  :func:`abm.calibrate.posterior.load_posterior` and the decision analysis read.
* ``fit.json``: per target, the observed value and its sd, and the weighted median, 5 %
  and 95 %, mean and sd of the statistic over the posterior's runs (and the 5-95 % over
  the prior's), the predictive z, whether the model reaches it, whether the target
  informs any estimated parameter (measured on the prior's runs), and, for targets left
  out, why.
* ``report.html``: one offline page with embedded PNG figures: each target's output
  over time, the posterior band against the prior band and the observation; a forest
  plot of the fit; marginal and pairwise posteriors; the targets the model cannot reach.

A target is *reached* when the observation lies inside its posterior 5-95 % band,
nothing widened (:func:`abm.calibrate.check.predictive`); *unreachable* when it lies
outside the range of every one of the prior's runs: no value of the estimated parameters
in their prior ranges produced it, so the model (or the target's mapping to an output) is
the problem, not the estimate; *not reached* otherwise. ``z_predictive`` is
:data:`abm.calibrate.check.Z_FORMULA`; ``informative`` is
:func:`abm.calibrate.check.information` over generation 0 (the prior sample).
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.calibrate import adjust
from abm.calibrate.check import (
    INFORMATION_MEANS,
    Z_FORMULA,
    Z_MEANS,
    information,
    miss_reason,
    predictive,
    wquantile,
)
from abm.calibrate.smc import GENERATIONS, MANIFEST, RUNS, load_population, write_json
from abm.calibrate.spec import CalibrationSpec
from abm.dates import add_months


def _generations(root: Path) -> list[int]:
    folder = root / GENERATIONS
    return sorted(int(p.stem.split("-")[1]) for p in folder.glob("gen-*.parquet"))


def write_outputs(root: Path, spec: CalibrationSpec) -> dict[str, Path]:
    """Write the three outputs from the generations stored in ``root``: the posterior is the
    last generation as the spec's ``[method]`` keeps and adjusts it
    (:func:`abm.calibrate.adjust.posterior`); fit.json's posterior bands are those of the
    kept runs' statistics, weighted as the posterior is (an adjusted particle's own runs do not
    exist; the strict check, :mod:`abm.calibrate.check`, reruns the model at its draws)."""
    from abm.calibrate.smc import Calibrator

    cal = Calibrator(spec, root, log=lambda m: None)
    gens = _generations(root)
    last = load_population(root, gens[-1], cal.keys, cal.ids)
    first = load_population(root, gens[0], cal.keys, cal.ids)
    assert last is not None and first is not None
    m = spec.method
    params, weights = adjust.posterior(
        last.params, last.stats, last.weights, cal.observed, cal.sd, spec.prior,
        accept=m.accept, how=m.adjust, ridge=m.ridge,
    )  # fmt: skip
    if params is not last.params:  # the posterior the spec keeps: its runs' statistics
        keep = adjust.kept(last.stats, cal.observed, cal.sd, m.accept)
        last = dataclasses.replace(
            last, params=params, weights=weights, stats=last.stats[keep],
            distances=last.distances[keep], where=[last.where[k] for k in keep],
        )  # fmt: skip
    posterior = pd.DataFrame({k: last.params[:, i] for i, k in enumerate(cal.keys)})
    posterior["weight"] = last.weights
    path = root / "posterior.parquet"
    tmp = path.with_name(".posterior.parquet.tmp")
    posterior.to_parquet(tmp, index=False)
    tmp.replace(path)
    fit = fit_table(cal, first, last)
    manifest = json.loads((root / MANIFEST).read_text())
    write_json(
        root / "fit.json",
        {
            "calibration": spec.name,
            "generation": last.t,
            "stopped": manifest.get("stopped", ""),
            "z_predictive": f"{Z_FORMULA}; {Z_MEANS}",
            "information": INFORMATION_MEANS,
            "targets": fit,
        },
    )
    report = root / "report.html"
    text = render(root, spec, cal, first, last, fit, manifest)
    tmp = report.with_name(".report.html.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(report)
    return {"posterior": path, "fit": root / "fit.json", "report": report}


def fit_table(cal: Any, first: Any, last: Any) -> dict[str, dict[str, Any]]:
    """Each target's fit (see the module's doc): the posterior generation ``last`` against
    the observation, strictly; the prior sample ``first`` for the prior band, whether the
    target is reachable at all, and how much it informs the estimated parameters."""
    out: dict[str, dict[str, Any]] = {}
    ones = np.ones(len(first.stats))
    work = cal.spec.prior.to_work(first.params)
    for j, t in enumerate(cal.targets):
        prior = first.stats[:, j]
        fit = predictive(last.stats[:, j], last.weights, t.observed, t.sd)
        plo, phi = wquantile(prior, ones, 0.05), wquantile(prior, ones, 0.95)
        seen = prior[np.isfinite(prior)]
        ever = bool(len(seen)) and bool(seen.min() <= t.observed <= seen.max())
        status = "reached" if fit["within"] else ("not reached" if ever else "unreachable")
        info = information(work, prior, t.sd, cal.keys)
        out[t.id] = {
            "status": status,
            "observed": t.observed,
            "sd": t.sd,
            "unit": t.unit,
            "date": t.date,
            "statistic": t.statistic,
            "output": t.output,
            "where": t.where,
            **fit,
            "prior_q05": plo,
            "prior_q95": phi,
            # the earlier z, kept for old readers: (posterior median - observed) / sd
            "z": (fit["simulated_median"] - t.observed) / t.sd if t.sd > 0 else math.nan,
            "informative": None if info is None else info["informative"],
            "information": info,
            "note": t.note,
            "source": t.source,
        }
    for tid, why in cal.skipped.items():
        t = cal.spec.targets.get(tid)
        out[tid] = {
            "status": "skipped",
            "reason": why,
            "observed": t.observed,
            "sd": t.sd,
            "unit": t.unit,
            "date": t.date,
            "statistic": t.statistic,
            "output": t.output,
            "where": t.where,
            "source": t.source,
        }
    return out


# ----------------------------------------------------------------------------- figures


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _series(root: Path, pop: Any, columns: list[str]) -> pd.DataFrame:
    """Per-step series of a population's accepted runs, with a column ``particle``."""
    from abm.sweep.store import load_series

    frames = []
    by_batch: dict[int, list[tuple[int, int]]] = {}
    for k, (b, r) in enumerate(pop.where):
        by_batch.setdefault(b, []).append((k, r))
    for b, members in by_batch.items():
        folder = root / RUNS / f"g{pop.t:02d}-b{b:02d}"
        s = load_series(folder, columns)
        wanted = {r: k for k, r in members}
        s = s[s["run_id"].isin(wanted)].copy()
        s["particle"] = s["run_id"].map(wanted)
        frames.append(s)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _band(frame: pd.DataFrame, column: str, weights: np.ndarray) -> pd.DataFrame:
    rows = []
    for step, g in frame.groupby("step"):
        w = weights[g["particle"].to_numpy()]
        x = g[column].to_numpy(dtype=float)
        rows.append((step, wquantile(x, w, 0.05), wquantile(x, w, 0.5), wquantile(x, w, 0.95)))
    return pd.DataFrame(rows, columns=["step", "q05", "q50", "q95"])


def fig_targets(root: Path, cal: Any, first: Any, last: Any) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = sorted({t.column for t in cal.targets})
    if not columns:
        return None
    post = _series(root, last, columns)
    prior = _series(root, first, columns)
    start = cal.spec.base.start
    n = len(cal.targets)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.0 * rows), squeeze=False)
    flat = axes.ravel()
    for ax, t in zip(flat, cal.targets, strict=False):
        for frame, weights, colour, label in (
            (prior, np.ones(len(first.weights)), "#bbbbbb", "prior 5-95 %"),
            (post, last.weights, "#1f77b4", "posterior 5-95 %"),
        ):
            if frame.empty:
                continue
            band = _band(frame, t.column, weights)
            x = [add_months(start, int(s) - 1) for s in band["step"]]
            ax.fill_between(x, band["q05"], band["q95"], color=colour, alpha=0.45, label=label)
            ax.plot(x, band["q50"], color=colour, lw=1.2)
        first_m, last_m = t.window()
        if t.statistic == "value":
            ax.errorbar(
                [last_m],
                [t.observed],
                yerr=[2 * t.sd],
                fmt="o",
                color="#d62728",
                capsize=3,
                label="observed +/- 2 sd",
            )
        else:
            ax.axvspan(first_m, last_m, color="#d62728", alpha=0.08, label=f"{t.statistic} window")
        ax.set_title(f"{t.id}\n{t.output} ({t.where})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in flat[n:]:
        ax.axis("off")
    flat[0].legend(fontsize=6, loc="best")
    fig.tight_layout()
    return _png(fig)


def fig_forest(cal: Any, fit: dict[str, Any]) -> str | None:
    import matplotlib.pyplot as plt

    used = [t for t in cal.targets]
    if not used:
        return None
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(used) + 1.2))
    for i, t in enumerate(used):
        f = fit[t.id]
        for lo, hi, colour, dy in (
            (f["prior_q05"], f["prior_q95"], "#bbbbbb", 0.15),
            (f["simulated_q05"], f["simulated_q95"], "#1f77b4", -0.15),
        ):
            z = [(lo - t.observed) / t.sd, (hi - t.observed) / t.sd]
            ax.plot(z, [i + dy, i + dy], color=colour, lw=4, solid_capstyle="butt")
        ax.plot([(f["simulated_median"] - t.observed) / t.sd], [i - 0.15], "k|", ms=9)
    ax.axvline(0, color="#d62728", lw=1)
    ax.set_yticks(range(len(used)), [t.id for t in used], fontsize=7)
    ax.set_xlabel(
        "(simulated - observed) / sd: grey prior, blue posterior 5-95 %; "
        "reached when the blue bar crosses the red line (the observation)"
    )
    ax.set_xscale("symlog", linthresh=3)
    ax.invert_yaxis()
    fig.tight_layout()
    return _png(fig)


def fig_marginals(cal: Any, last: Any) -> str:
    import matplotlib.pyplot as plt

    d = len(cal.keys)
    cols = min(4, d)
    rows = math.ceil(d / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
    flat = axes.ravel()
    for i, (ax, prior) in enumerate(zip(flat, cal.spec.priors, strict=False)):
        x = last.params[:, i]
        lo, hi = prior.bounds
        q = prior.quantiles([0.001, 0.999])
        lo = lo if math.isfinite(lo) else q[0]
        hi = hi if math.isfinite(hi) else q[1]
        ax.hist(
            x,
            bins=20,
            range=(lo, hi),
            weights=last.weights,
            density=True,
            color="#1f77b4",
            alpha=0.7,
            label="posterior",
        )
        grid = np.linspace(lo, hi, 200)
        ax.plot(grid, prior.pdf(grid), color="#777777", lw=1, label="prior")
        ax.set_title(prior.key, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in flat[d:]:
        ax.axis("off")
    flat[0].legend(fontsize=6)
    fig.tight_layout()
    return _png(fig)


def fig_pairs(cal: Any, last: Any) -> str | None:
    import matplotlib.pyplot as plt

    d = len(cal.keys)
    if d < 2:
        return None
    fig, axes = plt.subplots(d, d, figsize=(1.9 * d + 1, 1.9 * d + 1), squeeze=False)
    size = 4 + 60 * last.weights / last.weights.max()
    short = [k.rsplit(".", 1)[-1] for k in cal.keys]
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            ax.tick_params(labelsize=5)
            if i == j:
                ax.hist(last.params[:, i], bins=15, weights=last.weights, color="#1f77b4")
            elif i > j:
                ax.scatter(
                    last.params[:, j],
                    last.params[:, i],
                    s=size,
                    alpha=0.4,
                    color="#1f77b4",
                    linewidths=0,
                )
            else:
                r = np.corrcoef(last.params[:, j], last.params[:, i])[0, 1]
                ax.text(
                    0.5,
                    0.5,
                    f"r = {r:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    transform=ax.transAxes,
                )
                ax.set_xticks([])
                ax.set_yticks([])
            if i == d - 1:
                ax.set_xlabel(short[j], fontsize=6)
            if j == 0:
                ax.set_ylabel(short[i], fontsize=6)
    fig.tight_layout()
    return _png(fig)


# ----------------------------------------------------------------------------- page


def _information(f: dict) -> str:
    """A target's information, for the report's tables: the contraction it could give and
    the parameter it reads most, or 'none' when it informs none."""
    info = f.get("information")
    if not info:
        return "-"
    if not info["informative"]:
        return f"none ({info['contraction']:.2f})"
    return f"{info['contraction']:.2f} ({info.get('informs') or '-'})"


def _fmt(x: Any) -> str:
    if isinstance(x, float | int) and not isinstance(x, bool):
        if not math.isfinite(x):
            return "-"
        return f"{x:.4g}"
    return html.escape(str(x))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{th}</tr>{body}</table>"


def render(
    root: Path, spec: CalibrationSpec, cal: Any, first: Any, last: Any, fit: dict, manifest: dict
) -> str:
    params_rows = []
    for i, p in enumerate(spec.priors):
        x = last.params[:, i]
        params_rows.append(
            [
                p.key,
                p.describe(),
                wquantile(x, last.weights, 0.5),
                wquantile(x, last.weights, 0.05),
                wquantile(x, last.weights, 0.95),
            ]
        )
    fitted = {tid: f for tid, f in fit.items() if f["status"] != "skipped"}
    fit_rows = [
        [
            tid,
            f["status"],
            f["observed"],
            f["sd"],
            f.get("simulated_median", math.nan),
            f.get("simulated_q05", math.nan),
            f.get("simulated_q95", math.nan),
            f.get("z_predictive", math.nan),
            _information(f),
            f["unit"],
            f"{f['statistic']} of {f['output']} ({f['where']}) to {f['date']}",
        ]
        for tid, f in fitted.items()
    ]
    flagged = [
        [
            tid,
            f["status"],
            f["observed"],
            f.get("simulated_q05"),
            f.get("simulated_q95"),
            f.get("z_predictive", math.nan),
            f.get("prior_q05"),
            f.get("prior_q95"),
            miss_reason(f),
        ]
        for tid, f in fitted.items()
        if f["status"] in ("not reached", "unreachable")
    ]
    blind = [[tid, _information(f)] for tid, f in fitted.items() if f.get("informative") is False]
    skipped = [[tid, f["reason"]] for tid, f in fit.items() if f["status"] == "skipped"]
    gens = []
    for t in _generations(root):
        meta = json.loads((root / GENERATIONS / f"gen-{t:02d}.json").read_text())
        gens.append(
            [
                t,
                meta["epsilon"],
                meta["proposed"],
                meta["acceptance_rate"],
                meta["ess"],
                meta["runs"],
                meta["failed"],
            ]
        )
    figures = [
        (
            "Targets over time: posterior band against the prior band and the observation",
            fig_targets(root, cal, first, last),
        ),
        ("Fit of every target, in units of its stated uncertainty", fig_forest(cal, fit)),
        ("Marginal posteriors (bars) and priors (lines)", fig_marginals(cal, last)),
        ("Pairwise posteriors (point size = weight)", fig_pairs(cal, last)),
    ]
    parts = [
        f"<h1>Calibration {html.escape(spec.name)}</h1>",
        f"<p>ABC-SMC (pyabc 0.13's kernel, tolerance and distance), {len(spec.priors)} parameters, "
        f"{len(cal.targets)} targets fitted, {len(cal.skipped)} left out; "
        f"{manifest.get('runs', 0)} model runs in {len(gens)} generations of "
        f"{spec.method.particles} particles; scenario {html.escape(spec.base.name)} "
        f"from {spec.base.start:%Y-%m}, {spec.steps} months, seed {spec.seed}. "
        f"Stopped: {html.escape(str(manifest.get('stopped', '')))}.</p>",
        f"<p>A target is <em>reached</em> when its observation lies inside the posterior 5-95 % "
        "band of its statistic, nothing widened; <em>unreachable</em> when it lies outside the "
        "range of every run at the prior's draws. <em>z</em> is the predictive z, "
        f"{html.escape(Z_FORMULA)} ({html.escape(Z_MEANS)}). <em>Informs</em>: "
        f"{html.escape(INFORMATION_MEANS)}.</p>",
        "<h2>Misses: fitted targets outside their posterior band</h2>",
        _table(
            [
                "target",
                "status",
                "observed",
                "5 %",
                "95 %",
                "z",
                "prior 5 %",
                "prior 95 %",
                "reason (targets file)",
            ],
            flagged,
        )
        if flagged
        else "<p>None: every fitted target's observation lies inside its posterior band.</p>",
        "<h2>Targets that inform no estimated parameter</h2>",
        _table(["target", "information (share it could narrow the parameters)"], blind)
        if blind
        else "<p>None: every fitted target informs at least one estimated parameter.</p>",
        "<h2>Posterior of the parameters</h2>",
        _table(["parameter", "prior", "median", "5 %", "95 %"], params_rows),
        "<h2>Fit</h2>",
        _table(
            [
                "target",
                "status",
                "observed",
                "sd",
                "median",
                "5 %",
                "95 %",
                "z",
                "informs",
                "unit",
                "statistic",
            ],
            fit_rows,
        ),
        "<h2>Targets left out, and why</h2>",
        _table(["target", "reason"], skipped) if skipped else "<p>None.</p>",
        "<h2>Generations</h2>",
        _table(["t", "tolerance", "proposed", "acceptance", "ESS", "runs", "failed"], gens),
    ]
    for title, data in figures:
        if data:
            parts.append(
                f"<h2>{html.escape(title)}</h2><img src='{data}' alt='{html.escape(title)}'>"
            )
    style = (
        "body{font-family:sans-serif;max-width:1200px;margin:2em auto;font-size:14px}"
        "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;"
        "padding:2px 6px;font-size:12px;text-align:left}img{max-width:100%}"
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Calibration {html.escape(spec.name)}</title><style>{style}</style></head>"
        f"<body>{''.join(parts)}</body></html>\n"
    )
