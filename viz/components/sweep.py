"""Sweep explorer: open a results folder of ``abm sweep``; distributions and sensitivity.

Labels come from the declarations: a metric's from :mod:`abm.outputs` (label, Korean
label, unit), a parameter's from the control that sets it or the schema's ``param(...)``
doc. Everything read from the folder (its name, the manifest) is shown as text nodes,
never as HTML. The state (folder, metric, parameter) belongs to the page's session, so it
survives a tab switch.
"""

from __future__ import annotations

import re
import time

import solara

from abm.errors import UserError
from viz import sweep_results
from viz.components.common import Download
from viz.i18n import tr, trf
from viz.paths import lookup, result_choices


def sweep_folders():
    """The sweep results folders to offer: not a decision's own sweep (its runs are the
    decision's futures; the Decide tab shows them as a decision)."""
    return [c for c in result_choices() if not (c.path.parent / "decision.json").is_file()]


class SweepState:
    def __init__(self):
        self.key = solara.reactive("")
        self.metric = solara.reactive("")
        self.by = solara.reactive("")


@solara.component
def SweepView(state: SweepState | None = None, lang: str = "en"):
    own = solara.use_memo(SweepState, [])
    state = own if state is None else state
    choices = solara.use_memo(sweep_folders, [])
    key = state.key.value or (choices[0].key if choices else "")
    choice = lookup(choices, key)

    def read():
        if not choices:
            return None, tr("no_results", lang), None
        if choice is None:
            return None, tr("unknown_folder", lang), None
        try:
            results = sweep_results.load(choice.path)
            return results, "", results.base()
        except UserError as exc:
            return None, str(exc), None

    results, error, base = solara.use_memo(read, [key])
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
        solara.v.Html(
            tag="div", children=[sweep_results.summary(results, lang)], class_="sweep-summary"
        )
        metrics = results.metrics
        if not metrics or results.runs.empty:
            solara.Info(tr("no_ok_runs", lang), dense=True)
            return
        current = state.metric.value if state.metric.value in metrics else metrics[0]
        params = results.parameters
        group = state.by.value if state.by.value in params else (params[0] if params else "")
        p_labels = {p: sweep_results.parameter_label(p, base, lang) for p in params}
        m_label = sweep_results.metric_label(current, base, lang)
        m_short = sweep_results.metric_label(current, base, lang, with_unit=False)
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            solara.v.Select(
                label=tr("metric", lang),
                v_model=current,
                on_v_model=state.metric.set,
                items=[
                    {"text": sweep_results.metric_label(m, base, lang), "value": m} for m in metrics
                ],
                class_="ctl-sweep-metric",
                dense=True,
                style_="max-width: 320px",
            )
            if params:
                solara.v.Select(
                    label=tr("parameter", lang),
                    v_model=group,
                    on_v_model=state.by.set,
                    items=[{"text": p_labels[p], "value": p} for p in params],
                    class_="ctl-sweep-param",
                    dense=True,
                    style_="max-width: 360px",
                )
        if group:
            doc = sweep_results.parameter_doc(group)
            solara.v.Html(
                tag="div",
                children=[f"{group}: {doc}" if doc else group],
                class_="abm-note sweep-param-doc",
                attributes={"translate": "no"},
            )
        g_label = p_labels.get(group, group)
        titles = {
            "by": trf("sweep_dist_by", lang, m=m_short, p=g_label),
            "dist": trf("sweep_dist", lang, m=m_short),
            "count": tr("runs", lang),
        }
        table, why = sweep_results.sensitivity(results, current)
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            with solara.Div(classes=["sweep-distribution"]):
                solara.FigureAltair(
                    sweep_results.distribution_chart(
                        results, current, group, titles, m_label, g_label
                    )
                )
            with solara.Div(classes=["sweep-sensitivity"]):
                if table.empty:
                    solara.Info(tr(why, lang), dense=True, classes=["sweep-sensitivity-empty"])
                else:
                    solara.FigureAltair(
                        sweep_results.sensitivity_chart(
                            table, current, trf("sweep_sens", lang, m=m_short), p_labels
                        )
                    )
            series = sweep_results.series_chart(
                results,
                current,
                trf("sweep_series", lang, m=m_short),
                m_label,
                tr("step_month", lang),
            )
            if series is not None:
                with solara.Div(classes=["sweep-series"]):
                    solara.FigureAltair(series)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", results.manifest.get("name", "sweep"))
        Download(
            tr("download_sweep_csv", lang),
            lambda: (
                f"{name}_runs_{time.strftime('%Y%m%d-%H%M%S')}.csv",
                sweep_results.runs_csv(results),
            ),
            "text/csv",
            classes=["btn-sweep-csv"],
        )
