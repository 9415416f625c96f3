"""The live dashboard: KPI cards, map (click a region), network (hover a node), charts,
a chart of any recorded output, and the firms of the selected region as histograms."""

from __future__ import annotations

from html import escape

import solara

from abm.outputs import MODEL, REGION
from abm.scenario import Scenario
from viz.components.common import ClickableSvg, safe_svg
from viz.figures.live import (
    chart_figures,
    custom_chart,
    histograms,
    kpis,
    map_figure,
    network_figure,
    output_title,
    plottable,
)
from viz.i18n import region_label, tr
from viz.live import Frame


@solara.component
def KpiCards(frame: Frame, lang: str = "en"):
    """One HTML string (one widget update a step, not 24); every part is escaped."""
    cards = "".join(
        f'<div class="kpi" data-kpi="{escape(kid)}"><div class="kpi-label">{escape(label)}'
        f'</div><div class="kpi-value">{escape(value)}</div></div>'
        for kid, label, value in kpis(frame, lang)
    )
    now = frame.current
    agents = now.get("agents", now.get("firms", 0))  # firm agents (model units), for tests
    solara.HTML(
        tag="div",
        unsafe_innerHTML=cards,
        classes=["kpi-row"],
        attributes={"data-step": str(frame.step), "data-agents": str(int(agents or 0))},
    )


@solara.component
def Figure(svg: str, name: str):
    """One SVG figure; ``name`` is its CSS hook (``fig-<name>``)."""
    solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["abm-fig", f"fig-{name}"])


@solara.component
def CustomChart(
    frame: Frame,
    scenario: Scenario,
    scope: solara.Reactive[str],
    name: solara.Reactive[str],
    lang: str,
):
    """Pick any recorded output (model-wide or per region) and plot it with its unit."""
    available = plottable(frame, scope.value)
    names = [o.name for o in available]
    current = name.value if name.value in names else (names[0] if names else "")
    with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.v.Html(tag="div", children=[tr("custom_chart", lang)], class_="abm-group")
        solara.v.Select(
            label=tr("scope", lang),
            items=[
                {"text": tr("scope_model", lang), "value": MODEL},
                {"text": tr("scope_region", lang), "value": REGION},
            ],
            v_model=scope.value,
            on_v_model=scope.set,
            dense=True,
            class_="ctl-plot-scope",
            style_="max-width: 150px",
        )
        solara.v.Select(
            label=tr("output", lang),
            items=[{"text": output_title(o, lang), "value": o.name} for o in available],
            v_model=current,
            on_v_model=name.set,
            dense=True,
            class_="ctl-plot-output",
            style_="max-width: 360px",
        )
    if current:
        svg = safe_svg(lambda: custom_chart(frame, scenario, lang, current, scope.value), "custom")
        Figure(svg, "custom")


@solara.component
def Inspector(frame: Frame, scenario: Scenario, selected: solara.Reactive[str], lang: str):
    """The selected region's firms: size, knowledge, cash and compute met, as histograms."""
    items = [
        {"text": region_label(r.name, r.name_ko, lang), "value": rid}
        for rid, r in scenario.regions.items()
    ]
    with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.v.Html(tag="div", children=[tr("inspect", lang)], class_="abm-group")
        solara.v.Select(
            label=tr("region", lang),
            items=items,
            v_model=selected.value or None,
            on_v_model=lambda v: selected.set(v or ""),
            dense=True,
            clearable=True,
            class_="ctl-inspect-region",
            style_="max-width: 240px",
        )
    if not selected.value or selected.value not in scenario.regions:
        solara.v.Html(tag="div", children=[tr("inspect_hint", lang)], class_="abm-note")
        return
    svgs = safe_svg(
        lambda: "".join(
            f'<div class="abm-hist-cell hist-{col}">{svg}</div>'
            for col, svg in histograms(frame, scenario, selected.value, lang)
        ),
        "histograms",
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=svgs,
        classes=["abm-hists", f"inspect-{selected.value}"],
    )


@solara.component
def LiveView(
    frame: Frame,
    scenario: Scenario,
    lang: str = "en",
    size_by: solara.Reactive[str] | None = None,
    selected: solara.Reactive[str] | None = None,
    plot_scope: solara.Reactive[str] | None = None,
    plot_name: solara.Reactive[str] | None = None,
):
    own = (
        solara.use_reactive("firms"),
        solara.use_reactive(""),
        solara.use_reactive(MODEL),
        solara.use_reactive("compute_met"),
    )
    size_by = own[0] if size_by is None else size_by
    selected = own[1] if selected is None else selected
    plot_scope = own[2] if plot_scope is None else plot_scope
    plot_name = own[3] if plot_name is None else plot_name
    with solara.Column(classes=["live-views"], gap="10px"):
        KpiCards(frame, lang)
        with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(gap="2px", style={"flex": "1 1 420px", "max-width": "470px"}):
                with solara.v.BtnToggle(
                    v_model=size_by.value,
                    on_v_model=lambda v: v and size_by.set(v),
                    mandatory=True,
                    dense=True,
                    class_="size-by",
                ):
                    solara.v.Btn(children=[tr("firms_word", lang)], value="firms", small=True)
                    solara.v.Btn(
                        children=[tr("employment_word", lang)], value="employment", small=True
                    )
                svg = safe_svg(
                    lambda: map_figure(frame, scenario, lang, size_by.value, selected.value),
                    "map",
                )
                ClickableSvg(svg=svg, box_class="abm-fig fig-map", event_pick=selected.set)
            with solara.Column(style={"flex": "1 1 420px", "max-width": "530px"}):
                network = solara.use_memo(  # redrawn only when its summary is recomputed
                    lambda: safe_svg(lambda: network_figure(frame, scenario, lang), "network"),
                    [id(frame.network), id(scenario), lang],
                )
                Figure(network, "network")
        charts = safe_svg(
            lambda: "".join(
                f'<div class="abm-chart-cell fig-chart-{cid}">{svg}</div>'
                for cid, svg in chart_figures(frame, scenario, lang)
            ),
            "charts",
        )
        solara.HTML(tag="div", unsafe_innerHTML=charts, classes=["abm-charts"])
        CustomChart(frame, scenario, plot_scope, plot_name, lang)
        Inspector(frame, scenario, selected, lang)
