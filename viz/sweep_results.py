"""Reading a sweep results folder (written by ``abm sweep``) for the sweep explorer.

Through the store's own readers (:func:`abm.sweep.load_results`, :func:`abm.sweep.load_series`):
they read only the parts the manifest counts as live (no half-written or superseded part),
and unify the parts' schemas (a column typed string in one part and large_string in another,
a metric added by a later run), which a plain ``pd.read_parquet`` of the folder does not.
``manifest.json`` says which columns are ids, parameters, metrics and series.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd

from abm.errors import UserError


@dataclass(frozen=True)
class SweepResults:
    folder: Path
    manifest: dict
    runs: pd.DataFrame  # successful runs only
    series: pd.DataFrame | None

    @property
    def parameters(self) -> list[str]:
        return list(self.manifest.get("columns", {}).get("parameters", []))

    @property
    def metrics(self) -> list[str]:
        names = self.manifest.get("columns", {}).get("metrics", [])
        return [m for m in names if m in self.runs and pd.api.types.is_numeric_dtype(self.runs[m])]

    @property
    def summary(self) -> str:
        m = self.manifest
        return (
            f"{m.get('name', self.folder.name)}: {m.get('design', {}).get('method', '?')} "
            f"design, {m.get('runs_done', '?')}/{m.get('runs_total', '?')} runs "
            f"({m.get('state', '?')}), {len(self.runs)} ok"
        )


def load(folder: Path) -> SweepResults:
    """The folder's manifest, successful runs and (if any) per-step series."""
    from abm.sweep import load_results, load_series

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        runs = load_results(folder)
    except UserError:
        raise
    except Exception as exc:  # a damaged part or manifest: one line, never a traceback
        raise UserError(f"{folder}: not a readable sweep results folder ({exc})") from None
    if "status" in runs:
        runs = runs[runs["status"] == "ok"]
    runs = runs.sort_values("run_id").reset_index(drop=True)
    try:
        series = load_series(folder)
    except Exception:  # the explorer works without series
        series = None
    if series is not None and series.empty:
        series = None
    return SweepResults(folder, manifest, runs, series)


def sensitivity(results: SweepResults, metric: str) -> pd.DataFrame:
    """Spearman rank correlation of each numeric varied parameter with ``metric``.

    A model-free first look (monotone effects only); the sweep engine's own analysis
    (``abm analyze``) gives variance-based indices for sampling designs.
    """
    rows = []
    for p in results.parameters:
        column = results.runs[p]
        if not pd.api.types.is_numeric_dtype(column) or column.nunique() < 2:
            continue
        rho = column.astype(float).corr(results.runs[metric].astype(float), method="spearman")
        rows.append({"parameter": p, "spearman": rho, "abs": abs(rho)})
    return pd.DataFrame(rows, columns=["parameter", "spearman", "abs"])


def _safe(name: str) -> str:
    """Vega-Lite reads '.' in a field name as nesting: sweep keys are dotted."""
    return name.replace(".", "_").replace("[", "_").replace("]", "_")


MAX_CATEGORIES = 6  # a numeric parameter with more distinct values is binned
BINS = 5


def _short(value: float) -> str:
    return f"{value:.3g}"


def groups(column: pd.Series) -> tuple[pd.Series, list[str]]:
    """Group labels of a parameter column and their order.

    Few distinct values stay categories (written with 3 significant digits, not 16);
    a continuous parameter is cut into ``BINS`` quantile bins labelled "lo–hi".
    """
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > MAX_CATEGORIES:
        binned = pd.qcut(column.astype(float), q=BINS, duplicates="drop")
        labels = [f"{_short(i.left)}–{_short(i.right)}" for i in binned.cat.categories]
        return binned.cat.rename_categories(labels).astype(str), labels
    if pd.api.types.is_numeric_dtype(column):
        values = sorted(column.dropna().unique())
        labels = [_short(float(v)) for v in values]
        mapping = dict(zip(values, labels, strict=True))
        return column.map(mapping).astype(str), labels
    labels = sorted(column.astype(str).unique())
    return column.astype(str), labels


def distribution_chart(
    results: SweepResults, metric: str, by: str | None, titles: dict[str, str] | None = None
) -> alt.Chart:
    """Each run's final ``metric`` (a dot) and a box per value (or bin) of parameter ``by``."""
    titles = titles or {}
    data = results.runs[[metric] + ([by] if by else [])].copy()
    data.columns = [_safe(c) for c in data.columns]
    y = alt.Y(f"{_safe(metric)}:Q", title=metric, scale=alt.Scale(zero=False))
    if by:
        data[_safe(by)], order = groups(data[_safe(by)])
        x = alt.X(f"{_safe(by)}:N", title=by, sort=order, axis=alt.Axis(labelAngle=0))
        title = titles.get("by", f"{metric} by {by}")
        return (
            alt.Chart(data).mark_boxplot(extent="min-max", opacity=0.5).encode(x=x, y=y)
            + alt.Chart(data).mark_circle(size=28, opacity=0.7).encode(x=x, y=y)
        ).properties(width=420, height=260, title=title)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(x=alt.X(f"{_safe(metric)}:Q", bin=alt.Bin(maxbins=30), title=metric), y="count():Q")
        .properties(width=420, height=260, title=titles.get("dist", f"distribution of {metric}"))
    )


def sensitivity_chart(table: pd.DataFrame, metric: str, title: str = "") -> alt.Chart:
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X("spearman:Q", scale=alt.Scale(domain=[-1, 1]), title="Spearman ρ"),
            y=alt.Y("parameter:N", sort="-x", title=None),
            color=alt.condition("datum.spearman > 0", alt.value("#e15759"), alt.value("#4e79a7")),
            tooltip=["parameter", "spearman"],
        )
        .properties(
            width=420,
            height=max(60, 28 * len(table)),
            title=title or f"sensitivity of {metric}",
        )
    )


def series_chart(results: SweepResults, column: str, title: str = "") -> alt.Chart | None:
    """Median and 5-95 % band over all runs of a per-step series."""
    if results.series is None or column not in results.series:
        return None
    ok = results.series[results.series["run_id"].isin(results.runs["run_id"])]
    q = ok.groupby("step")[column].quantile([0.05, 0.5, 0.95]).unstack().reset_index()
    q.columns = ["step", "p5", "median", "p95"]
    base = alt.Chart(q).encode(x="step:Q")
    return (
        base.mark_area(opacity=0.25).encode(
            y=alt.Y("p5:Q", title=column, scale=alt.Scale(zero=False)), y2="p95:Q"
        )
        + base.mark_line().encode(y="median:Q")
    ).properties(width=420, height=240, title=title or f"{column} over time (median, 5-95 %)")
