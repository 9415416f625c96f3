"""Compacting the node table changes nothing but row numbers.

``RegionalModel.compact`` drops the rows of firms that left and renumbers the ties, the
census and the agents' rows. A run that compacts after every month must give the very
outputs of a run that never compacts, and the same live state, agent by agent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.model import RegionalModel
from abm.nodes import COLUMNS, FIRM, NodeTable
from abm.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent

# (scenario, firms, steps, seed, overrides): grants that queue ties, districts, tie decay
CASES = (
    ("baseline", 1500, 30, 3, {}),
    ("nacc_split", 1200, 30, 5, {"params.network.metrics_every": 1, "scenario.start": "2025-01"}),
    ("nacc_haenam", 900, 40, 11, {"scenario.start": "2025-01"}),
)


def _run(case, share):
    name, firms, steps, seed, extra = case
    scenario = load_scenario(
        ROOT / "scenarios" / f"{name}.toml",
        {"population.firms": firms, "scenario.steps": steps, **extra},
    )
    model = RegionalModel(scenario, rng=seed)
    model.compact_dead_share, model.compact_min_rows = share, 0
    for _ in range(steps):
        model.step()
    return model, model.nodes.epoch  # compactions that dropped rows


def _live_state(model: RegionalModel) -> dict:
    """Everything the model keeps about its live agents, keyed by identity (uid), in row order."""
    nodes = model.nodes
    rows = np.flatnonzero(nodes.view("alive"))
    uid = nodes.uid
    state = {name: getattr(nodes, name)[rows] for name in COLUMNS if name != "parent"}
    state["taste"] = nodes.taste[rows]
    parent = nodes.parent[rows]
    # a parent that is still alive is the same agent; one that left is -1 after a compaction
    parent_alive = (parent >= 0) & nodes.alive[np.maximum(parent, 0)]
    state["parent_uid"] = np.where(parent_alive, uid[np.maximum(parent, 0)], -1)
    net = model.network
    state["ties"] = np.stack([uid[net.u], uid[net.v], net.last])
    indptr, indices = net.csr()
    state["neighbours"] = [uid[indices[indptr[r] : indptr[r + 1]]] for r in rows]
    state["firm_rows_uid"] = uid[model.firm_rows()]
    state["regions"] = model.region_firm_counts()
    state["districts"] = model.district_firm_counts()
    state["agent_rows_uid"] = [int(uid[u.row]) for u in model.universities]
    return state


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_compacting_every_month_gives_the_outputs_and_state_of_never_compacting(case):
    reference, none = _run(case, None)
    compacted, some = _run(case, 0.0)
    assert none == 0 and some >= 5, "the compacted run must actually compact"
    assert compacted.nodes.n == len(np.flatnonzero(compacted.nodes.view("alive")))
    assert reference.nodes.n > compacted.nodes.n
    for a, b in zip(reference.history(), compacted.history(), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(
        reference.district_history(), compacted.district_history(), check_exact=True
    )
    want, got = _live_state(reference), _live_state(compacted)
    for key in want:
        if key == "neighbours":
            assert all(np.array_equal(x, y) for x, y in zip(want[key], got[key], strict=True))
        else:
            np.testing.assert_array_equal(want[key], got[key], err_msg=key)
    compacted.census.check()
    # the networkx view is keyed by uid: the same graph
    g, h = reference.graph, compacted.graph
    assert set(g.nodes) == set(h.nodes) and {frozenset(e) for e in g.edges} == {
        frozenset(e) for e in h.edges
    }
    # agents that act on their own find their rows again
    for u in compacted.universities:
        assert compacted.nodes.kind[u.row] != FIRM and compacted.nodes.alive[u.row]


def test_small_tables_are_not_compacted_by_default():
    model, compactions = _run(("baseline", 600, 20, 3, {}), 0.0)
    assert compactions > 0
    scenario = load_scenario(
        ROOT / "scenarios" / "baseline.toml", {"population.firms": 600, "scenario.steps": 20}
    )
    model = RegionalModel(scenario, rng=3)
    for _ in range(20):
        model.step()
    assert model.nodes.dead_rows() > model.compact_dead_share * model.nodes.n  # kept: small


def test_node_table_compact_keeps_live_rows_in_order_and_resets_the_tail():
    rng = np.random.default_rng(4)
    nodes = NodeTable(3, capacity=50)
    rows = nodes.add(40)
    nodes.alive[rows] = True
    nodes.size[rows] = np.arange(40.0)
    nodes.taste[rows] = rng.random((40, 3))
    nodes.parent[rows[10:]] = rows[:30]
    taste = nodes.taste[:40].copy()
    dead = np.sort(rng.choice(40, 15, replace=False))
    nodes.alive[dead] = False
    assert nodes.dead_rows() == 15
    mapping = nodes.compact()
    live = np.setdiff1d(np.arange(40), dead)
    assert nodes.n == 25 and nodes.dead_rows() == 0
    np.testing.assert_array_equal(mapping[live], np.arange(25))
    assert (mapping[dead] == -1).all()
    np.testing.assert_array_equal(nodes.size[:25], live.astype(float))
    np.testing.assert_array_equal(nodes.taste[:25], taste[live])
    # parents: renumbered when they live, -1 when they left
    old_parent = np.where(live >= 10, live - 10, -1)
    want = np.where(old_parent >= 0, mapping[np.maximum(old_parent, 0)], -1)
    np.testing.assert_array_equal(nodes.parent[:25], want)
    # rows handed out next are fresh: defaults, not the old tail
    fresh = nodes.add(15)
    np.testing.assert_array_equal(fresh, np.arange(25, 40))
    for name, (_, fill) in COLUMNS.items():
        assert (getattr(nodes, name)[fresh] == fill).all(), name
    assert (nodes.taste[fresh] == 0).all()


def test_network_renumber_keeps_membership_csr_and_edge_order():
    from abm.network import CollaborationNetwork
    from abm.schema import Network

    rng = np.random.default_rng(9)
    n = 300
    nodes = NodeTable(2, capacity=n)
    nodes.add(n)
    nodes.alive[:n] = True
    net = CollaborationNetwork(nodes, Network(), np.zeros((2, 2)))
    net.add_edges(rng.integers(0, n, 900), rng.integers(0, n, 900), step=1)
    net.csr()  # merge the fresh keys into the sorted array
    net.add_edges(rng.integers(0, n, 200), rng.integers(0, n, 200), step=2)  # stay fresh
    gone = rng.choice(n, 60, replace=False)
    net.remove_nodes(gone)
    nodes.alive[gone] = False
    pairs = list(zip(net.u.tolist(), net.v.tolist(), strict=True))
    last = net.last.copy()
    mapping = nodes.compact()
    net.renumber(mapping)
    assert list(zip(net.u.tolist(), net.v.tolist(), strict=True)) == [
        (mapping[a], mapping[b]) for a, b in pairs
    ]
    np.testing.assert_array_equal(net.last, last)
    assert (net.u < net.v).all()
    assert net.has_edges(net.u, net.v).all() and net.has_edges(net.v, net.u).all()
    # a pair that was not tied before is not tied after
    a, b = rng.integers(0, nodes.n, 2000), rng.integers(0, nodes.n, 2000)
    tied = {(min(x, y), max(x, y)) for x, y in zip(net.u.tolist(), net.v.tolist(), strict=True)}
    want = np.array([(min(x, y), max(x, y)) in tied for x, y in zip(a, b, strict=True)])
    np.testing.assert_array_equal(net.has_edges(a, b), want)
    indptr, indices = net.csr()
    assert len(indptr) == nodes.n + 1
    for r in range(nodes.n):
        want = sorted(
            [y for x, y in zip(net.u, net.v, strict=True) if x == r]
            + [x for x, y in zip(net.u, net.v, strict=True) if y == r]
        )
        assert indices[indptr[r] : indptr[r + 1]].tolist() == want


def test_a_firm_view_kept_across_compactions_follows_its_firm():
    """A Firm view finds its row again after rows move; a firm that left reads not alive."""
    scenario = load_scenario(
        ROOT / "scenarios" / "baseline.toml",
        {"population.firms": 400, "scenario.steps": 24, "scenario.start": "2025-01"},
    )
    model = RegionalModel(scenario, rng=3)
    model.compact_dead_share, model.compact_min_rows = 0.0, 0  # compact whenever one left
    views = [model.firm_agents[r] for r in list(model.firm_agents)[-50:]]
    uids = [v.unique_id for v in views]
    for _ in range(24):
        model.step()
    assert model.nodes.epoch > 0  # rows did move
    alive = [v for v in views if v.alive]
    assert 0 < len(alive) < len(views)  # some left, some stayed
    for v in alive:
        same = model.firm_agents.by_uid(v.unique_id)
        assert v.row == same.row and v.size == same.size and v.cash == same.cash
    gone = next(v for v in views if not v.alive)
    with pytest.raises(LookupError):
        _ = gone.size
    assert [v.unique_id for v in views] == uids
    assert alive[0] == model.firm_agents.by_uid(alive[0].unique_id)  # same firm, same view


def test_row_of_finds_each_uid_before_and_after_compaction():
    """``row_of`` is a binary search over the uid column: right for every uid, present or not."""
    nodes = NodeTable(2, capacity=16)
    rows = nodes.add(30)
    nodes.alive[rows] = True
    nodes.uid[rows] = 5 + 3 * np.arange(30)  # ascending with gaps, as Mesa's counter leaves
    probe = np.arange(-2, 5 + 3 * 30 + 3)  # below, in the gaps, above, and the -1 default

    def scan(uid: int) -> int:  # the linear search row_of replaces
        found = np.flatnonzero(nodes.view("uid") == uid)
        return int(found[0]) if len(found) else -1

    assert [nodes.row_of(int(u)) for u in probe] == [scan(int(u)) for u in probe]
    assert nodes.row_of(5) == 0 and nodes.row_of(5 + 3 * 29) == 29 and nodes.row_of(6) == -1
    dead = np.array([0, 1, 7, 8, 9, 20, 29])
    nodes.alive[dead] = False
    gone = nodes.uid[dead].copy()
    nodes.compact()
    assert [nodes.row_of(int(u)) for u in probe] == [scan(int(u)) for u in probe]
    assert all(nodes.row_of(int(u)) == -1 for u in gone)
    assert nodes.row_of(5 + 3 * 2) == 0  # the first live row moved to the front
    fresh = nodes.add(2)  # appended rows past the end are found once their uids are set
    nodes.uid[fresh] = [200, 201]
    assert nodes.row_of(201) == int(fresh[1]) and nodes.row_of(202) == -1


def test_uids_ascend_with_rows_through_entries_exits_and_compactions():
    """What ``row_of`` relies on, in a real run that compacts every month: uids strictly
    ascending in row order, so every agent (firm, university, government) is found at its
    row and every dropped firm at -1."""
    scenario = load_scenario(
        ROOT / "scenarios" / "baseline.toml",
        {"population.firms": 400, "scenario.steps": 24, "scenario.start": "2025-01"},
    )
    model = RegionalModel(scenario, rng=3)
    model.compact_dead_share, model.compact_min_rows = 0.0, 0
    nodes = model.nodes
    ever: set[int] = set(nodes.view("uid").tolist())
    for _ in range(24):
        model.step()
        uids = nodes.view("uid")
        assert (np.diff(uids) > 0).all()
        ever |= set(uids.tolist())
        held = set(uids.tolist())  # live agents and firms left since the last compaction
        assert all(nodes.row_of(u) == r for r, u in enumerate(uids.tolist()))
        assert all(nodes.row_of(u) == -1 for u in ever - held)
    assert nodes.epoch > 5 and len(ever) > len(held)  # rows moved and firms left
    assert [nodes.row_of(u.unique_id) for u in model.universities] == [
        u.row for u in model.universities
    ]
    # by_uid: a firm that is here, and KeyError for one that left, a university, or no id
    firm = model.firm_agents[int(model.firm_rows()[-1])]
    assert model.firm_agents.by_uid(np.int64(firm.unique_id)).row == firm.row
    for key in (min(ever - held), model.universities[0].unique_id, -1, "x", 1.5):
        with pytest.raises(KeyError):
            model.firm_agents.by_uid(key)
