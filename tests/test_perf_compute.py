"""Public GPUs in blocks of users: the grants of the per-user rule, to the last bit.

``ComputeMarket._allocate_public`` runs its rounds over blocks of users
(``abm.nodes.blocks``), adds exact zeros to the totals of users who do not apply in a
round, and drops users who stopped applying once they are half of those left. The
reference is the per-user rule of ``tests/test_compute_order.py`` (how the allocation
was first written). Here the block is made small and odd, so that a round spans many
blocks and each center's applicants come from several of them, and the users are
many, so that rounds drop users.
"""

from __future__ import annotations

import numpy as np
import pytest

import abm.nodes
from abm.compute import Allocation, allocate
from tests.test_compute_order import _market, _reference


def _run(seed: int, users: int, block: int, monkeypatch) -> tuple[int, int]:
    rng = np.random.default_rng(seed)
    n_regions = 6
    rules = ["priority", "proportional", "queue", "priority", "queue", "proportional"]
    markets = [
        _market(np.random.default_rng(seed), n_regions, rules, [0.0, 0.25, 1.0]) for _ in range(2)
    ]
    for market in markets:  # capacities that refuse some users and serve others
        for c in market.centers:
            c.capacity *= users / 300
    region = rng.integers(0, n_regions, users)
    need = rng.choice([0.0, 0.5, 1.0, 3.0], users) * rng.random(users)
    priority = (rng.random(users) < 0.4).astype(float)
    wait = rng.integers(0, 3, users).astype(float)
    outs = [Allocation(*(np.zeros(users) for _ in range(6))) for _ in range(2)]
    wait_a, wait_b = wait.copy(), wait.copy()
    _reference(markets[0], region, need, priority, wait_a, outs[0])
    monkeypatch.setattr(abm.nodes, "BLOCK", block)
    markets[1]._allocate_public(region, need, priority, wait_b, outs[1])
    monkeypatch.undo()
    for name in ("effective", "public", "spend", "saving"):
        a, b = getattr(outs[0], name), getattr(outs[1], name)
        assert np.array_equal(a.view(np.int64), b.view(np.int64)), name  # bits, signs of 0
    assert np.array_equal(wait_a, wait_b)
    for a, b in zip(markets[0].centers, markets[1].centers, strict=True):
        assert (a.demand, a.granted) == (b.demand, b.granted)
    served = int((outs[1].public >= need - 1e-12).sum())
    partly = int(((outs[1].public > 0) & (outs[1].public < need - 1e-12)).sum())
    return served, partly


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("block", [7, 97])
def test_blocked_rounds_grant_what_per_user_rounds_grant(seed, block, monkeypatch):
    _run(seed, 3000, block, monkeypatch)


def test_the_blocked_comparison_covers_served_refused_and_partly_served_users(monkeypatch):
    figures = [_run(seed, 3000, 97, monkeypatch) for seed in range(8)]
    assert sum(s > 0 for s, _ in figures) >= 4
    assert sum(p > 0 for _, p in figures) >= 3


def test_allocate_reads_priority_and_wait_of_the_applicants_it_is_given():
    rows = np.array([4, 1, 3])
    priority = np.array([0.0, 1.0, 0.0, 1.0, 0.0])
    wait = np.array([0.0, 5.0, 0.0, 1.0, 9.0])
    demand = np.array([1.0, 2.0, 3.0])
    for rule, capacity in (("priority", 4.0), ("queue", 2.5), ("proportional", 3.0)):
        whole = allocate(demand, capacity, rule, priority, wait, who=rows)
        taken = allocate(demand, capacity, rule, priority[rows], wait[rows])
        assert np.array_equal(whole, taken), rule


def test_users_refused_by_centers_with_nothing_left_go_on_to_the_next_round():
    """Round 1 sends every applicant to a center its first round emptied (nothing left to
    grant); round 2 sends them to one with GPUs: they must still get them."""
    from abm.compute import CenterState, ComputeMarket

    markets = []
    for _ in range(2):
        market = ComputeMarket.__new__(ComputeMarket)

        class P:
            market_price_krw = 2_000_000.0

        market.params = P()
        market.price = P.market_price_krw
        market.centers = [
            CenterState(name, name, 0, True, 0.0, rule, capacity=cap)
            for name, rule, cap in (
                ("x", "queue", 1.0),
                ("z", "queue", 1.0),
                ("y", "priority", 50.0),
            )
        ]
        # region 0 tries x, z, y; region 1 tries z, x, y
        market.access = np.array([[1.0, 0.9, 0.8], [0.9, 1.0, 0.8]])
        markets.append(market)
    region = np.array([0, 1, 0, 1])
    need = np.array([5.0, 5.0, 0.5, 0.5])
    priority = np.array([1.0, 0.0, 0.0, 1.0])
    waits = [np.array([2.0, 1.0, 0.0, 0.0]) for _ in range(2)]
    outs = [Allocation(*(np.zeros(4) for _ in range(6))) for _ in range(2)]
    _reference(markets[0], region, need, priority, waits[0], outs[0])
    markets[1]._allocate_public(region, need, priority, waits[1], outs[1])
    assert markets[0].centers[0].capacity - markets[0].centers[0].granted == 0.0  # emptied
    assert outs[0].public[0] > 1.0  # the reference did serve them in round 2
    for name in ("effective", "public", "spend", "saving"):
        assert np.array_equal(getattr(outs[0], name), getattr(outs[1], name)), name
    assert np.array_equal(waits[0], waits[1])
