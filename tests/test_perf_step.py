"""The step's shortcuts give what the long way gives, exactly (issue 25, "a faster step").

Each shortcut saves passes over the firms or the ties without changing a bit of output:
degrees counted from the tie list instead of read off freshly built neighbour lists, the
E-I index and the modularity from one count of ties by the regions of their ends, and the
model's scale kept for its scenario. The golden comparison checks whole runs; these check
each shortcut where it can go wrong (dead rows, rows added since the lists were built,
regions without ties, a changed scenario).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from abm import metrics, outputs
from abm.metrics import Month
from abm.model import RegionalModel
from abm.network import CollaborationNetwork
from abm.nodes import NodeTable
from abm.schema import Network
from abm.streams import lineage


def _network(n: int) -> CollaborationNetwork:
    nodes = NodeTable(2, capacity=n)
    nodes.add(n)
    nodes.alive[:n] = True
    nodes.lineage[:n] = lineage("test", np.arange(n))
    return CollaborationNetwork(nodes, Network(), np.zeros((2, 2)))


def _degrees(net: CollaborationNetwork) -> np.ndarray:
    n = net.nodes.n
    a = np.r_[net.u, net.v]
    b = np.r_[net.v, net.u]
    adj = sp.coo_matrix((np.ones(len(a)), (a, b)), (n, n)).tocsr()
    return np.diff(adj.indptr)


def test_degrees_from_the_tie_list_equal_those_of_the_neighbour_lists():
    net = _network(300)
    rng = np.random.default_rng(5)
    for step in range(1, 30):
        net.add_edges(rng.integers(0, 300, 50), rng.integers(0, 300, 50), step)
        if step % 4 == 0:
            net.remove_nodes(rng.choice(net.nodes.n, 4, replace=False))
        if step % 7 == 0:  # rows added after the lists were built
            net.csr()
            net.nodes.add(3)
        assert net._csr is None or step % 7 == 0
        counted = net.degree()  # from the tie list (the lists were dropped by the change)
        assert counted.dtype == np.int64 and len(counted) == net.nodes.n
        assert np.array_equal(counted, _degrees(net))
        net.csr()
        assert np.array_equal(net.degree(), counted)  # from the lists


def _modularity_by_masks(ru: np.ndarray, rv: np.ndarray, n: int) -> float:
    """The formula as it was: ties within a region by a mask, degrees by two counts."""
    m = len(ru)
    internal = np.bincount(ru[ru == rv], minlength=n)
    degree = np.bincount(ru, minlength=n) + np.bincount(rv, minlength=n)
    return float(np.sum(internal / m - (degree / (2.0 * m)) ** 2))


def test_modularity_and_ties_from_the_region_pairs_equal_the_masks_bit_for_bit():
    rng = np.random.default_rng(11)
    for n_regions, m in ((17, 40_000), (5, 1_000), (3, 7)):
        region = rng.integers(0, n_regions - 1, 5_000).astype(np.int16)  # one region unused
        u, v = rng.integers(0, 5_000, m), rng.integers(0, 5_000, m)
        ru, rv = region[u], region[v]
        pairs = outputs.region_pairs(ru, rv, n_regions)
        want = _modularity_by_masks(ru, rv, n_regions)
        assert outputs.region_modularity(u, v, region, n_regions) == want
        assert outputs.region_modularity(u, v, region, n_regions, pairs=pairs) == want
        assert int(np.trace(pairs)) == int((ru == rv).sum())


def test_a_month_counts_ties_within_and_across_regions(baseline_small):
    model = RegionalModel(dataclasses.replace(baseline_small), rng=3)
    for _ in range(3):
        model.step()
    month = Month(model, model.recorder)
    ru, rv = model.nodes.region[model.network.u], model.nodes.region[model.network.v]
    assert month.ties == (int((ru == rv).sum()), int((ru != rv).sum()))
    assert month.firm_region.tolist() == model.nodes.region[model.firm_rows()].tolist()


def test_the_kept_scale_follows_a_changed_scenario(baseline_small):
    model = RegionalModel(baseline_small, rng=1)
    assert model.scale == baseline_small.scale
    twice = dataclasses.replace(
        baseline_small,
        population=dataclasses.replace(
            baseline_small.population, firms=2 * baseline_small.population.firms
        ),
    )
    model.config = twice
    assert model.scale == twice.scale == 2 * baseline_small.scale


def _clustering_over_every_row(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> float:
    """The mean as it was: every row's quotient, zeros included, summed left to right."""
    t = metrics.local_triangles(indptr, indices)[rows].astype(np.float64)
    d = np.diff(indptr)[rows].astype(np.float64)
    local = np.zeros(len(rows))
    two = d >= 2
    local[two] = t[two] / d[two] / (d[two] - 1.0) * 2.0
    return float(np.cumsum(local)[-1] / len(rows))


def test_clustering_summed_over_rows_on_triangles_equals_the_sum_over_every_row():
    rng = np.random.default_rng(2)
    n = 4_000
    for m in (6_000, 30_000, 0):
        u, v = rng.integers(0, n, m), rng.integers(0, n, m)
        keys = np.unique(np.minimum(u, v) * n + np.maximum(u, v))
        a, b = keys // n, keys % n
        a, b = a[a != b], b[a != b]
        indptr, indices = metrics.csr_from_edges(n, a, b)
        for rows in (np.arange(n), np.sort(rng.choice(n, 900, replace=False)), rng.permutation(n)):
            want = _clustering_over_every_row(indptr, indices, rows)
            assert metrics.average_clustering(indptr, indices, rows) == want
