"""Unit tests of the model's rules: allocation, location choice, access, metrics."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from abm import location, metrics
from abm.compute import allocate
from abm.geography import access, distance_matrix
from abm.schema import Agglomeration, Location


def test_allocation_serves_everyone_when_capacity_suffices():
    d = np.array([1.0, 2.0, 3.0])
    assert allocate(d, 10.0, "queue", np.zeros(3), np.zeros(3)).tolist() == [1, 2, 3]


def test_proportional_allocation_scales_everyone():
    d = np.array([2.0, 6.0])
    assert allocate(d, 4.0, "proportional", np.zeros(2), np.zeros(2)).tolist() == [1.0, 3.0]


def test_priority_serves_smes_and_universities_first():
    d = np.array([2.0, 2.0, 4.0])
    prio = np.array([1.0, 1.0, 0.0])
    assert allocate(d, 5.0, "priority", prio, np.zeros(3)).tolist() == [2.0, 2.0, 1.0]
    assert allocate(d, 2.0, "priority", prio, np.zeros(3)).tolist() == [1.0, 1.0, 0.0]


def test_queue_serves_the_longest_waiting_first():
    d = np.array([3.0, 3.0, 3.0])
    wait = np.array([0.0, 5.0, 2.0])
    assert allocate(d, 4.0, "queue", np.zeros(3), wait).tolist() == [0.0, 3.0, 1.0]


@pytest.mark.parametrize("rule", ["proportional", "priority", "queue"])
def test_no_rule_grants_more_than_capacity_or_demand(rule):
    rng = np.random.default_rng(0)
    for _ in range(50):
        d = rng.random(20) * 5
        cap = rng.random() * 60
        g = allocate(d, cap, rule, (rng.random(20) < 0.5).astype(float), rng.integers(0, 5, 20))
        assert (g <= d + 1e-12).all() and (g >= 0).all()
        assert g.sum() == pytest.approx(min(cap, d.sum()))


def test_access_falls_with_distance_to_the_floor():
    assert access(np.array(0.0), 100, 0.5) == 1.0
    assert access(np.array(1e6), 100, 0.5) == pytest.approx(0.5)
    assert access(np.array(100.0), 100, 0.5) == pytest.approx(0.5 + 0.5 / math.e)


def test_distances_between_real_cities():
    d = distance_matrix(np.array([37.5665, 35.8714]), np.array([126.9780, 128.6014]))
    assert d[0, 1] == pytest.approx(237, abs=5)  # Seoul - Daegu, km
    assert d[0, 0] == 0


def test_agglomeration_is_capped():
    g = location.agglomeration(np.array([0, 10, 1000]), Agglomeration("linear", 0.1, 2.0))
    assert g.tolist() == [0.0, 1.0, 2.0]
    assert location.agglomeration(
        np.array([0, math.e - 1]), Agglomeration("log", 1.0, math.inf)
    ).tolist() == pytest.approx([0, 1])


def test_zero_temperature_is_arthurs_argmax():
    u = np.array([[0.0, 1.0, 0.5], [2.0, 1.0, 0.0]])
    assert location.choose(u, 0.0, np.random.default_rng(0).random(2)).tolist() == [1, 0]


def test_logit_choice_frequencies_follow_softmax():
    u = np.tile(np.array([0.0, 1.0]), (20000, 1))
    picks = location.choose(u, 1.0, np.random.default_rng(1).random(len(u)))
    assert picks.mean() == pytest.approx(math.e / (1 + math.e), abs=0.015)


def test_arthur_types_favour_one_region_each():
    taste = location.draw_tastes(
        np.random.default_rng(0), 1000, 2, Location(heterogeneity="types", type_bonus=1.5)
    )
    assert set(np.unique(taste)) == {0.0, 1.5}
    assert (taste.sum(axis=1) == 1.5).all()


def test_hhi_and_ei_and_modularity_match_definitions():
    assert metrics.hhi(np.array([0.5, 0.5])) == 0.5
    assert metrics.hhi_normalised(1.0, 4) == 1.0
    assert metrics.hhi_normalised(0.25, 4) == 0.0
    assert metrics.ei_index(3, 1) == -0.5
    g = nx.barbell_graph(4, 0)
    u, v = np.array(list(g.edges())).T
    region = np.array([0] * 4 + [1] * 4)
    expected = nx.community.modularity(g, [set(range(4)), set(range(4, 8))])
    assert metrics.region_modularity(u, v, region, 2) == pytest.approx(expected)


def test_clustering_and_giant_match_networkx():
    g = nx.powerlaw_cluster_graph(300, 3, 0.5, seed=1)
    g.add_nodes_from(range(300, 310))  # isolated nodes count as 0 and as their own component
    u, v = np.array(list(g.edges())).T
    rows = np.arange(310)
    clustering, giant = metrics.clustering_and_giant(310, u, v, rows)
    assert clustering == pytest.approx(nx.average_clustering(g))
    assert giant == pytest.approx(300 / 310)
