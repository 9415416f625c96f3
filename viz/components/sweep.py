"""Sweep explorer: open a results folder of ``abm sweep``; distributions and sensitivity.

Everything read from the folder (its name, the manifest's name and columns) is shown
as text nodes, never as HTML. The state (folder, metric, parameter) belongs to the
page's session, so it survives a tab switch.
"""

from __future__ import annotations

import solara

from abm.errors import UserError
from viz import sweep_results
from viz.i18n import tr, trf
from viz.paths import lookup, result_choices


class SweepState:
    def __init__(self):
        self.key = solara.reactive("")
        self.metric = solara.reactive("")
        self.by = solara.reactive("")


@solara.component
def SweepView(state: SweepState | None = None, lang: str = "en"):
    own = solara.use_memo(SweepState, [])
    state = own if state is None else state
    choices = solara.use_memo(result_choices, [])
    key = state.key.value or (choices[0].key if choices else "")
    choice = lookup(choices, key)

    def read():
        if not choices:
            return None, tr("no_results", lang)
        if choice is None:
            return None, tr("unknown_folder", lang)
        try:
            return sweep_results.load(choice.path), ""
        except UserError as exc:
            return None, str(exc)

    results, error = solara.use_memo(read, [key])
    if not choices:
        solara.Info(tr("no_results", lang))
        return
    with solara.Column(gap="8px", classes=["abm-sweep"]):
        solara.v.Select(
            label=tr("results_folder", lang),
            v_model=key,
            on_v_model=state.key.set,
            items=[{"text": c.key, "value": c.key} for c in choices],
            class_="ctl-sweep-folder",
            dense=True,
            style_="max-width: 420px",
        )
        if results is None:
            solara.Error(error, dense=True)
            return
        m = results.manifest
        summary = (
            f"{m.get('name', results.folder.name)}: {m.get('design', {}).get('method', '?')} "
            f"{tr('design', lang)}, {m.get('runs_done', '?')}/{m.get('runs_total', '?')} "
            f"{tr('runs', lang)} ({m.get('state', '?')}), {len(results.runs)} ok"
        )
        solara.v.Html(tag="div", children=[summary], class_="sweep-summary")
        metrics = results.metrics
        if not metrics or results.runs.empty:
            solara.Info(tr("no_ok_runs", lang), dense=True)
            return
        current = state.metric.value if state.metric.value in metrics else metrics[0]
        params = results.parameters
        group = state.by.value if state.by.value in params else (params[0] if params else "")
        with solara.Row(gap="12px"):
            solara.v.Select(
                label=tr("metric", lang),
                v_model=current,
                on_v_model=state.metric.set,
                items=metrics,
                class_="ctl-sweep-metric",
                dense=True,
                style_="max-width: 260px",
            )
            if params:
                solara.v.Select(
                    label=tr("parameter", lang),
                    v_model=group,
                    on_v_model=state.by.set,
                    items=params,
                    class_="ctl-sweep-param",
                    dense=True,
                    style_="max-width: 320px",
                )
        titles = {
            "by": trf("sweep_dist_by", lang, m=current, p=group),
            "dist": trf("sweep_dist", lang, m=current),
        }
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            with solara.Div(classes=["sweep-distribution"]):
                solara.FigureAltair(
                    sweep_results.distribution_chart(results, current, group, titles)
                )
            table = sweep_results.sensitivity(results, current)
            if not table.empty:
                with solara.Div(classes=["sweep-sensitivity"]):
                    solara.FigureAltair(
                        sweep_results.sensitivity_chart(
                            table, current, trf("sweep_sens", lang, m=current)
                        )
                    )
            series = sweep_results.series_chart(
                results, current, trf("sweep_series", lang, m=current)
            )
            if series is not None:
                with solara.Div(classes=["sweep-series"]):
                    solara.FigureAltair(series)
