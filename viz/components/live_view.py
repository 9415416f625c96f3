"""The live dashboard: step counter, KPI cards, map, network and time series."""

from __future__ import annotations

import solara

from abm.scenario import Scenario
from viz.figures.live import chart_figures, kpis, map_figure, network_figure
from viz.i18n import tr
from viz.live import Frame


@solara.component
def StepCounter(frame: Frame, lang: str = "en"):
    html = (
        f'<span class="step-counter" data-step="{frame.step}">{tr("step_label", lang)} '
        f"<b>{frame.step}</b> / {frame.steps} · {frame.date}</span>"
    )
    solara.HTML(tag="div", unsafe_innerHTML=html)


@solara.component
def KpiCards(frame: Frame, lang: str = "en"):
    cards = "".join(
        f'<div class="kpi" data-kpi="{kid}"><div class="kpi-label">{label}</div>'
        f'<div class="kpi-value">{value}</div></div>'
        for kid, label, value in kpis(frame, lang)
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=cards,
        classes=["kpi-row"],
        attributes={"data-step": str(frame.step)},
    )


@solara.component
def Figure(svg: str, name: str):
    """One SVG figure; ``name`` is its CSS hook (``fig-<name>``)."""
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["abm-fig", f"fig-{name}"])


@solara.component
def LiveView(frame: Frame, scenario: Scenario, lang: str = "en"):
    size_by = solara.use_reactive("firms")
    with solara.Column(classes=["live-views"], gap="10px"):
        KpiCards(frame, lang)
        with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(gap="2px", style={"flex": "1 1 420px", "max-width": "470px"}):
                solara.ToggleButtonsSingle(
                    value=size_by,
                    values=["firms", "employment"],
                    dense=True,
                    classes=["size-by"],
                )
                Figure(map_figure(frame, scenario, lang, size_by.value), "map")
            with solara.Column(style={"flex": "1 1 420px", "max-width": "530px"}):
                Figure(network_figure(frame, scenario, lang), "network")
        charts = "".join(
            f'<div class="abm-chart-cell fig-chart-{cid}">{svg}</div>'
            for cid, svg in chart_figures(frame, scenario, lang)
        )
        solara.HTML(tag="div", unsafe_innerHTML=charts, classes=["abm-charts"])
