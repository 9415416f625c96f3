"""The live dashboard: KPI cards, map (click a region), network (hover a node), charts,
a chart of any recorded output, and the firms of the selected region as histograms."""

from __future__ import annotations

from html import escape

import solara

from abm.outputs import MODEL, REGION
from abm.scenario import Scenario
from viz.components.common import LiveHtml, safe_svg
from viz.feed import Feed
from viz.figures.firm import firm_panel, place_names
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
    timeline_strip,
)
from viz.figures.palette import fmt_value
from viz.i18n import tr, trf
from viz.live import Frame


def kpi_html(frame: Frame, lang: str = "en") -> tuple[str, dict[str, str]]:
    """The KPI cards as one HTML string (one widget update a step, not 24); every part is
    escaped. The cards are real firms; a note under them says how many firm agents (model
    units) stand for them. Attributes carry the step and the firm agents, for tests."""
    cards = "".join(
        f'<div class="kpi" data-kpi="{escape(kid)}"><div class="kpi-label">{escape(label)}'
        f'</div><div class="kpi-value">{escape(value)}</div></div>'
        for kid, label, value in kpis(frame, lang)
    )
    now = frame.current
    agents = now.get("agents", now.get("firms", 0))
    firms = now.get("firms")
    if agents and firms:
        note = trf(
            "agents_note",
            lang,
            agents=fmt_value(agents, "count", lang),
            per=fmt_value(firms / agents, "number", lang),
        )
        cards += f'<div class="kpi-note abm-note">{escape(note)}</div>'
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
    bands_of=None,
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
            lambda f: safe_svg(
                lambda: custom_chart(f, scenario, lang, current, where, bands_of), "custom"
            ),
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
        key = (id(frame.network), frame.followed_uid)
        if key not in cache:
            cache.clear()
            cache[key] = safe_svg(lambda: network_figure(frame, scenario, lang), "network")
        return cache[key]

    return draw


def charts_html(
    frame: Frame, scenario: Scenario, lang: str, bands_of=None, band_status=None
) -> str:
    """The time series, and above them what their faint band is (other seeds)."""
    note = ""
    if band_status is not None:
        done, asked = band_status()
        if asked:
            key = "band_live_done" if done >= asked else "band_live_running"
            note = (
                f'<div class="abm-note band-note" data-done="{done}">'
                f"{escape(trf(key, lang, done=done, n=asked))}</div>"
            )
    cells = safe_svg(
        lambda: "".join(
            f'<div class="abm-chart-cell fig-chart-{cid}">{svg}</div>'
            for cid, svg in chart_figures(frame, scenario, lang, bands_of)
        ),
        "charts",
    )
    return f'{note}<div class="abm-charts">{cells}</div>'


@solara.component
def FirmInspector(
    frames: Feed | Frame,
    scenario: Scenario,
    selected: str,
    lang: str,
    follow=None,
    largest=None,
    followed: int | None = None,
):
    """One firm, followed month by month: pick it from the network (click) or among the
    largest firms of the inspected region or district."""
    feed = as_feed(frames)
    uid = followed if follow is not None else feed.latest.followed_uid
    with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.v.Html(tag="div", children=[tr("firm_inspector", lang)], class_="abm-group")
        if largest is not None and selected:
            firms = largest(selected)
            items = [
                {
                    "text": trf("firm_option", lang, uid=u, employees=fmt_value(e, "count", lang)),
                    "value": u,
                }
                for u, e in firms
            ]
            solara.v.Select(
                label=tr("firm_pick", lang),
                items=items,
                v_model=uid if any(i["value"] == uid for i in items) else None,
                on_v_model=lambda v: follow(int(v)) if v is not None and follow else None,
                dense=True,
                class_="ctl-follow-firm",
                style_="max-width: 300px",
            )
        if uid is not None and follow is not None:
            solara.Button(
                tr("stop_following", lang),
                text=True,
                small=True,
                on_click=lambda: follow(None),
                classes=["btn-stop-following"],
            )
    if uid is None:
        solara.v.Html(tag="div", children=[tr("firm_hint", lang)], class_="abm-note firm-hint")
        return
    names = place_names(scenario, lang)
    LiveHtml(
        feed,
        lambda f: safe_svg(
            lambda: firm_panel(f.followed, f.followed_uid or uid, names, lang), "firm"
        ),
        [id(scenario), lang, uid],
        ["abm-hists", "firm-panel"],
        "firm",
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
    flows: solara.Reactive[str] | None = None,
    follow=None,
    largest=None,
    bands_of=None,
    band_status=None,
    followed: int | None = None,
):
    """Every figure follows the frame feed without a render of the page (:mod:`viz.feed`);
    this component renders only when an option (language, bubble size, selection) or the
    run changes."""
    own = (
        solara.use_reactive("firms"),
        solara.use_reactive(""),
        solara.use_reactive(MODEL),
        solara.use_reactive("compute_met"),
        solara.use_reactive("relocations"),
    )
    size_by = own[0] if size_by is None else size_by
    flows = own[4] if flows is None else flows
    selected = own[1] if selected is None else selected
    plot_scope = own[2] if plot_scope is None else plot_scope
    plot_name = own[3] if plot_name is None else plot_name
    feed = as_feed(frames)
    size, picked, arrows = size_by.value, selected.value, flows.value

    def pick(value: str) -> None:
        """A click on the map (a region or a district) or the network (a firm)."""
        if value.startswith("f:"):
            if follow is not None:
                follow(int(value[2:]))
        else:
            selected.set(value)

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
                with solara.v.BtnToggle(
                    v_model=arrows,
                    on_v_model=lambda v: v and flows.set(v),
                    mandatory=True,
                    dense=True,
                    class_="flows-by",
                ):
                    solara.v.Btn(
                        children=[tr("flows_relocations", lang)], value="relocations", small=True
                    )
                    solara.v.Btn(children=[tr("flows_compute", lang)], value="compute", small=True)
                LiveHtml(
                    feed,
                    lambda f: safe_svg(
                        lambda: map_figure(f, scenario, lang, size, picked, arrows), "map"
                    ),
                    [id(scenario), lang, size, picked, arrows],
                    ["abm-fig", "fig-map"],
                    "map",
                    on_pick=pick,
                )
            with solara.Column(style={"flex": "1 1 420px", "max-width": "530px"}):
                LiveHtml(
                    feed, network, [network], ["abm-fig", "fig-network"], "network", on_pick=pick
                )
        strip = solara.use_memo(lambda: timeline_strip(scenario, lang), [id(scenario), lang])
        solara.HTML(tag="div", unsafe_innerHTML=strip, classes=["fig-timeline"])
        LiveHtml(
            feed,
            lambda f: charts_html(f, scenario, lang, bands_of, band_status),
            [id(scenario), lang],
            ["abm-charts-box"],
            "charts",
        )
        CustomChart(feed, scenario, plot_scope, plot_name, lang, bands_of)
        Inspector(feed, scenario, selected, lang)
        FirmInspector(feed, scenario, selected.value, lang, follow, largest, followed)
