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

from abm import outputs
from abm.run import run_scenario
from abm.scenario import Scenario
from viz.figures.palette import fmt_value

# the metrics offered first; any other declared model output the runs recorded follows
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


def metric_label(name: str, lang: str = "en") -> str:
    """The declared label of a model output, with its unit, in ``lang``."""
    try:
        o = outputs.get(name)
    except KeyError:
        return METRICS.get(name, name)
    label = o.label_ko if lang == "ko" else o.label
    unit = "%" if o.kind == "share" else o.unit
    return f"{label} ({unit})" if unit else label


def metric_names(ensembles: list[Ensemble]) -> list[str]:
    """The featured metrics, then every other declared numeric output the runs have."""
    have = set(ensembles[0].model.columns) if ensembles else set(METRICS)
    rest = [o.name for o in outputs.metrics(outputs.MODEL) if o.name not in METRICS]
    return [m for m in [*METRICS, *rest] if m in have]


def kind_of(name: str) -> str:
    try:
        return outputs.get(name).kind
    except KeyError:
        return "number"


@dataclass(frozen=True)
class Ensemble:
    label: str
    seeds: tuple[int, ...]
    model: pd.DataFrame  # every run's model table, with "seed" and "scenario" columns
    draws: tuple[dict, ...] = ()  # the posterior parameter set of each run (empty: none)


@dataclass(frozen=True)
class Posterior:
    """The calibrated posterior the repository ships, as Compare offers it."""

    table: pd.DataFrame | None
    problem: str = ""  # why there is none to use (absent, or unreadable)

    @property
    def available(self) -> bool:
        return self.table is not None

    @property
    def keys(self) -> list[str]:
        return [] if self.table is None else [c for c in self.table.columns if c != "weight"]


def shipped() -> Posterior:
    """``calibration/posterior/`` through :func:`abm.calibrate.posterior.shipped_posterior`;
    a damaged file is reported, not raised."""
    from abm.calibrate import posterior

    try:
        table = posterior.shipped_posterior()
    except Exception as exc:  # UsageError for a bad file: Compare then varies seeds only
        return Posterior(None, str(exc))
    return Posterior(table, "" if table is not None else "absent")


def posterior_draws(post: Posterior, n: int, seed: int) -> list[dict]:
    """``n`` parameter sets for an ensemble whose first seed is ``seed``: the draws ``abm
    compare --posterior`` makes (draw i goes with seed i, the same for every scenario)."""
    from abm.calibrate.posterior import draw_overrides, posterior_rng

    if post.table is None:
        return []
    return draw_overrides(post.table, n, posterior_rng(seed))


def run_ensemble(
    label: str,
    scenario: Scenario,
    n_seeds: int,
    steps: int,
    progress: Callable[[int], None] = lambda done: None,
    cancelled: Callable[[], bool] = lambda: False,
    draws: list[dict] | None = None,
) -> Ensemble:
    """``n_seeds`` runs of ``scenario`` (seeds scenario.seed, +1, ...) for ``steps`` months;
    with ``draws``, run i also takes parameter set i (parameter uncertainty)."""
    seeds = tuple(scenario.seed + i for i in range(n_seeds))
    draws = list(draws or [])
    tables = []
    for i, seed in enumerate(seeds):
        if cancelled():
            break
        run = scenario.with_overrides(draws[i]) if i < len(draws) and draws[i] else scenario
        result = run_scenario(run, seed=seed, steps=steps)
        tables.append(result.model.assign(seed=seed, scenario=label))
        progress(i + 1)
    return Ensemble(label, seeds, pd.concat(tables, ignore_index=True), tuple(draws[: len(tables)]))


def bands(ensembles: list[Ensemble], metric: str) -> pd.DataFrame:
    """Per scenario and step: 5 %, median and 95 % of ``metric`` over the seeds."""
    data = pd.concat([e.model[["scenario", "step", "seed", metric]] for e in ensembles])
    grouped = data.groupby(["scenario", "step"], sort=False)[metric]
    out = grouped.quantile([0.05, 0.5, 0.95]).unstack()
    out.columns = ["p5", "median", "p95"]
    return out.reset_index()


def final_table(ensembles: list[Ensemble], lang: str = "en") -> pd.DataFrame:
    """Median [5 %, 95 %] of each metric at the last step, one row per metric, each value
    written as the KPI cards write it (won in 억/조, shares in %)."""
    rows = []
    for metric in METRICS:
        if not all(metric in e.model for e in ensembles):
            continue
        kind = kind_of(metric)
        row = {"metric": metric_label(metric, lang)}
        for e in ensembles:
            last = e.model[e.model["step"] == e.model["step"].max()][metric].astype(float)
            q = last.quantile([0.05, 0.5, 0.95])

            def f(v: float, kind: str = kind) -> str:
                return fmt_value(float(v), kind, lang)

            row[e.label] = f"{f(q[0.5])} [{f(q[0.05])}, {f(q[0.95])}]"
        rows.append(row)
    return pd.DataFrame(rows)


def with_dates(data: pd.DataFrame, start: str) -> pd.DataFrame:
    """Add the month each step simulated (step 1 = the start month), for a date axis."""
    first = pd.Timestamp(start + "-01")
    months = data["step"].astype(int) - 1
    return data.assign(date=[first + pd.DateOffset(months=int(m)) for m in months])


def band_chart(
    data: pd.DataFrame, metric: str, title: str = "", lang: str = "en", start: str = ""
) -> alt.Chart:
    """Median lines with 5-95 % bands, one colour per scenario, against the month."""
    if start:
        data = with_dates(data, start)
        x = alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m"))
    else:
        x = alt.X("step:Q", title="step (month)")
    label = metric_label(metric, lang)
    base = alt.Chart(data).encode(
        x=x,
        color=alt.Color(
            "scenario:N", title=None, legend=alt.Legend(orient="top", labelLimit=0, columns=2)
        ),
    )
    band = base.mark_area(opacity=0.22).encode(
        y=alt.Y("p5:Q", title=label, scale=alt.Scale(zero=False)), y2="p95:Q"
    )
    line = base.mark_line(strokeWidth=2).encode(
        y="median:Q", tooltip=["scenario", "step", "median", "p5", "p95"]
    )
    return (band + line).properties(width=620, height=300, title=title or label)


def chart_png(chart: alt.Chart) -> bytes:
    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=2)
