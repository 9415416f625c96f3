"""Fast tests that kill the meaningful survivors of the mutation run (docs/mutation.md).

Each pins a rule's own function, on hand-set arrays or on a small model's state (for the rules
that read the model), to the sign and size its mechanism implies: the behaviour a mutant changed
while every selected fast test stayed green. Each test was seen failing with its mutant applied.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from abm import location
from abm.model import RegionalModel
from abm.nodes import SPINOFF, STARTUP
from abm.rules import entry, finance, innovation, labour
from abm.schema import Demography, Entry, Firm
from abm.streams import Draw
from tests.conftest import FUTURE, small
from tests.test_mechanisms_channels import _hazard, _innovates, _two_firms


@pytest.fixture(scope="module")
def model() -> RegionalModel:
    """The baseline at 2025-01, after its first month."""
    m = RegionalModel(small("baseline", firms=200, steps=2, **FUTURE))
    m.step()
    return m


def test_mean_log_knowledge_is_the_log_of_the_geometric_mean():
    assert innovation.mean_log_knowledge(np.exp([-2.0, 0.5, 1.0, 2.5])) == pytest.approx(0.5)
    assert innovation.mean_log_knowledge(np.array([math.e**3])) == pytest.approx(3.0)
    assert innovation.mean_log_knowledge(np.array([])) == 0.0  # no firm: the level of 1
    assert math.isfinite(innovation.mean_log_knowledge(np.array([0.0, 1.0])))


def test_innovations_are_added_to_the_regions_tally(model):
    firms = model.firm_rows()
    before = np.arange(len(model.region_ids), dtype=np.int64) + 5
    model.tally.innovations = before.copy()
    innovation.innovate(model, firms)
    won = firms[model.nodes.innovated[firms]]
    assert len(won) > 0
    added = np.bincount(model.nodes.region[won], minlength=len(before))
    assert model.tally.innovations.tolist() == (before + added).tolist()


def test_catch_up_closes_a_share_of_each_firms_log_gap_to_the_centre():
    k = np.exp([-2.0, 0.0, 0.5, 3.0])
    centre, rate = 0.5, 0.25
    after = innovation.catch_up(k, centre, rate)
    gap_before, gap_after = np.log(k) - centre, np.log(after) - centre
    assert gap_after.tolist() == pytest.approx((gap_before * (1.0 - rate)).tolist())
    assert innovation.catch_up(k, centre, 1.0).tolist() == pytest.approx([math.exp(centre)] * 4)
    # rate 0: nothing moves, not even a firm with no knowledge at all
    same = np.array([0.0, 0.3, 2.0])
    assert innovation.catch_up(same, centre, 0.0).tolist() == same.tolist()


def test_own_knowledge_raises_the_innovation_hazard():
    p = Firm()
    low = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 0.0))
    high = -math.expm1(-_hazard(p, 3.0, 10.0, 1.0, 0.0, 0.0))
    assert high == pytest.approx(low * 1.5, rel=0.05)  # 2k / (k + 1): 1 at k = 1, 1.5 at 3
    nodes, rows = _two_firms(knowledge=[1.0, 3.0], compute_ratio=[0.0, 0.0])
    assert _innovates(p, nodes, rows, np.zeros(2), (low + high) / 2).tolist() == [False, True]
    nodes, rows = _two_firms(knowledge=[1.0, 3.0], compute_ratio=[0.0, 0.0])
    assert _innovates(p, nodes, rows, np.zeros(2), high * 1.001).tolist() == [False, False]


def test_the_compute_effect_scales_with_compute_intensity():
    p = Firm()
    half = -math.expm1(-_hazard(p, 1.0, 10.0, 0.5, 1.0, 0.0))
    full = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 1.0, 0.0))
    nodes, rows = _two_firms(intensity=[0.5, 1.0], compute_ratio=[1.0, 1.0])
    assert _innovates(p, nodes, rows, np.zeros(2), (half + full) / 2).tolist() == [False, True]
    nodes, rows = _two_firms(intensity=[0.5, 1.0], compute_ratio=[1.0, 1.0])
    assert _innovates(p, nodes, rows, np.zeros(2), half * 0.999).tolist() == [True, True]


def test_one_unit_of_partners_knowledge_counts_as_log_2():
    p = Firm()
    alone = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 0.0))
    one = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 1.0))
    nodes, rows = _two_firms(compute_ratio=[0.0, 0.0])
    partners = np.array([0.0, 1.0])
    assert _innovates(p, nodes, rows, partners, (alone + one) / 2).tolist() == [False, True]


def test_an_innovation_multiplies_the_innovators_knowledge_by_its_gain():
    p = Firm(knowledge_catchup=0.0)
    assert p.innovation_gain > 0
    nodes, rows = _two_firms(compute_ratio=[0.0, 0.0])
    success = _innovates(p, nodes, rows, np.zeros(2), 0.0)  # a draw of 0: both innovate
    assert success.tolist() == [True, True]
    expected = (1.0 - p.knowledge_decay) * (1.0 + p.innovation_gain)
    assert nodes.knowledge[rows].tolist() == pytest.approx([expected, expected])


def test_an_innovation_raises_quality_which_otherwise_decays_and_is_counted():
    p = Firm()
    assert p.quality_gain > 0 and 0 < p.quality_decay < 1
    nodes, rows = _two_firms(compute_ratio=[0.0, 0.0], quality=[2.0, 2.0], innovations=[3, 3])
    chance = -math.expm1(-_hazard(p, 1.0, 10.0, 1.0, 0.0, 0.0))
    # the first firm draws above its chance of innovating, the second below it
    draws = np.array([chance * 1.5, 0.0])
    degree = np.zeros(2)
    centre = float(np.log(nodes.knowledge[rows]).mean())
    success = innovation._innovate_block(nodes, p, rows, degree, np.zeros(2), draws, centre)
    assert success.tolist() == [False, True]
    kept = 2.0 * (1.0 - p.quality_decay)
    assert nodes.quality[rows].tolist() == pytest.approx([kept, kept + p.quality_gain])
    assert nodes.innovations[rows].tolist() == [3, 4]
    assert nodes.innovated[rows].tolist() == [False, True]


def test_graduates_stay_where_openings_are_and_the_rest_go_to_the_capital(model):
    p = model.config.params.talent
    n = len(model.region_ids)
    flow = np.zeros(n)
    for u in model.universities:
        flow[u.region] += u.graduates_per_month
    assert (flow > 0).sum() >= 2 and model.capital >= 0
    saved = model.talent.copy(), model.hiring_demand.copy()
    tally = model.tally.attrition, model.tally.graduates_in
    try:
        model.talent[:] = 100.0
        model.hiring_demand[:] = flow  # openings = graduates: fill 1 - e^-1
        labour.graduates(model)
        after = model.talent.copy()
        left = model.tally.attrition - tally[0], model.tally.graduates_in - tally[1]
    finally:
        model.talent[:], model.hiring_demand[:] = saved
    assert left == pytest.approx((100.0 * n * p.attrition, flow.sum()))
    retention = p.retention_min + (p.retention_max - p.retention_min) * (1.0 - math.exp(-1.0))
    retention = np.where(np.arange(n) == model.capital, p.retention_max, retention)
    stay = flow * retention
    expected = 100.0 * (1.0 - p.attrition) + stay
    expected[model.capital] += (flow - stay).sum()
    assert after.tolist() == pytest.approx(expected.tolist())
    assert p.retention_min < p.retention_max


def _hire(model, margin: float, pool: float | None = None):
    """One month of labour.hire with every firm at ``margin``; the workers in firms and pools
    before and after, the inflow counted and the hiring demand (the model is restored)."""
    firms = model.firm_rows()
    saved = (model.talent.copy(), model.hiring_demand.copy(), model.nodes.size[firms].copy())
    margins, workers_in = model.nodes.margin[firms].copy(), model.tally.workers_in
    try:
        model.nodes.margin[firms] = margin
        model.hiring_demand[:] = model.talent  # tightness 0.5 last month
        if pool is not None:  # pools of ``pool`` workers, and no inflow (tightness 0)
            model.talent[:], model.hiring_demand[:] = pool, 0.0
        model.tally.workers_in = 7.0  # the month's tally so far
        before = model.talent.sum() + model.nodes.size[firms].sum()
        size = model.nodes.size[firms].copy()
        labour.hire(model, firms)
        joined = model.tally.workers_in - 7.0
        after = model.talent.sum() + model.nodes.size[firms].sum()
        grown = model.nodes.size[firms] - size
        return before, after, joined, model.hiring_demand.copy(), size, grown, model.talent.copy()
    finally:
        model.talent[:], model.hiring_demand, model.nodes.size[firms] = saved
        model.nodes.margin[firms] = margins
        model.tally.workers_in = workers_in


def test_hiring_and_shedding_conserve_workers_and_the_inflow_adds_them(model):
    p = model.config.params.firm
    assert model.config.params.talent.inflow_elasticity > 0
    firms = model.firm_rows()
    region = model.nodes.region[firms]
    # losing money, firms shed staff into the pool and want staff only after an innovation;
    # earning, they want growth_rate more (twice that after an innovation). Workers are
    # conserved but for the inflow, which is counted.
    for margin, share, short in [
        (-p.margin_scale, 0.0, None),
        (p.margin_scale, 1.0, None),
        (p.margin_scale, 1.0, 0.01),
    ]:
        before, after, joined, demand, size, grown, pool = _hire(model, margin, short)
        assert (joined > 0) == (short is None) and after == pytest.approx(before + joined)
        want = size * p.growth_rate * (share + model.nodes.innovated[firms])
        expected = np.bincount(region, weights=want, minlength=len(model.region_ids))
        assert demand.tolist() == pytest.approx(expected.tolist())
        # a firm gets at most what it wants; all of it where the pool was not emptied
        assert (grown <= want + 1e-9).all()
        if short:  # an emptied pool: each of its hiring firms gets the same share of its want
            emptied = np.flatnonzero(pool < 1e-9)
            assert len(emptied) > 0
            for r in emptied:
                at = (region == r) & (want > 0)
                assert (grown[at] < want[at]).all()
                assert grown[at] / want[at] == pytest.approx(
                    np.full(at.sum(), grown[at][0] / want[at][0])
                )
        elif share > 0:
            ample = pool[region] > 1e-9
            assert ample.any()
            assert grown[ample].tolist() == pytest.approx(want[ample].tolist())


def test_firms_shed_staff_with_losses_and_want_staff_with_profits_and_innovations():
    p = Firm()
    margin = np.array([-2.0, -0.5, 0.0, 0.5, 2.0, -2.0]) * p.margin_scale
    nodes, rows = _two_firms()
    rows = np.concatenate([rows, nodes.add(4)])
    nodes.margin[rows] = margin
    nodes.innovated[rows] = [False, False, False, True, False, False]
    size = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 1.01])  # the last keeps its one worker
    cut, want = labour._wants(p, size, nodes, rows)
    shed = size * p.shrink_rate * np.array([1.0, 0.5, 0.0, 0.0, 0.0, 1.0])
    shed[-1] = 0.01
    assert cut.tolist() == pytest.approx(shed.tolist())
    grow = size * p.growth_rate * np.array([0.0, 0.0, 0.0, 1.5, 1.0, 0.0])
    assert want.tolist() == pytest.approx(grow.tolist())


def test_without_an_outside_option_entry_is_fixed_and_with_it_grows_with_the_pull():
    assert location.entry_factor(5.0, 1.0, 0.0, 0.5) == 1.0  # the zero-sum conditional logit
    assert location.entry_factor(1.0, 1.0, 0.4, 0.5) == pytest.approx(1.0)
    assert location.entry_factor(2.0, 1.0, 1.0, 0.5) == pytest.approx(math.exp(2.0))  # Poisson
    half = location.entry_factor(2.0, 1.0, 0.5, 0.5)
    assert half == pytest.approx(1.0 / (0.5 + 0.5 * math.exp(-2.0)))


def test_a_single_firm_picks_a_district_by_the_nests_logit():
    region_of = np.array([0, 1])
    value = np.array([3.0, 0.0])
    available = np.array([1.0, 1.0])
    inside = math.exp(3.0) / (1.0 + math.exp(3.0))  # P(district 0) against the rest of region 0
    for u, expected in [(inside * 0.99, 0), (inside * 1.01, -1)]:
        pick = location.choose_district(
            np.array([0]), value, available, region_of, 1.0, np.array([u])
        )
        assert pick.tolist() == [expected]


# ------------------------------------------------------------------------------------ entry


def test_a_firm_that_innovated_is_more_likely_to_spin_off_and_the_chance_is_capped():
    p = Entry(spinoff_rate=0.01, spinoff_innovation_boost=4.0)
    assert entry.spinoff_chance(np.array([False, True]), p).tolist() == pytest.approx([0.01, 0.05])
    p = Entry(spinoff_rate=0.5, spinoff_innovation_boost=4.0)
    assert entry.spinoff_chance(np.array([False, True]), p).tolist() == [0.5, 1.0]


def test_a_spin_off_takes_one_founder_plus_a_share_never_the_parents_last_worker():
    p = Entry(founder_share=0.02, founders_max=10.0)
    size = np.array([0.5, 1.0, 2.0, 10.0, 100.0, 1000.0])
    # one + floor(2 % of staff), at most 10, at most all but one of the parent's staff
    assert entry.founders(size, p).tolist() == [0.0, 0.0, 1.0, 1.0, 3.0, 10.0]


def _spinoff_model(firms: int = 200, months: int = 1, **overrides) -> RegionalModel:
    """A small baseline from 2025-01 after ``months`` months (0: its initial state)."""
    m = RegionalModel(small("baseline", firms=firms, steps=2, **(FUTURE | overrides)))
    for _ in range(months):
        m.step()
    return m


def test_spin_offs_are_new_firms_beside_their_parents_with_staff_taken_from_them():
    m = _spinoff_model(**{"params.entry.spinoff_rate": 1.0})  # every firm that can, splits
    p = m.config.params.entry
    nodes, firms = m.nodes, m.firm_rows()
    size, staff = nodes.size.copy(), nodes.size[firms].sum()
    edges, entries = m.network.n_edges, m.tally.entries.copy()
    rows = entry.spinoffs(m, firms)
    parents = nodes.parent[rows]
    able = firms[entry.founders(size[firms], p) >= 1.0]
    assert len(rows) == len(able) > 0 and sorted(parents.tolist()) == sorted(able.tolist())
    assert (nodes.origin[rows] == SPINOFF).all() and (rows > firms.max()).all()
    assert nodes.region[rows].tolist() == nodes.region[parents].tolist()
    taken = entry.founders(size[parents], p)
    assert nodes.size[rows].tolist() == taken.tolist()
    assert nodes.size[parents].tolist() == (size[parents] - taken).tolist()
    assert nodes.size[firms].sum() + nodes.size[rows].sum() == pytest.approx(staff)
    assert nodes.knowledge[rows].tolist() == pytest.approx(
        (p.spinoff_knowledge * nodes.knowledge[parents]).tolist()
    )
    assert m.network.has_edges(np.minimum(rows, parents), np.maximum(rows, parents)).all()
    assert m.network.n_edges == edges + len(rows)
    added = np.bincount(nodes.region[rows], minlength=len(m.region_ids))
    assert m.tally.entries.tolist() == (entries + added).tolist()
    assert len(entry.spinoffs(m, np.empty(0, dtype=np.int64))) == 0


def test_without_a_spin_off_chance_no_firm_splits():
    m = _spinoff_model(**{"params.entry.spinoff_rate": 0.0})
    assert len(entry.spinoffs(m, m.firm_rows())) == 0


def test_the_urn_draws_exactly_its_spin_offs_and_leaves_parents_staff_alone():
    for per_step in (1, 7):
        m = _spinoff_model(months=0, **{"params.entry.spinoffs_per_step": per_step})
        firms = m.firm_rows()
        size = m.nodes.size[firms].copy()
        rows = entry.spinoffs(m, firms)
        assert len(rows) == per_step and m.nodes.size[rows].tolist() == [1.0] * per_step
        assert m.nodes.size[firms].tolist() == size.tolist()
        assert np.isin(m.nodes.parent[rows], firms).all()
    # next month the urn draws again: other parents
    m.steps += 1
    again = entry.spinoffs(m, firms)
    assert m.nodes.parent[again].tolist() != m.nodes.parent[rows].tolist()


def test_the_urn_can_draw_every_firm_and_twice_drawn_parents_have_distinct_spin_offs():
    m = _spinoff_model(months=0, **{"params.entry.spinoffs_per_step": 2000})
    firms = m.firm_rows()
    rows = entry.spinoffs(m, firms)
    parents = m.nodes.parent[rows]
    assert set(parents.tolist()) == set(firms.tolist())  # P(a firm missed) = e^-10 each
    keys = m.nodes.lineage[rows]
    assert len(np.unique(keys)) == len(keys)
    assert not np.isin(keys, m.nodes.lineage[firms]).any()
    m.steps += 1  # the same parents' spin-offs of another month are other firms
    later = entry.spinoffs(m, firms)
    later = m.nodes.lineage[later]
    assert not np.isin(later, keys).any()


def test_a_lone_firm_spins_off_near_its_technology():
    m = _spinoff_model(**{"params.entry.spinoff_rate": 1.0})
    firms = m.firm_rows()
    big = firms[m.nodes.size[firms] >= 2.0]
    rows = entry.spinoffs(m, big[:1])  # one candidate: one spin-off
    assert len(rows) == 1 and m.nodes.parent[rows].tolist() == big[:1].tolist()
    rows = entry.spinoffs(m, big)
    sd = m.config.params.entry.spinoff_tech_sd
    gap = np.abs(m.nodes.tech[rows] - m.nodes.tech[m.nodes.parent[rows]])
    gap = np.minimum(gap, 1.0 - gap)  # the technology line is a circle
    assert len(rows) > 50 and gap.max() < 5 * sd and gap.mean() > 0.3 * sd
    assert ((m.nodes.tech[rows] >= 0) & (m.nodes.tech[rows] < 1)).all()


def test_a_spin_off_stays_in_its_parents_district_while_it_has_room():
    m = _spinoff_model(firms=1000, **{"params.entry.spinoff_rate": 1.0})
    firms = m.firm_rows()
    assert (m.nodes.district[firms] >= 0).any() and (m.nodes.district[firms] < 0).any()
    entries = m.tally.district_entries.copy()
    _, available = m.district_options()
    room = m.district_room()
    rows = entry.spinoffs(m, firms)
    d, got = m.nodes.district[m.nodes.parent[rows]], m.nodes.district[rows]
    # each spin-off sits in its parent's district, or (without room) in the rest of the region
    assert ((got == d) | (got == -1)).all() and (got[d < 0] == -1).all()
    kept = np.bincount(got[got >= 0], minlength=len(m.district_ids))
    assert kept.sum() > 0 and (kept <= room).all() and (kept[available <= 0] == 0).all()
    assert ((got == d) | (kept[np.maximum(d, 0)] == room[np.maximum(d, 0)])).all()
    assert m.tally.district_entries.tolist() == (entries + kept).tolist()


def test_university_start_ups_are_founded_beside_their_university_from_its_pool():
    m = _spinoff_model(firms=1000, **{"params.entry.university_startups_per_year": 1000.0})
    p = m.config.params.entry
    nodes, before = m.nodes, m.nodes.n
    talent = m.talent.copy()
    entry.university_startups(m)
    rows = np.arange(before, nodes.n)
    rows = rows[nodes.origin[rows] == STARTUP]
    assert len(rows) > 0
    uni = {u.row: u for u in m.universities}
    parents = nodes.parent[rows]
    assert set(parents.tolist()) <= set(uni)
    assert nodes.region[rows].tolist() == [uni[r].region for r in parents.tolist()]
    assert nodes.size[rows].tolist() == [p.startup_founders] * len(rows)
    assert nodes.knowledge[rows].tolist() == pytest.approx(
        (p.spinoff_knowledge * nodes.knowledge[parents]).tolist()
    )
    used = np.bincount(nodes.region[rows], minlength=len(talent)) * p.startup_founders
    assert m.talent.tolist() == pytest.approx((talent - used).tolist())
    assert m.network.has_edges(np.minimum(rows, parents), np.maximum(rows, parents)).all()
    # with empty pools no start-up is founded
    m.talent[:] = p.startup_founders - 0.5
    before = nodes.n
    entry.university_startups(m)
    assert nodes.n == before


def test_an_outside_entrant_brings_its_founder_and_hires_the_rest_pro_rata():
    m = _spinoff_model()
    n = len(m.region_ids)
    region = np.array([0, 0, 1, 1, 2, 3])
    size = np.array([5.0, 3.0, 4.0, 1.0, 1.0, 2.0])  # want 4, 2, 3, 0, 0, 1 from the pools
    m.talent[:] = 100.0
    m.talent[1] = 1.5  # region 1 can fill half of its want
    m.talent[2] = 0.0  # region 2's lone founder needs no one
    m.talent[3] = 0.5  # region 3 fills half of its one
    founders_in = m.tally.founders_in
    got = entry.hire_entrant_staff(m, region, size)
    assert got.tolist() == pytest.approx([5.0, 3.0, 2.5, 1.0, 1.0, 1.5])
    assert m.tally.founders_in == founders_in + 6.0
    assert m.talent[:4].tolist() == pytest.approx([94.0, 0.0, 0.0, 0.0])
    assert m.talent[4:].tolist() == [100.0] * (n - 4)


@pytest.mark.parametrize("sigma", [None, 0.5])
def test_firm_sizes_are_log_normal_around_the_regions_mean_and_at_least_one(sigma):
    m = _spinoff_model(**({} if sigma is None else {"population.size_sigma": sigma}))
    sigma = m.config.population.size_sigma
    r = int(np.argmax(m.mean_firm_size))
    assert sigma > 0 and m.mean_firm_size[r] > 5
    sizes = entry.draw_sizes(m, np.full(200_000, r), np.random.default_rng(1))
    assert sizes.min() == 1.0 and (sizes == np.round(sizes)).all()
    assert sizes.mean() == pytest.approx(m.mean_firm_size[r], rel=0.03)
    big = sizes[sizes > 3]
    assert np.log(big).std() > 0.5 * sigma


def test_compute_intensity_is_beta_with_the_scenarios_mean_and_concentration():
    m = _spinoff_model()
    p = m.config.params.compute
    share, a = p.intensity_share, p.intensity_concentration
    assert 0 < share < 1
    x = entry.draw_intensity(m, 200_000, np.random.default_rng(1))
    assert x.mean() == pytest.approx(share, rel=0.01)
    # Beta(a, b) with b = a (1 - m) / m: variance m (1 - m) / (a / m + 1)
    assert x.var() == pytest.approx(share * (1 - share) / (a / share + 1), rel=0.03)
    for edge, value in [(0.0, 0.0), (1.0, 1.0)]:
        mm = _spinoff_model(**{"params.compute.intensity_share": edge})
        assert entry.draw_intensity(mm, 3, np.random.default_rng(1)).tolist() == [value] * 3


def test_knowledge_is_log_normal_with_mean_one_or_around_a_centre():
    m = _spinoff_model()
    sigma = m.config.population.knowledge_sigma
    k = entry.draw_knowledge(m, 200_000, np.random.default_rng(1))
    assert k.mean() == pytest.approx(1.0, rel=0.01)
    assert np.log(k).std() == pytest.approx(sigma, rel=0.01)
    k = entry.draw_knowledge(m, 200_000, np.random.default_rng(1), centre=0.7)
    assert np.log(k).mean() == pytest.approx(0.7, abs=0.01)


def _startup_model() -> RegionalModel:
    """Universities of full research strength founding a few start-ups a month each."""
    m = _spinoff_model(firms=1000, **{"params.entry.university_startups_per_year": 1000.0})
    for u in m.universities:
        u.research = 1.0
    m.talent[:] = 1e6  # ample pools
    return m


@pytest.mark.parametrize("closed", [0, 1])
def test_a_spin_off_never_settles_in_a_district_not_yet_open(closed):
    m = _spinoff_model(firms=1000, **{"params.entry.spinoff_rate": 1.0})
    m.district_opens[closed] = m.month + 12
    firms = m.firm_rows()
    rows = entry.spinoffs(m, firms)
    d, got = m.nodes.district[m.nodes.parent[rows]], m.nodes.district[rows]
    assert (d == 0).any() and (got[d == closed] == -1).all()
    if closed == 1:  # the other district, open with room, keeps its parents' spin-offs
        assert (got[d == 0] == 0).any()


def test_start_ups_draw_their_own_technology_intensity_taste_and_lineage():
    m = _startup_model()
    p, nodes = m.config.params.entry, m.nodes
    before = nodes.n
    entry.university_startups(m)
    rows = np.arange(before, nodes.n)
    assert len(set(nodes.parent[rows].tolist())) >= 2 and len(rows) >= 5
    for values in (nodes.intensity[rows], nodes.taste[rows][:, 0], nodes.lineage[rows]):
        assert len(np.unique(values)) == len(rows)
    keys = nodes.lineage[rows]
    for _ in range(5):  # next months' start-ups are other firms
        m.steps += 1
        entry.university_startups(m)
    later = np.arange(rows[-1] + 1, nodes.n)
    assert not np.isin(nodes.lineage[later], keys).any()
    rows = np.arange(before, nodes.n)
    tech = nodes.tech[rows]
    gap = np.abs(tech - nodes.tech[nodes.parent[rows]])
    gap = np.minimum(gap, 1.0 - gap)  # the technology line is a circle
    # normal shifts of sd startup_tech_sd: 68 % within one sd, none beyond four
    assert len(rows) >= 30 and ((tech >= 0) & (tech < 1)).all()
    assert gap.max() < 4 * p.startup_tech_sd
    assert (gap < p.startup_tech_sd).mean() == pytest.approx(0.68, abs=0.2)


def test_a_university_with_one_start_up_founds_it_whatever_the_others_draw():
    m = _startup_model()
    staff = m.config.params.entry.startup_founders
    regions = [u.region for u in m.universities]
    m.talent[:] = 1.5 * staff  # room for one start-up per region
    m.talent[regions[0]] = 0.0  # none in the first university's region
    before = m.nodes.n
    entry.university_startups(m)
    rows = np.arange(before, m.nodes.n)
    founded = np.bincount(m.nodes.region[rows], minlength=len(m.region_ids))
    assert founded[regions[0]] == 0 and founded.max() == 1
    assert founded.sum() >= 2


def test_outside_entrants_each_month_are_new_draws_hired_from_the_pools():
    m = _spinoff_model(**{"params.entry.outside_per_step": 1})
    assert entry.entrant_count(m, 200, m.location_base(), m.market.access_value()) == 1
    assert len(entry.outside_entrants(m, 200)) == 1
    m = _spinoff_model()
    m.talent[:] = 1e6  # ample pools: every entrant gets its staff
    talent, founders_in = m.talent.sum(), m.tally.founders_in
    n = m.nodes.n
    rows = entry.outside_entrants(m, 20_000)  # about 200 entrants
    assert len(rows) > 50 and m.tally.founders_in == founders_in + len(rows)
    assert m.talent.sum() == pytest.approx(talent - (m.nodes.size[rows] - 1.0).sum())
    assert (rows == np.arange(n, m.nodes.n)).all()
    assert ((m.nodes.tech[rows] >= 0) & (m.nodes.tech[rows] < 1)).all()
    # the k-th entrant of another month draws anew: sizes of a common mean, knowledge
    # around the live firms' centre, intensity, taste and technology
    m.mean_firm_size[:] = 1000.0
    first: dict = {}
    for month in range(2):
        m.steps += month
        centre = innovation.mean_log_knowledge(m.nodes.knowledge[m.firm_rows()])
        rows = entry.outside_entrants(m, 20_000)
        now = {a: getattr(m.nodes, a)[rows].copy() for a in ("size", "intensity", "taste", "tech")}
        now["knowledge"] = np.log(m.nodes.knowledge[rows]) - centre
        first = first or now
    k = min(len(rows), len(first["tech"]))
    for attr, was in first.items():
        assert not np.allclose(now[attr][:k], was[:k]), attr
    m = _spinoff_model(**{"params.entry.outside_rate": 0.0})
    none = entry.outside_entrants(m, 200)
    assert none.dtype == np.int64 and none.shape == (0,)


def test_a_fixed_entrant_sequence_brings_its_staff_without_hiring():
    m = _spinoff_model(**{"params.entry.outside_per_step": 5})
    talent, founders_in = m.talent.copy(), m.tally.founders_in
    rows = entry.outside_entrants(m, 200)
    assert len(rows) == 5 and m.talent.tolist() == talent.tolist()
    assert m.tally.founders_in == founders_in


# ---------------------------------------------------------------------------------- finance


def test_zone_relief_is_full_then_half_then_none_by_the_sites_age():
    m = _spinoff_model()
    zone = m.config.params.special_zone
    full, both = round(12 * zone.full_years), round(12 * (zone.full_years + zone.half_years))
    m.steps = both + 11  # month both + 10: relief that started at month 0 is over
    rows = m.firm_rows()[:8]
    ages = [None, 0, full - 1, full, both - 1, both, m.month]
    m.nodes.zone_from[rows[:7]] = [-1] + [m.month - a for a in ages[1:-1]] + [0]
    m.nodes.zone_from[rows[7]] = m.month  # a site in the zone since this month
    share = finance.relief_share(m, rows)
    assert share.tolist() == [0.0, 1.0, 1.0, 0.5, 0.5, 0.0, 0.0, 1.0]
    m.nodes.zone_from[rows] = 0  # a relief that started at month 0: full, then half
    for month, share in [(full // 2, 1.0), (full + 1, 0.5)]:
        m.steps = month + 1
        assert finance.relief_share(m, rows).tolist() == [share] * 8


def test_a_months_accounts_book_revenue_costs_tax_and_relief():
    m = _spinoff_model()
    p, nodes = m.config.params.firm, m.nodes
    firms = m.firm_rows()
    last = len(m.region_ids) - 1
    rows = firms[nodes.region[firms] != last][3:7]  # not the first rows; no firm in the last region
    nodes.size[rows] = 10.0
    nodes.knowledge[rows] = 2.0 * np.exp([0.0, 1.0, -1.0, 0.0])  # gaps 0, 1, -1, 0
    nodes.quality[rows] = [0.0, 0.5, 0.0, 1.0]
    nodes.zone_from[rows] = [-1, m.month, -1, -1]
    spend = np.array([0.0, 0.0, 0.0, 1e9])  # the last firm loses money
    cash = nodes.cash[rows].copy()
    m.tally.tax_expenditure[:] = 5.0
    finance.account(m, rows, spend)
    normal = m.streams.normal(Draw.REVENUE, m.month, nodes.lineage, rows=rows)
    gap = np.array([0.0, 1.0, -1.0, 0.0])
    productivity = np.maximum(p.productivity_floor, 1.0 + p.productivity_spread * gap)
    assert productivity[1] > 1.0 > productivity[2]
    shock = np.exp(p.revenue_sigma * normal - p.revenue_sigma**2 / 2)
    base = 10.0 * p.revenue_per_employee_krw * m.price_level[nodes.region[rows]]
    revenue = base * productivity * (1.0 + nodes.quality[rows]) * shock
    profit = revenue - base * p.cost_share - spend
    assert profit[0] > 0 and profit[1] > 0 and profit[3] < 0
    tax = p.corporate_tax * np.maximum(profit, 0.0)
    relieved = tax * [0.0, 1.0, 0.0, 0.0]
    assert nodes.revenue[rows].tolist() == pytest.approx(revenue.tolist())
    assert (nodes.cash[rows] - cash).tolist() == pytest.approx((profit - tax + relieved).tolist())
    assert nodes.cash[rows[3]] - cash[3] == pytest.approx(profit[3], abs=1e-3)  # no tax on a loss
    assert nodes.margin[rows].tolist() == pytest.approx((profit / revenue).tolist())
    expected = np.full(len(m.region_ids), 5.0)
    expected[nodes.region[rows[1]]] += relieved[1]
    assert m.tally.tax_expenditure.tolist() == pytest.approx(expected.tolist())
    # one firm alone is booked too
    cash = nodes.cash[rows[0]]
    finance.account(m, rows[:1], np.zeros(1))
    assert nodes.cash[rows[0]] != cash


def test_revenue_shocks_average_one():
    m = _spinoff_model(firms=1000)
    p, nodes = m.config.params.firm, m.nodes
    rows = m.firm_rows()
    nodes.knowledge[rows] = 1.0
    nodes.quality[rows] = 0.0
    finance.account(m, rows, np.zeros(len(rows)))
    base = nodes.size[rows] * p.revenue_per_employee_krw * m.price_level[nodes.region[rows]]
    shock = nodes.revenue[rows] / base
    assert shock.mean() == pytest.approx(1.0, abs=3 * p.revenue_sigma / len(rows) ** 0.5)


def test_the_yearly_closure_hazards_are_monthly_by_age_class():
    demo = Demography(
        closure_age1=0.3,
        closure_age2=0.2,
        closure_age3=0.15,
        closure_age4=0.1,
        closure_mature=0.05,
    )
    ages = np.array([0, 11, 12, 23, 24, 36, 47, 48, 600])
    yearly = np.array([0.3, 0.3, 0.2, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05])
    monthly = finance.closure_hazard(ages, demo)
    assert (1.0 - monthly) ** 12 == pytest.approx(1.0 - yearly)
    certain = finance.closure_hazard(np.array([0]), Demography(closure_age1=1.0))
    assert 0.5 < certain[0] <= 1.0  # a certain closure is a finite monthly hazard


def test_firms_exit_when_out_of_cash_or_closed_by_their_age_hazard():
    m = _spinoff_model(
        months=0,
        **{
            "params.demography.closure_age1": 1.0,
            "params.demography.closure_age2": 0.0,
            "params.demography.closure_age3": 0.0,
            "params.demography.closure_age4": 0.0,
            "params.demography.closure_mature": 0.0,
        },
    )
    rows = m.firm_rows()
    young, old = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    m.nodes.born[young] = m.month
    m.nodes.born[old] = m.month - 60
    m.nodes.cash[rows] = 1e9
    m.nodes.cash[old[:3]] = [-1.0, 0.0, 0.5]  # only the first is out of cash
    gone = finance.exits(m, rows)
    assert np.isin(old[:1], gone).all() and not np.isin(old[1:], gone).any()
    assert 0.5 * len(young) < np.isin(young, gone).sum() < len(young)
    m = _spinoff_model(**{"params.firm.exit": False})
    m.nodes.cash[m.firm_rows()] = -1.0
    assert len(finance.exits(m, m.firm_rows())) == 0


def test_in_the_poisson_limit_entry_grows_with_the_pull():
    m = _spinoff_model(months=0, **{"params.location.outside_share": 1.0})
    base, access = m.location_base(), m.market.access_value()
    mean = entry.entrant_mean(m, 200, base, access)
    assert entry.entrant_mean(m, 200, base + 0.5, access) > mean
