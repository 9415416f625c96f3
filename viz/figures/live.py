"""The live view's figures for one Frame: what the page shows and what PNG export saves.

Titles, units and number formats come from the output declarations (:mod:`abm.outputs`),
so a chart says what the recorder means, in the user's language, with the same units as
the KPI cards (won in 억/조). Every function here is total: a missing column (an older
recorder) or an odd value gives an empty line, never an exception.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache

from abm import outputs
from abm.outputs import MODEL, REGION, Output
from abm.scenario import Scenario
from viz import timeline
from viz.controls import center_title
from viz.figures.histogram import histogram_svg
from viz.figures.korea_map import CenterMark, DistrictMark, FlowStyle, Place, map_svg
from viz.figures.lines import Band, Mark, Series, line_chart_svg, timeline_strip_svg
from viz.figures.network import network_svg
from viz.figures.palette import REGION_COLORS, fmt_krw, fmt_value, region_colors
from viz.i18n import region_label, tr, trf, unit_text
from viz.live import DISTRICT_KEY, FIRM_ATTRIBUTES, Frame, district_key

CHARTS = (
    "firms",
    "hhi",
    "inter_edges",
    "gpu_utilisation",
    "oversubscription",
    "innovations",
    "public_spending",
)
NETWORK_WORDS_KO = {
    "agents": "에이전트",
    "ties": "연결",
    "sampled": "표본",
    "per_region": "지역당",
    "bands": "띠 = 지역 간 연결",
    "firm": "기업",
    "university": "대학",
    "government": "정부",
    "employees": "고용",
    "knowledge": "지식",
    "compute_met": "컴퓨팅 충족률",
    "region": "지역",
    "follow": "클릭: 이 기업 따라가기",
}


def labels(scenario: Scenario, lang: str) -> dict[str, str]:
    return {rid: region_label(r.name, r.name_ko, lang) for rid, r in scenario.regions.items()}


def declared(name: str, scope: str = MODEL) -> Output | None:
    try:
        return outputs.get(name, scope)
    except KeyError:
        return None


def output_title(o: Output, lang: str) -> str:
    """The declaration's label in ``lang`` with its unit: "Public spending (KRW/month)"."""
    label = o.label_ko if lang == "ko" else o.label
    if o.kind == "share":
        return f"{label} (%)"
    unit = unit_text(o.unit, lang)
    return f"{label} ({unit})" if unit else label


def map_figure(
    frame: Frame,
    scenario: Scenario,
    lang: str,
    size_by: str = "firms",
    selected: str | None = None,
    flows: str = "relocations",
) -> str:
    """The map: bubbles, districts, the centers that exist this month (a planned center is
    not drawn before its construction starts; one under construction is hollow), and the
    arrows of ``flows``: relocations of firms since the start, or the GPUs each center's
    users in each region got this month (``compute``), each with its scale."""
    colors = region_colors(list(scenario.regions))
    names = labels(scenario, lang)
    places = [
        Place(rid, names[rid], r.lat, r.lon, colors[rid]) for rid, r in scenario.regions.items()
    ]
    sizes = {row["region"]: float(row.get(size_by, 0.0) or 0.0) for row in frame.regions_now}
    centers = []
    for c in frame.centers:
        region = scenario.regions.get(c.site)
        state = c.state(frame.date)
        if region is None or state == "planned":
            continue
        used = None if math.isnan(c.utilisation) else 100 * c.utilisation
        detail = (
            f"{names.get(c.site, c.site)}: {fmt_value(c.capacity, 'gpus', lang)} GPU, "
            f"{'–' if used is None else f'{used:.0f}%'} {tr('used', lang)}, "
            f"{fmt_krw(c.price_krw)} {tr('per_gpu_month', lang)}"
        )
        if state == "building":
            detail = f"{names.get(c.site, c.site)}: {tr('under_construction', lang)}"
        title = center_title(c.name, c.name_ko, lang)
        centers.append(CenterMark(c.id, title, region.lat, region.lon, detail, state))
    size_label = tr("employment_word" if size_by == "employment" else "firms_word", lang)
    districts = []
    for row in frame.districts_now:
        d = scenario.districts.get(row.get("district"))
        if d is None:
            continue
        names = (d.name_ko or d.name,) + ((d.name,) if lang != "ko" and d.name_ko else ())
        districts.append(
            DistrictMark(
                district_key(row["district"]),
                region_label(d.name, d.name_ko, lang),
                d.region,
                float(row.get(size_by, 0.0) or 0.0),
                getattr(d, "lat", 0.0),
                getattr(d, "lon", 0.0),
                colors.get(d.region, "#555"),
                lines=names,
            )
        )
    region_names = labels(scenario, lang)
    if flows == "compute":
        arrows: dict[tuple[str, str], float] = {}
        local: dict[str, float] = {}
        for (cid, rid), gpus in frame.served.items():
            site = next((c.site for c in frame.centers if c.id == cid), None)
            if site is None:
                continue
            if site == rid:
                local[rid] = local.get(rid, 0.0) + gpus
            else:
                arrows[(site, rid)] = arrows.get((site, rid), 0.0) + gpus
        style = FlowStyle(
            "compute",
            "#2266aa",
            "arrow-compute",
            "GPU",
            tr("compute_flows", lang),
            tr("served_locally", lang),
            region_names,
            lambda v: fmt_value(v, "gpus", lang),
        )
        legend = trf("map_legend_compute", lang, size=size_label)
    else:
        arrows, local = dict(frame.flows), {}
        style = FlowStyle(
            "relocation",
            "#c0392b",
            "arrow",
            tr("firm_count", lang),
            tr("relocation_flows", lang),
            "",
            region_names,
            lambda v: fmt_value(v, "count", lang),
        )
        legend = trf("map_legend", lang, size=size_label)
    return map_svg(
        places,
        sizes,
        size_label=size_label,
        centers=centers,
        districts=districts,
        flows=arrows,
        step=frame.step,
        title=f"{tr('map_title', lang)} · {frame.date}",
        legend=legend,
        selected=selected,
        flow_style=style,
        local=local,
    )


def network_figure(frame: Frame, scenario: Scenario, lang: str) -> str:
    if frame.network is None:
        return ""
    latlon = {rid: (r.lat, r.lon) for rid, r in scenario.regions.items()}
    return network_svg(
        frame.network,
        labels(scenario, lang),
        region_colors(list(scenario.regions)),
        latlon,
        title=f"{tr('network_title', lang)} · {tr('step_label', lang)} {frame.network.step}",
        words=NETWORK_WORDS_KO if lang == "ko" else None,
        followed=frame.followed_uid,
    )


def region_series(frame: Frame, scenario: Scenario, key: str, lang: str) -> list[Series]:
    colors = region_colors(list(scenario.regions))
    names = labels(scenario, lang)
    out = []
    for rid in scenario.regions:
        values = []
        for rows in frame.region_rows:
            row = next((r for r in rows if r.get("region") == rid), None)
            values.append(None if row is None else row.get(key))
        out.append(Series(names[rid], colors[rid], values))
    return out


def model_series(frame: Frame, key: str, name: str, color: str, dashed: bool = False) -> Series:
    return Series(name, color, [row.get(key) for row in frame.model_rows], dashed)


def center_series(frame: Frame, lang: str) -> list[Series]:
    """Utilisation of each center over time, one line each, named by name and site."""
    out = []
    for i, c in enumerate(frame.centers):
        values = [h.get(c.id) for h in frame.center_history]
        name = center_title(c.name, c.name_ko, lang)
        out.append(Series(name, REGION_COLORS[(i + 10) % len(REGION_COLORS)], values))
    return out


def _axis(kind: str, lang: str):
    """An axis format for ``kind``; ``digits`` for ticks too close to tell apart."""
    return lambda v, digits=3: fmt_value(v, kind, lang, axis=True, digits=digits)


def history_end(scenario: Scenario) -> str | None:
    """The scenario's last month of replayed history ("YYYY-MM"), or None (none, or not a
    month: the charts then draw no band rather than fail)."""
    end = getattr(scenario.scenario, "history_end", "") or ""
    return end if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end) else None


def history_band(scenario: Scenario, lang: str) -> tuple[str, str] | None:
    end = history_end(scenario)
    return (tr("history", lang), end) if end else None


@cache
def _axis_dates(start: str, steps: int) -> tuple[str, ...]:
    from abm.dates import add_months
    from abm.scenario import parse_month

    first = add_months(parse_month(start), -1)  # step 0: the state before the first month
    return tuple(
        f"{d.year:04d}-{d.month:02d}" for d in (add_months(first, k) for k in range(steps + 1))
    )


def axis_dates(scenario: Scenario) -> list[str]:
    """The month of every step of the run (index = step; step 0 is the state before the
    first month), for a fixed x axis over the whole run."""
    start = scenario.start
    return list(_axis_dates(f"{start.year:04d}-{start.month:02d}", scenario.steps))


TIMELINE_COLORS = {"center": "#222", "district": "#8c564b", "zone": "#b07aa1", "fund": "#59a14f"}


def timeline_marks(scenario: Scenario, lang: str) -> list[Mark]:
    """The scenario's policy events as marks on the charts' timeline strip."""
    dates = axis_dates(scenario)
    index = {d: i for i, d in enumerate(dates)}
    out = []
    for e in timeline.events(scenario):
        if e.month in index and index[e.month] > 0:
            out.append(
                Mark(
                    index[e.month],
                    TIMELINE_COLORS.get(e.kind, "#7f7f7f"),
                    f"{e.month} · {e.label(lang)}",
                    strong=e.kind == "center" and e.what == "first_gpus",
                )
            )
    return out


def timeline_strip(scenario: Scenario, lang: str) -> str:
    """The scenario's policy timeline once, over the run, with each month's events on
    hover and the kinds' colours: the charts' ticks read against it."""
    kinds = {e.kind for e in timeline.events(scenario)}
    legend = [
        (timeline.KIND_WORDS[k][1 if lang == "ko" else 0], color)
        for k, color in TIMELINE_COLORS.items()
        if k in kinds
    ]
    return timeline_strip_svg(
        axis_dates(scenario), timeline_marks(scenario, lang), legend, tr("timeline_title", lang)
    )


BandsOf = Callable[[str, str, str | None], tuple[list, list] | None]


def chart_figures(
    frame: Frame, scenario: Scenario, lang: str, bands_of: BandsOf | None = None
) -> list[tuple[str, str]]:
    """(chart id, SVG) for each time series of the live view: a fixed axis over the whole
    run, the observed period shaded, the policy timeline at the foot, and (``bands_of``,
    from the background ensemble) a faint band of other seeds behind each line."""
    x = [row.get("step", i) for i, row in enumerate(frame.model_rows)]
    common = {
        "step": frame.step,
        "x_dates": list(frame.dates),
        "x_label": "",
        "history": history_band(scenario, lang),
        "axis_dates": axis_dates(scenario),
        "marks": timeline_marks(scenario, lang),
    }

    def band(name: str, color: str, scope: str = MODEL, region: str | None = None) -> list[Band]:
        got = bands_of(name, scope, region) if bands_of else None
        return [Band(color, *got)] if got else []

    def region_bands(name: str) -> list[Band]:
        colors = region_colors(list(scenario.regions))
        return [b for rid in scenario.regions for b in band(name, colors[rid], REGION, rid)]

    def title(name: str, scope: str, fallback: str) -> str:
        o = declared(name, scope)
        return output_title(o, lang) if o else tr(fallback, lang)

    specs: list[tuple[str, str, list[Series], dict]] = [
        (
            "firms",
            tr("firms_by_region", lang),
            region_series(frame, scenario, "firms", lang),
            {"y_format": _axis("count", lang), "bands": region_bands("firms")},
        ),
        (
            "hhi",
            tr("hhi", lang),
            [
                model_series(frame, "hhi", "HHI", "#4e79a7"),
                model_series(frame, "hhi_norm", tr("hhi_norm", lang), "#e15759", dashed=True),
            ],
            {
                "y_max": 1.0,
                "explain": tr("hhi_explain", lang),
                "bands": band("hhi", "#4e79a7") + band("hhi_norm", "#e15759"),
            },
        ),
        (
            "inter_edges",
            title("inter_edge_share", MODEL, "inter_edges"),
            [model_series(frame, "inter_edge_share", "inter", "#59a14f")],
            {
                "y_format": _axis("share", lang),
                "explain": tr("inter_explain", lang),
                "bands": band("inter_edge_share", "#59a14f"),
            },
        ),
        (
            "gpu_utilisation",
            tr("gpu_by_center", lang),
            center_series(frame, lang),
            {"y_min": 0.0, "y_format": _axis("share", lang), "explain": tr("gpu_explain", lang)},
        ),
        (
            "oversubscription",
            tr("oversubscription", lang),
            [model_series(frame, "oversubscription", tr("oversubscription", lang), "#b07aa1")],
            {"explain": tr("oversub_explain", lang), "bands": band("oversubscription", "#b07aa1")},
        ),
        (
            "innovations",
            title("innovations", REGION, "innovations"),
            region_series(frame, scenario, "innovations", lang),
            {"y_format": _axis("count", lang), "bands": region_bands("innovations")},
        ),
        (
            "public_spending",
            title("public_spending", MODEL, "public_spending"),
            [model_series(frame, "public_spending", "KRW", "#9c755f")],
            {"y_format": _axis("money", lang), "bands": band("public_spending", "#9c755f")},
        ),
    ]
    return [
        (cid, line_chart_svg(t, x, series, chart_id=cid, **common, **extra))
        for cid, t, series, extra in specs
    ]


def plottable(frame: Frame, scope: str) -> list[Output]:
    """Declared numeric outputs of ``scope`` that this run records (older runs lack some)."""
    row = frame.current if scope == MODEL else (frame.regions_now[0] if frame.regions_now else {})
    return [o for o in outputs.metrics(scope) if o.name in row]


def custom_chart(
    frame: Frame,
    scenario: Scenario,
    lang: str,
    name: str,
    scope: str,
    bands_of: BandsOf | None = None,
) -> str:
    """Any recorded output over time: one line model-wide, or one per region."""
    o = declared(name, scope)
    if o is None:
        return ""
    x = [row.get("step", i) for i, row in enumerate(frame.model_rows)]
    bands: list[Band] = []
    if scope == REGION:
        series = region_series(frame, scenario, name, lang)
        colors = region_colors(list(scenario.regions))
        for rid in scenario.regions:
            if bands_of and (got := bands_of(name, REGION, rid)):
                bands.append(Band(colors[rid], *got))
    else:
        series = [model_series(frame, name, o.label_ko if lang == "ko" else o.label, "#4e79a7")]
        if bands_of and (got := bands_of(name, MODEL, None)):
            bands.append(Band("#4e79a7", *got))
    return line_chart_svg(
        output_title(o, lang),
        x,
        series,
        step=frame.step,
        x_dates=list(frame.dates),
        chart_id=f"custom-{scope}-{name}",
        explain=o.doc,
        y_format=_axis(o.kind, lang),
        width=520,
        height=230,
        history=history_band(scenario, lang),
        axis_dates=axis_dates(scenario),
        marks=timeline_marks(scenario, lang),
        bands=bands,
    )


def histograms(frame: Frame, scenario: Scenario, region: str, lang: str) -> list[tuple[str, str]]:
    """(attribute, SVG) of the firms of ``region`` (a region id, or ``d:<id>`` for a
    district): size, knowledge, cash, compute met."""
    home = region
    if region.startswith(DISTRICT_KEY) and region[len(DISTRICT_KEY) :] in scenario.districts:
        home = scenario.districts[region[len(DISTRICT_KEY) :]].region
    color = region_colors(list(scenario.regions)).get(home, "#4e79a7")
    formats = {"cash": _axis("money", lang), "compute_ratio": _axis("share", lang)}
    out = []
    for column, (label, label_ko, _unit) in FIRM_ATTRIBUTES.items():
        hist = frame.firm_hist.get(column)
        if hist is None:
            continue
        counts = hist.counts.get(region, ())
        agents = sum(counts)
        # real firms: each firm agent stands for 1 / agents_per_firm real firms
        per = 1.0 / frame.agents_per_firm if frame.agents_per_firm > 0 else 1.0
        real = tuple(c * per for c in counts)
        fmt = formats.get(column, _axis("number", lang))
        median = hist.medians.get(region, float("nan"))
        note = (
            trf(
                "hist_note",
                lang,
                firms=fmt_value(agents * per, "count", lang),
                agents=fmt_value(agents, "count", lang),
                median=fmt(median),
            )
            if agents
            else tr("no_firms", lang)
        )
        out.append(
            (
                column,
                histogram_svg(
                    label_ko if lang == "ko" else label,
                    hist.edges,
                    real or (0,) * (len(hist.edges) - 1),
                    color=color,
                    note=note,
                    x_format=fmt,
                    hist_id=column,
                    step=frame.step,
                    count_format=lambda v: fmt_value(v, "count", lang),
                ),
            )
        )
    return out


def inspect_choices(scenario: Scenario, lang: str) -> list[dict[str, str]]:
    """What the inspector offers: every region, then every district (``d:<id>``)."""
    items = [
        {"text": region_label(r.name, r.name_ko, lang), "value": rid}
        for rid, r in scenario.regions.items()
    ]
    items += [
        {
            "text": f"{tr('district', lang)} · {region_label(d.name, d.name_ko, lang)}",
            "value": district_key(did),
        }
        for did, d in scenario.districts.items()
    ]
    return items


def district_note(frame: Frame, scenario: Scenario, key: str, lang: str) -> str:
    """A line under the inspector's title: a region's districts and their firms (real), or
    a district's firms against its region's."""
    rows = {r.get("district"): r for r in frame.districts_now}
    regions = {r.get("region"): r for r in frame.regions_now}

    def firms(row) -> str:
        return f"{fmt_value(row.get('firms'), 'count', lang)} {tr('firm_count', lang)}"

    if key.startswith(DISTRICT_KEY):
        did = key[len(DISTRICT_KEY) :]
        d, row = scenario.districts.get(did), rows.get(did)
        if d is None or row is None:
            return ""
        total = float(regions.get(d.region, {}).get("firms") or 0)
        share = f" ({100 * float(row.get('firms') or 0) / total:.0f}% {tr('of_region', lang)})"
        home = scenario.regions.get(d.region)
        where = region_label(home.name, home.name_ko, lang) if home else d.region
        return f"{region_label(d.name, d.name_ko, lang)}, {where}: {firms(row)}" + (
            share if total > 0 else ""
        )
    mine = [(did, d) for did, d in scenario.districts.items() if d.region == key and did in rows]
    if not mine:
        return ""
    parts = [f"{region_label(d.name, d.name_ko, lang)} {firms(rows[did])}" for did, d in mine]
    return f"{tr('districts_in', lang)}: " + "; ".join(parts)


def kpis(frame: Frame, lang: str) -> list[tuple[str, str, str]]:
    """(id, label, value) of the KPI cards, formatted as the charts' axes are."""
    now = frame.current

    def card(kid: str, name: str, label_key: str | None = None) -> tuple[str, str, str]:
        o = declared(name)
        kind = o.kind if o else "number"
        label = tr(label_key, lang) if label_key else (o.label_ko if lang == "ko" else o.label)
        return kid, label, fmt_value(now.get(name), kind, lang)

    return [
        card("firms", "firms", "kpi_firms"),
        card("hhi", "hhi", "kpi_hhi"),
        card("capital", "capital_share", "kpi_capital"),
        card("inter", "inter_edge_share", "kpi_inter"),
        card("gpu", "gpu_utilisation", "kpi_gpu"),
        card("oversub", "oversubscription", "oversubscription"),
        card("innov", "innovations", "kpi_innov"),
        card("spend", "public_spending_cum", "kpi_spend"),
    ]
