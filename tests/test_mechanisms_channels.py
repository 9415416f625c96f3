"""Fast tests that fail when a channel of the model is removed.

An outside review removed four mechanisms one at a time and every fast test stayed green
(only the golden comparison, regenerated whenever behaviour changes on purpose, noticed):
compute's effect on innovation, knowledge spillover along ties, the congestion term of the
location choice and the distance to public compute in the location choice. Each test
below pins its mechanism's formula on hand-set inputs, so a mutant that drops or alters it
fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm.geography import access
from abm.model import RegionalModel
from abm.nodes import NodeTable
from abm.rules.innovation import _innovate_block
from abm.schema import Firm
from tests.conftest import FUTURE, small


def _two_firms(**columns: list[float]) -> tuple[NodeTable, np.ndarray]:
    """A node table with two identical firms but for the columns given (one value each)."""
    nodes = NodeTable(1, capacity=16)
    rows = nodes.add(2)
    nodes.alive[rows] = True
    nodes.knowledge[rows] = 1.0
    nodes.size[rows] = 10.0
    nodes.intensity[rows] = 1.0
    for name, values in columns.items():
        getattr(nodes, name)[rows] = values
    return nodes, rows


def _hazard(
    p: Firm, knowledge: float, size: float, intensity: float, ratio: float, partners: float
) -> float:
    """The monthly innovation hazard of docs/ODD.md, written out independently."""
    own = 2.0 * knowledge / (knowledge + 1.0) * (size / p.innovation_size_ref) ** p.size_elasticity
    compute = 1.0 + p.compute_effect * intensity * ratio
    spill = 1.0 + p.spillover_effect * math.log1p(partners)
    return p.innovation_base * own * compute * spill


def _innovates(p: Firm, nodes: NodeTable, rows: np.ndarray, partners: np.ndarray, u: float):
    degree = np.where(partners > 0, 1.0, 0.0)
    draws = np.full(len(rows), u)
    centre = float(np.log(nodes.knowledge[rows]).mean())  # the firms' mean log knowledge
    return _innovate_block(nodes, p, rows, degree, partners, draws, centre)


def test_compute_raises_the_innovation_hazard_by_its_effect():
    p = Firm()
    assert p.compute_effect > 0
    nodes, rows = _two_firms(compute_ratio=[0.0, 1.0])
    low = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 0.0))
    high = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 1.0, 0.0))
    assert high > low
    # a draw just below each firm's chance of innovating succeeds, just above it fails
    for u, expected in [((low + high) / 2, [False, True]), (low * 0.999, [True, True])]:
        nodes, rows = _two_firms(compute_ratio=[0.0, 1.0])
        assert _innovates(p, nodes, rows, np.zeros(2), u).tolist() == expected
    nodes, rows = _two_firms(compute_ratio=[0.0, 1.0])
    assert _innovates(p, nodes, rows, np.zeros(2), high * 1.001).tolist() == [False, False]


def test_partners_knowledge_raises_the_innovation_hazard():
    p = Firm()
    assert p.spillover_effect > 0
    partners = np.array([0.0, 3.0])
    low = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 0.0))
    high = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 3.0))
    assert high > low
    nodes, rows = _two_firms(compute_ratio=[0.0, 0.0])
    assert _innovates(p, nodes, rows, partners, (low + high) / 2).tolist() == [False, True]
    nodes, rows = _two_firms(compute_ratio=[0.0, 0.0])
    assert _innovates(p, nodes, rows, partners, high * 1.001).tolist() == [False, False]


def test_partners_knowledge_is_absorbed():
    p = Firm(knowledge_catchup=0.0)  # absorption alone (the catch-up: test_knowledge_demography)
    nodes, rows = _two_firms(compute_ratio=[0.0, 0.0])
    _innovates(p, nodes, rows, np.array([0.0, 3.0]), 1.0)  # nobody innovates
    alone = 1.0 * (1.0 - p.knowledge_decay)
    linked = (1.0 + p.absorption * (3.0 - 1.0)) * (1.0 - p.knowledge_decay)
    assert nodes.knowledge[rows].tolist() == pytest.approx([alone, linked])


@pytest.fixture(scope="module")
def model() -> RegionalModel:
    """The baseline at 2025-01, after its first month (centers have their capacity)."""
    m = RegionalModel(small("baseline", firms=200, steps=2, **FUTURE))
    m.step()
    return m


def test_labour_market_tightness_lowers_a_regions_pull(model):
    weight = model.config.params.location.congestion_weight
    assert weight > 0
    saved = model.hiring_demand.copy()
    try:
        model.hiring_demand[:] = 0.0
        slack = model.location_terms(policy=False)
        model.hiring_demand[:] = model.talent  # demand / (demand + talent) = 0.5
        tight = model.location_terms(policy=False)
    finally:
        model.hiring_demand[:] = saved
    has_talent = model.talent > 0
    assert has_talent.any()
    assert (tight - slack)[has_talent] == pytest.approx(np.full(has_talent.sum(), -0.5 * weight))


def test_the_value_of_public_compute_falls_with_distance_from_its_site(model):
    market = model.market
    sites = {c.site for c in market.centers if c.capacity > 0}
    assert len(sites) == 1, "in 2025-01 only the Gwangju NADC serves: the test needs one site"
    site = sites.pop()
    value = market.access_value()
    assert value[site] > 0
    loc = model.config.params.compute
    keep = access(model.distance_km[:, site], loc.access_decay_km, loc.remote_floor)
    assert value == pytest.approx(value[site] * keep / keep[site])
    assert np.argsort(-value).tolist()[0] == site
