"""Figures are plain SVG text built from plain data: well-formed, complete, stable."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from viz.figures.korea_map import CenterMark, Place, map_svg, outline_paths
from viz.figures.lines import Series, line_chart_svg, nice_ticks
from viz.figures.live import chart_figures, kpis, map_figure, network_figure
from viz.figures.network import summarize
from viz.figures.palette import fmt_krw, fmt_number
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
    assert any(p.get("class") == "flow" for p in root.iter(f"{SVG}path"))
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
