"""The live dashboard: KPI cards, map (click a region), network (hover a node), charts,
a chart of any recorded output, and the firms of the selected region as histograms."""

from __future__ import annotations

from html import escape

import solara

from abm.outputs import MODEL, REGION
from abm.scenario import Scenario
from viz.components.common import LiveHtml, safe_svg
from viz.feed import Feed
from viz.figures.live import (
    chart_figures,
    custom_chart,
    district_note,
    histograms,
    inspect_choices,
    kpis,
    map_figure,
    network_figure,
    output_title,
    plottable,
)
from viz.i18n import tr
from viz.live import Frame


def kpi_html(frame: Frame, lang: str = "en") -> tuple[str, dict[str, str]]:
    """The KPI cards as one HTML string (one widget update a step, not 24); every part is
    escaped. Attributes carry the step and the firm agents (model units), for tests."""
    cards = "".join(
        f'<div class="kpi" data-kpi="{escape(kid)}"><div class="kpi-label">{escape(label)}'
        f'</div><div class="kpi-value">{escape(value)}</div></div>'
        for kid, label, value in kpis(frame, lang)
    )
    now = frame.current
    agents = now.get("agents", now.get("firms", 0))
    return cards, {"data-step": str(frame.step), "data-agents": str(int(agents or 0))}


def as_feed(frames: Feed | Frame) -> Feed:
    """A feed for a view given one frame (tests, a static render) or the session's feed."""
    return frames if isinstance(frames, Feed) else solara.use_memo(lambda: Feed(frames), [frames])


@solara.component
def KpiCards(frames: Feed | Frame, lang: str = "en"):
    LiveHtml(as_feed(frames), lambda f: kpi_html(f, lang), [lang], ["kpi-row"], "kpis")


@solara.component
def CustomChart(
    frames: Feed | Frame,
    scenario: Scenario,
    scope: solara.Reactive[str],
    name: solara.Reactive[str],
    lang: str,
):
    """Pick any recorded output (model-wide or per region) and plot it with its unit."""
    feed = as_feed(frames)
    available = plottable(feed.latest, scope.value)  # the run's columns: fixed for a run
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
        where = scope.value
        LiveHtml(
            feed,
            lambda f: safe_svg(lambda: custom_chart(f, scenario, lang, current, where), "custom"),
            [id(scenario), lang, current, where],
            ["abm-fig", "fig-custom"],
            "custom",
        )


@solara.component
def Inspector(frames: Feed | Frame, scenario: Scenario, selected: solara.Reactive[str], lang: str):
    """The selected region's or district's firms: size, knowledge, cash and compute met,
    as histograms; a region's line names its districts and their firms."""
    feed = as_feed(frames)
    items = inspect_choices(scenario, lang)
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
    region = selected.value
    if not region or region not in {i["value"] for i in items}:
        solara.v.Html(tag="div", children=[tr("inspect_hint", lang)], class_="abm-note")
        return

    def draw(frame: Frame) -> str:
        note = escape(district_note(frame, scenario, region, lang))
        return safe_svg(
            lambda: (
                (f'<div class="abm-note inspect-note">{note}</div>' if note else "")
                + "".join(
                    f'<div class="abm-hist-cell hist-{col}">{svg}</div>'
                    for col, svg in histograms(frame, scenario, region, lang)
                )
            ),
            "histograms",
        )

    css = "inspect-" + region.replace(":", "-")
    LiveHtml(feed, draw, [id(scenario), region, lang], ["abm-hists", css], "hist")


def network_drawer(scenario: Scenario, lang: str):
    """The network figure, redrawn only when its summary was recomputed (it is the largest
    figure, and while playing its summary is refreshed less often than the frames)."""
    cache: dict = {}

    def draw(frame: Frame) -> str:
        key = id(frame.network)
        if key not in cache:
            cache.clear()
            cache[key] = safe_svg(lambda: network_figure(frame, scenario, lang), "network")
        return cache[key]

    return draw


def charts_html(frame: Frame, scenario: Scenario, lang: str) -> str:
    return safe_svg(
        lambda: "".join(
            f'<div class="abm-chart-cell fig-chart-{cid}">{svg}</div>'
            for cid, svg in chart_figures(frame, scenario, lang)
        ),
        "charts",
    )


@solara.component
def LiveView(
    frames: Feed | Frame,
    scenario: Scenario,
    lang: str = "en",
    size_by: solara.Reactive[str] | None = None,
    selected: solara.Reactive[str] | None = None,
    plot_scope: solara.Reactive[str] | None = None,
    plot_name: solara.Reactive[str] | None = None,
):
    """Every figure follows the frame feed without a render of the page (:mod:`viz.feed`);
    this component renders only when an option (language, bubble size, selection) or the
    run changes."""
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
    feed = as_feed(frames)
    size, picked = size_by.value, selected.value
    network = solara.use_memo(lambda: network_drawer(scenario, lang), [id(scenario), lang])
    with solara.Column(classes=["live-views"], gap="10px"):
        KpiCards(feed, lang)
        with solara.Row(gap="10px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            with solara.Column(gap="2px", style={"flex": "1 1 420px", "max-width": "470px"}):
                with solara.v.BtnToggle(
                    v_model=size,
                    on_v_model=lambda v: v and size_by.set(v),
                    mandatory=True,
                    dense=True,
                    class_="size-by",
                ):
                    solara.v.Btn(children=[tr("firms_word", lang)], value="firms", small=True)
                    solara.v.Btn(
                        children=[tr("employment_word", lang)], value="employment", small=True
                    )
                LiveHtml(
                    feed,
                    lambda f: safe_svg(lambda: map_figure(f, scenario, lang, size, picked), "map"),
                    [id(scenario), lang, size, picked],
                    ["abm-fig", "fig-map"],
                    "map",
                    on_pick=selected.set,
                )
            with solara.Column(style={"flex": "1 1 420px", "max-width": "530px"}):
                LiveHtml(feed, network, [network], ["abm-fig", "fig-network"], "network")
        LiveHtml(
            feed, lambda f: charts_html(f, scenario, lang), [id(scenario), lang], ["abm-charts"]
        )
        CustomChart(feed, scenario, plot_scope, plot_name, lang)
        Inspector(feed, scenario, selected, lang)
