"""The live view's figures for one Frame: what the page shows and what PNG export saves."""

from __future__ import annotations

import math

from abm.scenario import Scenario
from viz.figures.korea_map import CenterMark, Place, map_svg
from viz.figures.lines import Series, line_chart_svg
from viz.figures.network import network_svg
from viz.figures.palette import fmt_krw, fmt_number, region_colors
from viz.i18n import region_label, tr
from viz.live import Frame

CHARTS = (
    "firms",
    "hhi",
    "inter_edges",
    "gpu_utilisation",
    "oversubscription",
    "innovations",
    "public_spending",
)


def labels(scenario: Scenario, lang: str) -> dict[str, str]:
    return {rid: region_label(r.name, r.name_ko, lang) for rid, r in scenario.regions.items()}


def map_figure(frame: Frame, scenario: Scenario, lang: str, size_by: str = "firms") -> str:
    colors = region_colors(list(scenario.regions))
    names = labels(scenario, lang)
    places = [
        Place(rid, names[rid], r.lat, r.lon, colors[rid]) for rid, r in scenario.regions.items()
    ]
    sizes = {row["region"]: float(row.get(size_by, 0.0) or 0.0) for row in frame.regions_now}
    centers = []
    for c in frame.centers:
        region = scenario.regions.get(c.site)
        if region is None:
            continue
        detail = (
            f"{names.get(c.site, c.site)}: {fmt_number(c.capacity)} GPU, "
            f"{fmt_number(100 * c.utilisation if not math.isnan(c.utilisation) else None)}% used, "
            f"{fmt_krw(c.price_krw)}/GPU·month"
        )
        centers.append(CenterMark(c.id, _short(c.name), region.lat, region.lon, detail))
    size_label = tr("employment" if size_by == "employment" else "firms", lang).lower()
    return map_svg(
        places,
        sizes,
        size_label=size_label,
        centers=centers,
        flows=frame.flows,
        step=frame.step,
        title=f"{tr('map_title', lang)} · {frame.date}",
    )


def _short(name: str) -> str:
    name = name.split(" (")[0]
    return name if len(name) <= 18 else name[:17] + "…"


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
    )


def _region_series(frame: Frame, scenario: Scenario, key: str, lang: str) -> list[Series]:
    colors = region_colors(list(scenario.regions))
    names = labels(scenario, lang)
    out = []
    for rid in scenario.regions:
        values = []
        for rows in frame.region_rows:
            row = next((r for r in rows if r["region"] == rid), None)
            values.append(None if row is None else row.get(key))
        out.append(Series(names[rid], colors[rid], values))
    return out


def _model_series(frame: Frame, key: str, name: str, color: str, dashed: bool = False) -> Series:
    return Series(name, color, [row.get(key) for row in frame.model_rows], dashed)


def chart_figures(frame: Frame, scenario: Scenario, lang: str) -> list[tuple[str, str]]:
    """(chart id, SVG) for each time series of the live view."""
    x = [row["step"] for row in frame.model_rows]
    common = {"step": frame.step, "x_label": tr("step_label", lang).lower()}
    specs: list[tuple[str, str, list[Series], dict]] = [
        ("firms", tr("firms_by_region", lang), _region_series(frame, scenario, "firms", lang), {}),
        (
            "hhi",
            tr("hhi", lang),
            [
                _model_series(frame, "hhi", "HHI", "#4e79a7"),
                _model_series(frame, "hhi_norm", "HHI*", "#e15759", dashed=True),
            ],
            {"y_max": 1.0},
        ),
        (
            "inter_edges",
            tr("inter_edges", lang),
            [_model_series(frame, "inter_edge_share", "inter", "#59a14f")],
            {},
        ),
        (
            "gpu_utilisation",
            tr("gpu", lang).split(" / ")[0],
            [_model_series(frame, "gpu_utilisation", "utilisation", "#f28e2b")],
            {"y_min": 0.0},
        ),
        (
            "oversubscription",
            tr("gpu", lang).split(" / ")[-1],
            [_model_series(frame, "oversubscription", "demand/granted", "#b07aa1")],
            {},
        ),
        (
            "innovations",
            tr("innovations", lang),
            _region_series(frame, scenario, "innovations", lang),
            {},
        ),
        (
            "public_spending",
            tr("public_spending", lang),
            [_model_series(frame, "public_spending", "KRW", "#9c755f")],
            {},
        ),
    ]
    return [
        (cid, line_chart_svg(title, x, series, chart_id=cid, **common, **extra))
        for cid, title, series, extra in specs
    ]


def kpis(frame: Frame, lang: str) -> list[tuple[str, str, str]]:
    """(id, label, value) of the KPI cards for the current step."""
    now = frame.current

    def pct(key: str) -> str:
        v = now.get(key)
        return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{100 * v:.1f}%"

    return [
        ("firms", tr("kpi_firms", lang), fmt_number(now.get("firms"))),
        ("hhi", tr("kpi_hhi", lang), fmt_number(now.get("hhi"))),
        ("capital", tr("kpi_capital", lang), pct("capital_share")),
        ("inter", tr("kpi_inter", lang), pct("inter_edge_share")),
        ("gpu", tr("kpi_gpu", lang), pct("gpu_utilisation")),
        ("oversub", tr("gpu", lang).split(" / ")[-1], fmt_number(now.get("oversubscription"))),
        ("innov", tr("kpi_innov", lang), fmt_number(now.get("innovations"))),
        ("spend", tr("kpi_spend", lang), fmt_krw(now.get("public_spending_cum"))),
    ]
