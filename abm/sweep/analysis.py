"""Statistics of a finished (or partly finished) sweep folder.

* Bands: for each *setting* (a combination of the compared list values, and
  for grid designs also of the range values) the mean, median and the 5-95 %
  band of every kept metric over its runs: over replications, and for sampled
  designs also over the sampled behavioural parameters, which is the
  uncertainty the band is meant to show.
* Sensitivity (Sobol and Morris designs): SALib's indices with 95 % confidence
  intervals, per setting and metric, on the mean over replications of each
  design point (so seed noise does not masquerade as parameter influence).

Only runs with status "ok" enter the statistics; failures are counted.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from abm.errors import UserError
from abm.sweep.store import DESIGN, SPEC_JSON, load_results, load_series, read_manifest

if TYPE_CHECKING:
    from abm.outputs import Output

BAND = (0.05, 0.95)
# The sweep models that run the project's model: their metrics are its declared outputs
# (abm/outputs.py), whose labels, units and formats the tables show.
PROJECT_MODELS = ("abm", "abm.calibrate.simmodel", "abm.calibrate.posterior_model")
# What a policy reader looks at first, when the spec does not list its own metrics.
KEY_METRICS = (
    "hhi",
    "capital_share",
    "firms",
    "innovations_cum",
    "gpu_utilisation",
    "inter_edge_share",
    "crowding_in",
    "public_spending_cum",
)


@dataclass
class SweepAnalysis:
    root: Path
    manifest: dict[str, Any]
    spec: dict[str, Any]
    runs: pd.DataFrame  # every recorded run, with a "label" column naming its setting
    group_cols: list[str]
    metrics: list[str]
    headline: list[str]  # metrics that are not per-region
    region_families: dict[str, list[str]]  # e.g. {"firm_share": ["firm_share.daegu", ...]}
    bands: pd.DataFrame  # setting label, metric, n, mean, p5, median, p95
    sensitivity: pd.DataFrame | None = None
    series_bands: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(self.ok["label"]))

    @property
    def method(self) -> str:
        return str(self.spec["design"]["method"])

    def short(self, key: str) -> str:
        return short_names(self.spec_keys())[key] if key in self.spec_keys() else key

    def output(self, metric: str) -> Output | None:
        """The declaration of a kept metric (``name``, or ``name.place`` for a region or
        district output) when the sweep ran the project's model; None otherwise."""
        if self.spec.get("model", "abm") not in PROJECT_MODELS:
            return None
        from abm import outputs

        name, dot, _ = metric.partition(".")
        scopes = (outputs.REGION, outputs.DISTRICT) if dot else (outputs.MODEL,)
        found = (outputs.find(name, scope) for scope in scopes)
        return next((o for o in found if o is not None), None)

    def heading(self, metric: str) -> str:
        """A metric as a table names it: its name (as specs write it), with its declared
        label and unit where it has a declaration."""
        o = self.output(metric)
        return metric if o is None else f"{metric}: {o.heading()}"

    def show(self, metric: str, value: Any) -> str:
        """A value of ``metric`` in its declared format (shares in %, won in 억원 as
        the heading says), else with four significant digits."""
        o = self.output(metric)
        if o is None:
            return fmt_value(value)
        return o.format(value)

    def spec_keys(self) -> list[str]:
        return list(self.spec["parameters"])

    def numeric_params(self) -> list[str]:
        """Varied parameters with numeric values (candidates for an x axis)."""
        out = []
        for key, p in self.spec["parameters"].items():
            if p["kind"] == "range" or (
                p["kind"] == "levels"
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p["values"])
                and len(p["values"]) > 2
            ):
                out.append(key)
        return out


def short_names(keys: list[str]) -> dict[str, str]:
    """Last dotted segment of each key, unless two keys share it."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last, strict=True)}


def fmt_value(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.4g}"
    return str(value)


def _band_stats(frame: pd.DataFrame, by: str | list[str], metrics: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(by, sort=False, observed=True)[metrics]
    parts = {
        "n": grouped.count(),
        "mean": grouped.mean(),
        "p5": grouped.quantile(BAND[0]),
        "median": grouped.median(),
        "p95": grouped.quantile(BAND[1]),
    }
    long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
    long.index = long.index.set_names([*([by] if isinstance(by, str) else by), "metric"])
    long["n"] = long["n"].astype(int)
    return long.reset_index()


def analyze(root: str | Path) -> SweepAnalysis:
    """Read a sweep folder and compute bands (and sensitivity indices if the design has them)."""
    root = Path(root)
    manifest = read_manifest(root)
    if manifest is None:
        raise UserError(f"{root}: not a sweep folder (no manifest.json); give the sweep's --out")
    try:
        spec = json.loads((root / SPEC_JSON).read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"{root / SPEC_JSON}: unreadable ({exc})") from None
    columns = manifest.get("columns") or {}
    metrics = list(columns.get("metrics", []))
    runs = load_results(root)
    if runs.empty or "status" not in runs:
        raise UserError(f"{root}: no runs recorded yet")
    params = spec["parameters"]
    levels = [k for k, p in params.items() if p["kind"] == "levels"]
    ranges = [k for k, p in params.items() if p["kind"] == "range"]
    group_cols = levels + (ranges if spec["design"]["method"] == "grid" else [])
    names = short_names(list(params))
    if group_cols:
        runs["label"] = [
            ", ".join(f"{names[k]}={fmt_value(v)}" for k, v in zip(group_cols, row, strict=True))
            for row in runs[group_cols].itertuples(index=False)
        ]
    else:
        runs["label"] = "all runs"
    regions: dict[str, list[str]] = {}
    for m in metrics:
        if "." in m:
            regions.setdefault(m.split(".", 1)[0], []).append(m)
    plain = [m for m in metrics if "." not in m]
    if spec["metrics"]["final"] is not None:
        headline = [m for m in spec["metrics"]["final"] if m in plain]
    else:
        headline = [m for m in KEY_METRICS if m in plain] or plain[:8]
    ok = runs[runs["status"] == "ok"]
    notes = []
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        top = failed["error"].fillna("").str.slice(0, 120).value_counts().head(3)
        notes.append(
            f"{len(failed)} of {len(runs)} runs failed or timed out and are left out; "
            + "; ".join(f"{n}x {msg}" for msg, n in top.items())
        )
    if manifest.get("runs_done", len(runs)) < manifest.get("runs_total", len(runs)):
        notes.append(
            f"the sweep is unfinished: {len(runs)} of {manifest['runs_total']} runs recorded"
        )
    bands = (
        _band_stats(ok, "label", metrics).rename(columns={"label": "setting"})
        if len(ok) and metrics
        else pd.DataFrame(columns=["setting", "metric", "n", "mean", "p5", "median", "p95"])
    )
    analysis = SweepAnalysis(
        root, manifest, spec, runs, group_cols, metrics, headline, regions, bands, notes=notes
    )
    if analysis.method in ("sobol", "morris") and len(ok):
        analysis.sensitivity = _sensitivity(analysis, ranges)
    analysis.series_bands = _series_bands(analysis, columns.get("series", []))
    return analysis


def _sensitivity(a: SweepAnalysis, ranges: list[str]) -> pd.DataFrame:
    from SALib.analyze import morris, sobol

    from abm.sweep.designs import salib_problem
    from abm.sweep.spec import Range

    params = a.spec["parameters"]
    problem = salib_problem(
        tuple(Range(k, params[k]["low"], params[k]["high"], params[k]["integer"]) for k in ranges)
    )
    design = pq.read_table(a.root / DESIGN).to_pandas()
    n_samples = len(design)
    x = design[ranges].to_numpy()
    seed = int(a.spec["seed"])
    rows = []
    ok = a.ok
    undefined: set[str] = set()
    for setting, group in ok.groupby("setting", sort=True):
        label = group["label"].iloc[0]
        empty = n_samples - group["sample"].nunique()
        if empty:
            a.notes.append(
                f"{label}: no sensitivity indices, {empty} of {n_samples} design points "
                "have no successful run"
            )
            continue
        means = group.groupby("sample")[a.metrics].mean().sort_index()
        for metric in a.metrics:
            y = means[metric].to_numpy()
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if not np.isfinite(y).all():
                    undefined.add(metric)
                    res = None
                elif np.ptp(y) == 0:
                    res = None
                elif a.method == "sobol":
                    res = sobol.analyze(
                        problem,
                        y,
                        calc_second_order=bool(a.spec["design"]["second_order"]),
                        conf_level=0.95,
                        seed=seed,
                    )
                else:
                    res = morris.analyze(
                        problem,
                        x,
                        y,
                        conf_level=0.95,
                        num_levels=int(a.spec["design"]["levels"]),
                        seed=seed,
                    )
            for i, key in enumerate(ranges):
                row: dict[str, Any] = {
                    "setting": label,
                    "setting_id": setting,
                    "metric": metric,
                    "parameter": key,
                }
                names = (
                    ("S1", "S1_conf", "ST", "ST_conf")
                    if a.method == "sobol"
                    else ("mu_star", "mu_star_conf", "sigma", "mu")
                )
                for name in names:
                    row[name] = float(res[name][i]) if res is not None else np.nan
                rows.append(row)
    if undefined:
        a.notes.append(
            "no sensitivity indices for metrics that are undefined (NaN) in some runs: "
            + ", ".join(sorted(undefined))
        )
    return pd.DataFrame(rows)


def _series_bands(a: SweepAnalysis, series_cols: list[str]) -> pd.DataFrame | None:
    if not series_cols:
        return None
    series = load_series(a.root)
    if series.empty:
        return None
    labels = a.ok.set_index("run_id")["label"]
    series = series[series["run_id"].isin(labels.index)]
    series = series.assign(label=series["run_id"].map(labels))
    return _band_stats(series, ["label", "step"], series_cols).rename(columns={"label": "setting"})


def bands_table(a: SweepAnalysis, metrics: list[str] | None = None) -> pd.DataFrame:
    """Metrics x settings, each cell "mean [p5, p95]" (what ``abm analyze`` prints): a
    declared output in its declared format, named by its label and unit."""
    frame = a.bands if metrics is None else a.bands[a.bands["metric"].isin(metrics)]
    if frame.empty:
        return pd.DataFrame()
    cells = frame.assign(
        cell=[
            f"{a.show(k, m)} [{a.show(k, lo)}, {a.show(k, hi)}]"
            for k, m, lo, hi in zip(
                frame["metric"], frame["mean"], frame["p5"], frame["p95"], strict=True
            )
        ]
    )
    table = cells.pivot(index="metric", columns="setting", values="cell")
    order = list(dict.fromkeys(frame["metric"]))
    table = table.reindex(index=order, columns=list(dict.fromkeys(frame["setting"])))
    table.index = pd.Index([a.heading(m) for m in order], name="metric")
    return table
