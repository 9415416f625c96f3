"""Speed work changes no draw: outputs equal the golden made by the last intended change.

The performance work was checked against f490682 (identical outputs); the golden was then
regenerated for changes of behaviour made on purpose (the credible-levers rework, the 2019
start and calibration, the keyed random streams of issue 20).

The golden (tests/data/golden/, made by make_golden.py there) holds the model and region
tables of three small runs. Every optimisation of the network, the firm identities and
the analytics must reproduce them: counts exactly, floats to the last bits that numpy's
kernels round differently on other CPUs (``make_golden.ROUNDING``; on one machine the
same seed gives identical output, tested in test_model and test_perf_compaction). A
change that is meant to alter behaviour regenerates the golden and says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from abm.streams import Streams

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


@pytest.mark.parametrize("case", make_golden.CASES, ids=[c[0] for c in make_golden.CASES])
def test_outputs_equal_the_golden_of_the_starting_commit(case):
    model, regions = make_golden.run_case(ROOT, case)
    want_model = pd.read_parquet(GOLDEN / f"{case[0]}_model.parquet")
    want_regions = pd.read_parquet(GOLDEN / f"{case[0]}_regions.parquet")
    make_golden.assert_matches(model, want_model, f"{case[0]} model")
    make_golden.assert_matches(regions, want_regions, f"{case[0]} regions")


def test_the_golden_comparison_catches_a_changed_count_and_a_moved_float():
    """The tolerance for other CPUs' rounding must not let a real change through."""
    want = pd.read_parquet(GOLDEN / "baseline_model.parquet")
    make_golden.assert_matches(want.copy(), want, "same")
    ulp = want.copy()
    ulp["employment"] = np.nextafter(ulp["employment"].to_numpy(), np.inf)
    make_golden.assert_matches(ulp, want, "one ulp")
    count = want.copy()
    count.loc[count.index[-1], "firms"] += 1
    with pytest.raises(AssertionError, match="firms"):
        make_golden.assert_matches(count, want, "count")
    moved = want.copy()
    moved.loc[moved.index[-1], "employment"] *= 1 + 1e-6
    with pytest.raises(AssertionError, match="employment"):
        make_golden.assert_matches(moved, want, "float")


# ------------------------------------------------------------------ the network's arrays


def _network(n: int, seed: int = 0):
    from abm.network import CollaborationNetwork
    from abm.nodes import NodeTable
    from abm.schema import Network
    from abm.streams import lineage

    nodes = NodeTable(2, capacity=n)
    nodes.add(n)
    nodes.alive[:n] = True
    nodes.lineage[:n] = lineage("test", np.arange(n))
    return CollaborationNetwork(nodes, Network(), np.zeros((2, 2))), np.random.default_rng(seed)


def test_sorted_keys_and_csr_agree_with_a_set_and_scipy_through_adds_and_drops():
    net, rng = _network(400)
    reference: list[tuple[int, int]] = []  # insertion order, like net.u / net.v
    for step in range(1, 40):
        u, v = rng.integers(0, 400, 60), rng.integers(0, 400, 60)
        net.add_edges(u, v, step)
        seen = set(reference)
        for a, b in sorted({(min(x, y), max(x, y)) for x, y in zip(u, v, strict=True) if x != y}):
            if (a, b) not in seen:
                reference.append((a, b))
        if step % 3 == 0:  # some agents leave
            gone = rng.choice(400, 5, replace=False)
            net.remove_nodes(gone)
            reference = [(a, b) for a, b in reference if a not in gone and b not in gone]
        if step % 5 == 0:
            net.renew_and_decay(step, Streams(seed=1))
            alive = set(zip(net.u.tolist(), net.v.tolist(), strict=True))
            reference = [e for e in reference if e in alive]
        assert list(zip(net.u.tolist(), net.v.tolist(), strict=True)) == reference
        indptr, indices = net.csr()
        a = np.array(reference, dtype=np.int64).reshape(-1, 2)
        adj = sp.coo_matrix(
            (np.ones(2 * len(a)), (np.r_[a[:, 0], a[:, 1]], np.r_[a[:, 1], a[:, 0]])), (400, 400)
        ).tocsr()
        adj.sort_indices()
        assert np.array_equal(indptr, adj.indptr) and np.array_equal(indices, adj.indices)
        assert np.array_equal(net.degree(), np.diff(adj.indptr))
        probe = rng.integers(0, 400, (200, 2))
        want = [(min(x, y), max(x, y)) in set(reference) for x, y in probe.tolist()]
        assert net.has_edges(probe.min(axis=1), probe.max(axis=1)).tolist() == want


def _graphs():
    rng = np.random.default_rng(3)
    yield "barbell", nx.barbell_graph(5, 2)
    yield "powerlaw_cluster", nx.powerlaw_cluster_graph(800, 3, 0.6, seed=1)
    yield "scale_free_hubs", nx.Graph(nx.barabasi_albert_graph(1500, 2, seed=2))
    g = nx.gnm_random_graph(600, 1500, seed=4)
    g.add_nodes_from(range(600, 640))  # isolated
    yield "random_with_isolates", g
    star = nx.star_graph(300)
    star.add_edges_from((int(a), int(b)) for a, b in rng.integers(1, 301, (200, 2)) if a != b)
    yield "star_with_chords", star


@pytest.mark.parametrize(("name", "graph"), list(_graphs()), ids=[n for n, _ in _graphs()])
def test_clustering_is_igraphs_bit_for_bit_and_networkx_and_giant_is_networkx(name, graph):
    import igraph as ig

    from abm import metrics

    n = graph.number_of_nodes()
    edges = np.array(list(graph.edges()), dtype=np.int64)
    rows = np.arange(n)
    clustering, giant = metrics.clustering_and_giant(n, edges[:, 0], edges[:, 1], rows)
    want = ig.Graph(n=n, edges=edges.tolist()).transitivity_avglocal_undirected(mode="zero")
    assert clustering == want  # exact: outputs did not move when igraph left
    assert clustering == pytest.approx(nx.average_clustering(graph), rel=1e-12)
    biggest = max(len(c) for c in nx.connected_components(graph))
    assert giant == biggest / n
    # over a subset of rows (dead rows hold no ties): the mean is over the subset
    keep = rows[rows % 7 != 0]
    mask = np.isin(edges, keep).all(axis=1)
    sub = graph.subgraph(keep.tolist())
    c2, g2 = metrics.clustering_and_giant(n, edges[mask, 0], edges[mask, 1], keep)
    assert c2 == pytest.approx(nx.average_clustering(sub), rel=1e-12)
    assert g2 == max(len(c) for c in nx.connected_components(sub)) / len(keep)


def test_triangles_per_node_match_networkx():
    from abm import metrics

    graph = nx.powerlaw_cluster_graph(500, 4, 0.7, seed=9)
    edges = np.array(list(graph.edges()), dtype=np.int64)
    indptr, indices = metrics.csr_from_edges(500, edges[:, 0], edges[:, 1])
    want = nx.triangles(graph)
    assert metrics.local_triangles(indptr, indices).tolist() == [want[i] for i in range(500)]


# ------------------------------------------------------------------ firm identities


def test_firm_ids_come_from_mesas_counter_and_views_read_the_rows():
    import mesa

    from abm.agents import Firm
    from abm.model import RegionalModel
    from abm.nodes import FIRM
    from tests.conftest import small

    model = RegionalModel(small("baseline", firms=200, steps=6), rng=4)
    for _ in range(6):
        model.step()
    nodes = model.nodes
    rows = nodes.rows(FIRM)
    assert len(model.firm_agents) == len(rows) and list(model.firm_agents) == rows.tolist()
    firm = model.firm_agents[int(rows[0])]
    assert isinstance(firm, Firm) and firm.alive
    assert firm.size == nodes.size[rows[0]] and firm.region in model.region_ids
    leaving = int(rows[-1])
    model.remove_firms(np.array([leaving]))
    assert leaving not in model.firm_agents and len(model.firm_agents) == len(rows) - 1
    with pytest.raises(KeyError):
        model.firm_agents[leaving]
    assert model.firm_agents.by_uid(firm.unique_id) == firm
    # every id, dead or alive, is unique and below Mesa's counter: a Mesa agent made now
    # gets a fresh one
    uids = nodes.view("uid")
    assert len(np.unique(uids)) == len(uids) and uids.max() < model.agent_id_counter
    later = mesa.Agent(model)
    assert later.unique_id not in set(uids.tolist())
