"""Reading a sweep results folder (written by ``abm sweep``) for the sweep explorer.

Through the store's own readers (:func:`abm.sweep.load_results`, :func:`abm.sweep.load_series`):
they read only the parts the manifest counts as live (no half-written or superseded part),
and unify the parts' schemas (a column typed string in one part and large_string in another,
a metric added by a later run), which a plain ``pd.read_parquet`` of the folder does not.
``manifest.json`` says which columns are ids, parameters, metrics and series.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd

from abm import outputs, schema
from abm.errors import UserError
from viz.charts import bars, finish, percent
from viz.i18n import region_label, tr, trf, unit_text


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

    def base(self):
        """The scenario the sweep varied (its spec.json names it), for labels; the
        project's baseline when that file is gone; None if neither loads."""
        from abm.scenario import load_scenario

        project = Path(__file__).resolve().parent.parent
        try:
            spec = json.loads((self.folder / "spec.json").read_text(encoding="utf-8"))
            path = Path(spec.get("scenario", ""))
        except (OSError, ValueError):
            path = Path()
        for candidate in (path, project / "scenarios" / "baseline.toml"):
            try:
                if candidate.is_file():
                    return load_scenario(candidate)
            except Exception:  # labels fall back to the raw keys
                continue
        return None


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


# ---------------------------------------------------------------------- labels
def _schema_field(key: str) -> dict | None:
    """The schema metadata (doc, unit, ...) of a dotted scenario key, from the schema's own
    ``param(...)`` table (None when the key is not a field the walk can find)."""
    parts = key.split(".")
    roots = {
        "scenario": schema.Meta,
        "population": schema.Population,
        "params": schema.Params,
        "government": schema.Government,
    }
    try:
        if parts[0] in ("regions", "centers", "districts") and len(parts) >= 3:
            cls = {
                "regions": schema.Region,
                "centers": schema.Center,
                "districts": schema.District,
            }[parts[0]]
            rest = parts[2:]
        else:
            cls, rest = roots[parts[0]], parts[1:]
        for i, name in enumerate(rest):
            field = next(f for f in dataclasses.fields(cls) if f.name == name)
            if i == len(rest) - 1:
                return dict(field.metadata)
            cls = typing.get_type_hints(cls)[name]
    except (KeyError, StopIteration, TypeError, IndexError):
        return None
    return None


def parameter_label(key: str, base=None, lang: str = "en") -> str:
    """A varied parameter as a user reads it: the control that sets it ("Agglomeration ›
    Strength"), else the schema's doc of the field (English); the key when neither."""
    if base is not None:
        from viz import controls as ctl

        for control in ctl.controls_for(base):
            if control.field == key:
                return ctl.full_title(base, control, lang)
    meta = _schema_field(key)
    if meta and meta.get("doc") and lang != "ko":
        return str(meta["doc"])
    return key


def parameter_doc(key: str) -> str:
    meta = _schema_field(key)
    return str(meta.get("doc", "")) if meta else ""


def metric_parts(name: str) -> tuple[outputs.Output | None, str | None]:
    """(the declared output, the region or None) of a sweep metric: ``hhi`` or
    ``firm_share.daegu``."""
    base, _, region = name.partition(".")
    for scope in (outputs.REGION,) if region else (outputs.MODEL, outputs.REGION):
        try:
            return outputs.get(base, scope), (region or None)
        except KeyError:
            continue
    return None, None


def metric_kind(name: str) -> str:
    o, _ = metric_parts(name)
    return o.kind if o else "number"


def metric_label(name: str, base=None, lang: str = "en", with_unit: bool = True) -> str:
    """The declared label of a sweep metric in ``lang`` (region named), with its unit."""
    o, region = metric_parts(name)
    if o is None:
        return name
    label = o.label_ko if lang == "ko" else o.label
    if region:
        r = base.regions.get(region) if base is not None else None
        where = region_label(r.name, r.name_ko, lang) if r else region
        label = f"{label} · {where}"
    unit = "%" if o.kind == "share" else unit_text(o.unit, lang)
    return f"{label} ({unit})" if with_unit and unit else label


STATES = {
    "complete": "state_complete",
    "running": "state_running",
    "interrupted": "state_interrupted",
}


def summary(results: SweepResults, lang: str) -> str:
    m = results.manifest
    state = m.get("state", "?")
    state_text = tr(STATES[state], lang) if state in STATES else str(state)
    return trf(
        "sweep_summary",
        lang,
        name=m.get("name", results.folder.name),
        method=m.get("design", {}).get("method", "?"),
        done=m.get("runs_done", "?"),
        total=m.get("runs_total", "?"),
        state=state_text,
        ok=len(results.runs),
    )


def runs_csv(results: SweepResults) -> bytes:
    """The successful runs: ids, varied parameters and final metrics."""
    cols = [c for c in ("run_id", "setting", "replication", "seed") if c in results.runs]
    cols += [p for p in results.parameters if p in results.runs] + results.metrics
    return results.runs[cols].to_csv(index=False).encode("utf-8")


# ---------------------------------------------------------------------- analysis
def sensitivity(results: SweepResults, metric: str) -> tuple[pd.DataFrame, str]:
    """Spearman rank correlation of each numeric varied parameter with ``metric``, and why
    the table is empty when it is (an i18n key: no numeric parameter varies, the metric
    does not vary, too few runs).

    A model-free first look (monotone effects only); the sweep engine's own analysis
    (``abm analyze``) gives variance-based indices for sampling designs.
    """
    columns = ["parameter", "spearman", "abs"]
    if len(results.runs) < 3:
        return pd.DataFrame(columns=columns), "sens_few_runs"
    y = results.runs[metric].astype(float)
    if y.nunique() < 2:
        return pd.DataFrame(columns=columns), "sens_constant_metric"
    rows = []
    for p in results.parameters:
        column = results.runs[p]
        if not pd.api.types.is_numeric_dtype(column) or column.nunique() < 2:
            continue
        rho = column.astype(float).corr(y, method="spearman")
        rows.append({"parameter": p, "spearman": rho, "abs": abs(rho)})
    if not rows:
        return pd.DataFrame(columns=columns), "sens_no_parameter"
    return pd.DataFrame(rows, columns=columns), ""


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
    results: SweepResults,
    metric: str,
    by: str | None,
    titles: dict[str, str] | None = None,
    y_title: str = "",
    x_title: str = "",
) -> alt.TopLevelMixin:
    """Each run's final ``metric`` (a dot) and a box per value (or bin) of parameter ``by``;
    shares in percent."""
    titles = titles or {}
    data = results.runs[[metric] + ([by] if by else [])].copy()
    data[metric] = percent(data[metric].astype(float), metric_kind(metric))
    data.columns = [_safe(c) for c in data.columns]
    y = alt.Y(f"{_safe(metric)}:Q", title=y_title or metric, scale=alt.Scale(zero=False))
    if by:
        data[_safe(by)], order = groups(data[_safe(by)])
        x = alt.X(f"{_safe(by)}:N", title=x_title or by, sort=order, axis=alt.Axis(labelAngle=0))
        title = titles.get("by", f"{metric} by {by}")
        chart = (
            alt.Chart(data).mark_boxplot(extent="min-max", opacity=0.5).encode(x=x, y=y)
            + alt.Chart(data).mark_circle(size=28, opacity=0.7).encode(x=x, y=y)
        ).properties(width=420, height=260)
        return finish(chart, title)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{_safe(metric)}:Q", bin=alt.Bin(maxbins=30), title=y_title or metric),
            y=alt.Y("count():Q", title=titles.get("count", "runs")),
        )
        .properties(width=420, height=260)
    )
    return finish(chart, titles.get("dist", f"distribution of {metric}"))


def sensitivity_chart(
    table: pd.DataFrame, metric: str, title: str = "", labels: dict[str, str] | None = None
) -> alt.TopLevelMixin:
    """Spearman ρ per parameter, each bar with its value written at its end."""
    data = table.assign(
        parameter=[(labels or {}).get(p, p) for p in table["parameter"]],
        spearman=table["spearman"].astype(float).round(3),
    ).sort_values("abs", ascending=False)
    return bars(
        data[["parameter", "spearman"]],
        x="spearman",
        y="parameter",
        x_title="Spearman ρ",
        value_format="+.2f",
        domain=(-1, 1),
        title=title or f"sensitivity of {metric}",
    )


def series_chart(
    results: SweepResults, column: str, title: str = "", y_title: str = "", x_title: str = ""
) -> alt.TopLevelMixin | None:
    """Median and 5-95 % band over all runs of a per-step series; shares in percent."""
    if results.series is None or column not in results.series:
        return None
    ok = results.series[results.series["run_id"].isin(results.runs["run_id"])]
    q = ok.groupby("step")[column].quantile([0.05, 0.5, 0.95]).unstack().reset_index()
    q.columns = ["step", "p5", "median", "p95"]
    kind = metric_kind(column)
    for c in ("p5", "median", "p95"):
        q[c] = percent(q[c].astype(float), kind)
    base = alt.Chart(q).encode(x=alt.X("step:Q", title=x_title or "step"))
    chart = (
        base.mark_area(opacity=0.25).encode(
            y=alt.Y("p5:Q", title=y_title or column, scale=alt.Scale(zero=False)), y2="p95:Q"
        )
        + base.mark_line().encode(y="median:Q")
    ).properties(width=420, height=240)
    return finish(chart, title or f"{column} over time (median, 5-95 %)")
