"""Figures are plain SVG text built from plain data: well-formed, complete, stable."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from viz.figures.korea_map import CenterMark, Place, map_svg, outline_paths
from viz.figures.lines import Series, date_ticks, line_chart_svg, nice_ticks
from viz.figures.live import (
    chart_figures,
    custom_chart,
    histograms,
    kpis,
    map_figure,
    network_figure,
    plottable,
)
from viz.figures.network import summarize
from viz.figures.palette import fmt_krw, fmt_number, fmt_value
from viz.live import LiveRun, network_summary

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_outline_has_all_17_provinces():
    root = parse(f'<svg xmlns="http://www.w3.org/2000/svg">{outline_paths()}</svg>')
    assert len(root.findall(f"{SVG}path")) == 17


def test_map_draws_a_bubble_per_region_centers_and_flows():
    places = [
        Place("a", "수도권 Capital", 37.5, 127.0, "#123"),
        Place("b", "대구", 35.9, 128.6, "#456"),
    ]
    svg = map_svg(
        places,
        {"a": 100, "b": 10},
        size_label="firms",
        centers=[CenterMark("c", "NACC", 35.9, 128.6)],
        flows={("a", "b"): 3},
        step=7,
    )
    root = parse(svg)
    assert root.get("data-step") == "7"
    bubbles = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "bubble"]
    assert float(bubbles[0].get("r")) > float(bubbles[1].get("r"))
    assert any("flow" in (p.get("class") or "").split() for p in root.iter(f"{SVG}path"))
    assert "대구" in svg and "NACC" in svg


def test_line_chart_handles_gaps_and_constant_series():
    svg = line_chart_svg(
        "t",
        [0, 1, 2, 3],
        [
            Series("x", "#000", [1.0, float("nan"), None, 1.0]),
            Series("y", "#111", [2.0, 2.0, 2.0, 2.0]),
        ],
        step=3,
    )
    root = parse(svg)
    assert root.get("data-step") == "3"
    assert nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1.0]


def test_network_summary_vectorised_equals_graph_version(small):
    run = LiveRun(small, 5)
    for _ in range(3):
        run.step()
    model = run.model
    from_graph = summarize(model.graph, model.region_ids, model.steps)
    from_rows = network_summary(model)
    assert from_rows.nodes == from_graph.nodes == model.graph.number_of_nodes()
    assert from_rows.edges == from_graph.edges == model.graph.number_of_edges()
    assert from_rows.pairs == from_graph.pairs
    assert sorted(from_rows.sample) == sorted(from_graph.sample)
    assert sorted(map(sorted, from_rows.sample_edges)) == sorted(
        map(sorted, from_graph.sample_edges)
    )


def test_network_sample_is_bounded_and_stable_at_10000_nodes():
    graph = nx.gnm_random_graph(10_000, 40_000, seed=1)
    for node in graph:
        graph.nodes[node].update(kind="firm", region=node % 5)
    regions = list("abcde")
    first = summarize(graph, regions)
    graph.add_node(10_001, kind="firm", region=0)
    second = summarize(graph, regions)
    assert len(first.sample) <= 300
    assert sum(first.pairs.values()) == 40_000
    assert len({u for u, _, _ in first.sample} ^ {u for u, _, _ in second.sample}) <= 2


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_live_figures_for_a_frame(small, lang):
    run = LiveRun(small, 1)
    frame = run.step()
    for svg in [map_figure(frame, small, lang), network_figure(frame, small, lang)] + [
        s for _, s in chart_figures(frame, small, lang)
    ]:
        assert parse(svg).get("data-step") == "1"
    assert len(chart_figures(frame, small, lang)) == 7
    assert {k for k, _, _ in kpis(frame, lang)} >= {"firms", "hhi", "gpu", "spend"}


def test_number_formats():
    assert fmt_number(1234) == "1.23k"
    assert fmt_number(float("nan")) == "–"
    assert fmt_krw(1.59e12) == "1.59조 원"
    assert fmt_krw(1.47e11) == "1,470억 원"


@pytest.mark.parametrize(
    "values",
    [
        [1e30, 1e30 + 1e14, 1e30],  # the defect-2 value: a span below float precision
        [float("inf"), 1.0, float("-inf")],
        [0.0, 0.0, 0.0],
        [None, float("nan"), None],
        [1e-300, 2e-300, 3e-300],
        [-5.0, 5.0, 1e308],
    ],
)
def test_line_chart_never_raises(values):
    """Defect 2: no value a run produces may raise while drawing (ZeroDivisionError)."""
    svg = line_chart_svg("t", [0, 1, 2], [Series("a", "#000", values)])
    assert parse(svg).tag == f"{SVG}svg"
    assert len(nice_ticks(1e30, 1e30 + 1e14)) >= 2


def test_x_axis_shows_dates_not_steps(small):
    run = LiveRun(small, 1)
    for _ in range(3):
        frame = run.step()
    _, svg = chart_figures(frame, small, "en")[0]
    labels = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "2019-01" in labels or "2019" in labels
    assert date_ticks([f"{y}-{m:02d}" for y in (2025, 2026, 2027) for m in range(1, 13)]) == [
        (0, "2025"),
        (12, "2026"),
        (24, "2027"),
    ]


def test_gpu_chart_has_a_labelled_line_per_center(baseline):
    scenario = baseline.with_overrides({"population.firms": 300, "scenario.steps": 4})
    run = LiveRun(scenario, 1)
    frame = run.step()
    svg = dict(chart_figures(frame, scenario, "en"))["gpu_utilisation"]
    legend = [
        t.text
        for g in parse(svg).iter(f"{SVG}g")
        if g.get("class") == "legend-item"
        for t in g.iter(f"{SVG}text")
    ]
    assert len(legend) == len(scenario.centers) >= 2
    assert all("…" not in name for name in legend)  # names are never cut


def test_hhi_and_oversubscription_are_explained(small):
    frame = LiveRun(small, 1).step()
    charts = dict(chart_figures(frame, small, "en"))
    assert "HHI* rescales" in charts["hhi"] and "HHI* (normalised)" in charts["hhi"]
    assert "applied for" in charts["oversubscription"]
    assert "정규화" in dict(chart_figures(frame, small, "ko"))["hhi"]


def test_region_with_no_firms_keeps_a_visible_bubble():
    places = [Place("a", "A", 37.5, 127.0, "#111"), Place("b", "B", 34.8, 126.5, "#222")]
    root = parse(map_svg(places, {"a": 100.0, "b": 0.0}, size_label="firms"))
    bubble = next(c for c in root.iter(f"{SVG}circle") if c.get("data-region") == "b")
    assert float(bubble.get("r")) >= 5 and bubble.get("stroke-dasharray")
    label = next(t for t in root.iter(f"{SVG}text") if t.text == "B")
    assert float(label.get("y")) > float(bubble.get("cy")) + float(bubble.get("r"))


def test_money_reads_in_eok_and_jo_on_axes_and_cards(small):
    frame = LiveRun(small, 1).step()
    spend = dict(chart_figures(frame, small, "en"))["public_spending"]
    ticks = [t.text for t in parse(spend).iter(f"{SVG}text")]
    assert any(t.endswith(("억", "조", "만")) for t in ticks)
    assert not any(t.endswith(("M", "B", "T")) for t in ticks)
    assert dict((k, v) for k, _, v in kpis(frame, "en"))["spend"].endswith("원")


def test_network_nodes_say_kind_region_and_state(small):
    frame = LiveRun(small, 1).step()
    svg = network_figure(frame, small, "en")
    tips = [
        t.text for e in parse(svg).iter() if e.get("class") == "node" for t in e.iter(f"{SVG}title")
    ]
    assert tips and any(t.startswith("firm · ") and "compute need met" in t for t in tips)
    assert "기업 · " in network_figure(frame, small, "ko")


def test_file_text_is_escaped_in_figures(small):
    """Defect 11: names from files never become markup."""
    cid = next(iter(small.centers))
    evil = small.with_overrides(
        {f"centers.{cid}.name": "<img src=x onerror=alert(1)>", "regions.daegu.name": "<b>x</b>"}
    )
    frame = LiveRun(evil, 1).step()
    for svg in [map_figure(frame, evil, "en"), network_figure(frame, evil, "en")] + [
        s for _, s in chart_figures(frame, evil, "en")
    ]:
        assert "<img" not in svg and "<b>" not in svg
        parse(svg)


def test_histograms_of_a_regions_firms(small):
    frame = LiveRun(small, 1).step()
    out = dict(histograms(frame, small, "capital", "en"))
    assert set(out) == {"size", "knowledge", "cash", "compute_ratio"}
    bars = [r for r in parse(out["size"]).iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    counts = frame.firm_hist["size"].counts["capital"]
    assert len(bars) == len(counts) and sum(counts) > 0


def test_any_recorded_output_can_be_plotted_with_its_unit(small):
    frame = LiveRun(small, 1).step()
    for scope in ("model", "region"):
        names = [o.name for o in plottable(frame, scope)]
        assert len(names) >= 10
        for name in names:
            svg = custom_chart(frame, small, "en", name, scope)
            parse(svg)
    assert "(KRW/month)" in custom_chart(frame, small, "en", "public_spending", "model")
    assert "기업 수" not in custom_chart(frame, small, "en", "firms", "region")  # label in English


def test_korean_counts_and_won_formats():
    assert fmt_value(12345, "count", "ko") == "1.23만"
    assert fmt_value(1.5e12, "money", "ko", axis=True) == "1.5조"
    assert fmt_value(0.123, "share") == "12.3%"


def test_tick_labels_differ_on_a_narrow_range():
    svg = line_chart_svg("t", [0, 1, 2], [Series("a", "#000", [50520.0, 50580.0, 50530.0])])
    ticks = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert len(set(ticks)) == len(ticks)


def test_korean_legend_entries_do_not_overlap():
    from viz.figures.lines import legend_layout

    names = ["수도권", "대구", "광주", "전남 (해남)"]
    spots = legend_layout(names, 340)
    for (x1, y1), (x2, y2), name in zip(spots, spots[1:], names, strict=False):
        if y1 == y2:
            assert x2 - x1 >= 12 + 8.5 * len(name)  # a Hangul glyph is ~9 px wide at 9 px
