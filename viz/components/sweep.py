"""Sweep explorer: open a results folder of ``abm sweep``; distributions and sensitivity."""

from __future__ import annotations

import solara

from abm.errors import UserError
from viz import sweep_results
from viz.i18n import tr
from viz.paths import lookup, result_choices


@solara.component
def SweepView(lang: str = "en"):
    choices = solara.use_memo(result_choices, [])
    key = solara.use_reactive(choices[0].key if choices else "")
    metric = solara.use_reactive("")
    by = solara.use_reactive("")
    choice = lookup(choices, key.value)

    def read():
        if not choices:
            return None, tr("no_results", lang)
        if choice is None:
            return None, "unknown folder"
        try:
            return sweep_results.load(choice.path), ""
        except UserError as exc:
            return None, str(exc)

    results, error = solara.use_memo(read, [key.value])
    if not choices:
        solara.Info(tr("no_results", lang))
        return
    with solara.Column(gap="8px", classes=["abm-sweep"]):
        solara.v.Select(
            label=tr("results_folder", lang),
            v_model=key.value,
            on_v_model=key.set,
            items=[{"text": c.key, "value": c.key} for c in choices],
            class_="ctl-sweep-folder",
            dense=True,
            style_="max-width: 420px",
        )
        if results is None:
            solara.Error(error, dense=True)
            return
        solara.HTML(tag="div", unsafe_innerHTML=results.summary, classes=["sweep-summary"])
        metrics = results.metrics
        if not metrics or results.runs.empty:
            solara.Info("no successful runs with numeric metrics yet", dense=True)
            return
        current = metric.value if metric.value in metrics else metrics[0]
        params = results.parameters
        group = by.value if by.value in params else (params[0] if params else "")
        with solara.Row(gap="12px"):
            solara.v.Select(
                label=tr("metric", lang),
                v_model=current,
                on_v_model=metric.set,
                items=metrics,
                class_="ctl-sweep-metric",
                dense=True,
                style_="max-width: 260px",
            )
            if params:
                solara.v.Select(
                    label=tr("parameter", lang),
                    v_model=group,
                    on_v_model=by.set,
                    items=params,
                    class_="ctl-sweep-param",
                    dense=True,
                    style_="max-width: 320px",
                )
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            with solara.Div(classes=["sweep-distribution"]):
                solara.FigureAltair(sweep_results.distribution_chart(results, current, group))
            table = sweep_results.sensitivity(results, current)
            if not table.empty:
                with solara.Div(classes=["sweep-sensitivity"]):
                    solara.FigureAltair(sweep_results.sensitivity_chart(table, current))
            series = sweep_results.series_chart(results, current)
            if series is not None:
                with solara.Div(classes=["sweep-series"]):
                    solara.FigureAltair(series)
