"""Scenario comparison: ensembles of N seeds per scenario, summarised as 5-95 % bands.

Runs go through :func:`abm.run.run_scenario`, the same entry point as ``abm run``, so a
comparison in the browser matches the command line for the same scenario and seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import pandas as pd
import vl_convert

from abm.run import run_scenario
from abm.scenario import Scenario

METRICS = {
    "hhi": "Concentration (HHI)",
    "capital_share": "Capital-region share of firms",
    "inter_edge_share": "Share of inter-region ties",
    "gpu_utilisation": "GPU utilisation",
    "oversubscription": "Oversubscription",
    "innovations": "Innovations per month",
    "public_spending": "Public spending per month (KRW)",
    "firms": "Firms",
}
MAX_SEEDS = 50


@dataclass(frozen=True)
class Ensemble:
    label: str
    seeds: tuple[int, ...]
    model: pd.DataFrame  # every run's model table, with "seed" and "scenario" columns


def run_ensemble(
    label: str,
    scenario: Scenario,
    n_seeds: int,
    steps: int,
    progress: Callable[[int], None] = lambda done: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Ensemble:
    """``n_seeds`` runs of ``scenario`` (seeds scenario.seed, +1, ...) for ``steps`` months."""
    seeds = tuple(scenario.seed + i for i in range(n_seeds))
    tables = []
    for i, seed in enumerate(seeds):
        if cancelled():
            break
        result = run_scenario(scenario, seed=seed, steps=steps)
        tables.append(result.model.assign(seed=seed, scenario=label))
        progress(i + 1)
    return Ensemble(label, seeds, pd.concat(tables, ignore_index=True))


def bands(ensembles: list[Ensemble], metric: str) -> pd.DataFrame:
    """Per scenario and step: 5 %, median and 95 % of ``metric`` over the seeds."""
    data = pd.concat([e.model[["scenario", "step", "seed", metric]] for e in ensembles])
    grouped = data.groupby(["scenario", "step"], sort=False)[metric]
    out = grouped.quantile([0.05, 0.5, 0.95]).unstack()
    out.columns = ["p5", "median", "p95"]
    return out.reset_index()


def final_table(ensembles: list[Ensemble]) -> pd.DataFrame:
    """Median [5 %, 95 %] of each metric at the last step, one row per metric."""
    rows = []
    for metric, title in METRICS.items():
        row = {"metric": title}
        for e in ensembles:
            last = e.model[e.model["step"] == e.model["step"].max()][metric].astype(float)
            q = last.quantile([0.05, 0.5, 0.95])
            row[e.label] = f"{q[0.5]:.4g} [{q[0.05]:.4g}, {q[0.95]:.4g}]"
        rows.append(row)
    return pd.DataFrame(rows)


def band_chart(data: pd.DataFrame, metric: str, title: str = "") -> alt.Chart:
    """Median lines with 5-95 % bands, one colour per scenario."""
    base = alt.Chart(data).encode(
        x=alt.X("step:Q", title="step (month)"),
        color=alt.Color("scenario:N", title=None, legend=alt.Legend(orient="top")),
    )
    band = base.mark_area(opacity=0.22).encode(
        y=alt.Y("p5:Q", title=METRICS.get(metric, metric), scale=alt.Scale(zero=False)),
        y2="p95:Q",
    )
    line = base.mark_line(strokeWidth=2).encode(
        y="median:Q", tooltip=["scenario", "step", "median", "p5", "p95"]
    )
    return (band + line).properties(width=620, height=300, title=title or METRICS.get(metric))


def chart_png(chart: alt.Chart) -> bytes:
    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=2)
