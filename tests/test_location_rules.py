"""The contracts of the location and incentive rules that take arrays and return arrays.

``abm/location.py`` assembles the regional terms of the location choice and keeps newcomers
within a district's space; ``abm/agents/government.py`` says what the governments offer a
new site. ``RegionalModel`` only gathers their inputs; these tests call the rules directly,
and check that the model's thin methods return what the rules return.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from abm import location
from abm.agents import government
from abm.model import RegionalModel
from abm.rules import labour
from abm.schema import Agglomeration, Incentives, Location, SpecialZone
from tests.conftest import small

LOC = Location(demand_weight=1.5, cost_weight=0.7, congestion_weight=2.0, incentive_weight=3.0)
AGG = Agglomeration(strength=0.01, form="linear", cap=100.0)


def _terms(**change) -> np.ndarray:
    args = {
        "log_adoption": np.array([0.1, 0.4]),
        "firms_real": np.array([100.0, 20.0]),
        "price_level": np.array([1.2, 0.8]),
        "tightness": np.array([0.3, 0.1]),
        "nests": np.array([0.05, 0.5]),
        **change,
    }
    return location.regional_terms(**args, params=LOC, agglomeration_params=AGG)


def test_the_regional_terms_weigh_each_channel_by_its_weight():
    base = _terms()
    expected = (
        1.5 * np.array([0.1, 0.4])
        + 0.01 * np.array([100.0, 20.0])
        - 0.7 * np.array([1.2, 0.8])
        - 2.0 * np.array([0.3, 0.1])
        + np.array([0.05, 0.5])
    )
    assert base == pytest.approx(expected)
    # each channel moves the terms by its weight and in its direction
    assert _terms(tightness=np.array([0.8, 0.1])) - base == pytest.approx([-1.0, 0.0])
    assert _terms(price_level=np.array([1.2, 1.8])) - base == pytest.approx([0.0, -0.7])
    assert _terms(log_adoption=np.array([1.1, 0.4])) - base == pytest.approx([1.5, 0.0])
    assert _terms(firms_real=np.array([100.0, 120.0])) - base == pytest.approx([0.0, 1.0])
    assert _terms(nests=np.array([0.25, 0.5])) - base == pytest.approx([0.2, 0.0])


def test_incentives_add_their_weight_times_the_share_on_offer():
    terms = np.array([1.0, 2.0])
    out = location.with_incentives(terms, np.array([0.1, 0.0]), LOC)
    assert out == pytest.approx([1.3, 2.0])
    assert terms.tolist() == [1.0, 2.0]  # the input is not changed


def test_newcomers_over_a_districts_room_settle_in_the_rest_in_order():
    pick = np.array([0, 1, 0, -1, 0, 1])
    out = location.within_space(pick, np.array([2, -3]))
    assert out.tolist() == [0, -1, 0, -1, -1, -1]
    assert pick.tolist() == [0, 1, 0, -1, 0, 1]  # the input is not changed
    assert location.within_space(pick, np.array([9, 9])).tolist() == pick.tolist()


def test_a_zones_tax_relief_averages_its_full_and_half_years():
    zone = SpecialZone(full_years=5.0, half_years=2.0)
    assert government.zone_tax_relief(0.2, zone) == pytest.approx(0.2 * 6.0 / 7.0)
    assert government.zone_tax_relief(0.2, SpecialZone(full_years=0.0, half_years=0.0)) == 0.0


def test_districts_money_is_the_funded_bonus_plus_the_grants_share_of_a_site():
    out = government.district_incentives(
        bonus=np.array([0.1, 0.1, 0.0]),
        funded=np.array([0.5, 1.0, 1.0]),
        grants=np.array([2.0e8, 0.0, 5.0e8]),
        site=np.array([1.0e9, 1.0e9, 0.0]),
    )
    assert out == pytest.approx([0.05 + 0.2, 0.1, 0.0])  # no site, no grant share


@pytest.fixture(scope="module")
def model() -> RegionalModel:
    m = RegionalModel(small("baseline", firms=200, steps=2))
    m.step()
    return m


def test_the_incentives_on_offer_are_each_local_governments_expected_rate(model):
    locals_ = model.locals
    assert locals_ and len(locals_) < len(model.region_ids)  # some regions without one
    investment = np.full(len(model.region_ids), 2.0e9)
    active = np.zeros(len(model.region_ids), dtype=bool)
    active[0] = True
    out = government.incentives_on_offer(locals_, investment, active, 0.1)
    for i in range(len(model.region_ids)):
        rate = locals_[i].expected_rate(2.0e9) if i in locals_ else 0.0
        assert out[i] == pytest.approx(rate + (0.1 if i == 0 else 0.0))
    # the model's method gathers its own arrays and returns the rule's answer
    p = model.config.params
    relief = government.zone_tax_relief(p.firm.corporate_tax, p.special_zone)
    site = model.mean_firm_size * p.firm.capex_per_job_krw
    assert (
        model.incentives_on_offer().tolist()
        == government.incentives_on_offer(locals_, site, model.zone_active, relief).tolist()
    )


def test_the_status_quo_is_the_standing_rate_under_the_cap(model):
    tiny, huge = 1.0, 1.0e15
    for investment in (tiny, huge):
        out = government.status_quo_incentives(
            model.locals, np.full(len(model.region_ids), investment)
        )
        for i in range(len(model.region_ids)):
            if i not in model.locals:
                assert out[i] == 0.0
                continue
            inc = model.locals[i].incentives
            assert out[i] == pytest.approx(
                min(inc.status_quo_rate, inc.subsidy_cap_krw / investment)
            )
    assert government.funded_shares(model.locals, np.array([0, 0])).shape == (2,)


def test_the_models_location_terms_are_the_rules_answer(model):
    p = model.config.params
    firms_real = model.region_firm_counts() / model.scale
    value, available = model.district_options(policy=False)
    terms = location.regional_terms(
        model.log_adoption,
        firms_real,
        model.price_level,
        labour.tightness(model.hiring_demand, model.talent),
        location.inclusive_values(
            value, available, model.district_region, len(model.region_ids), p.location.nest_scale
        ),
        p.location,
        p.agglomeration,
    )
    assert model.location_terms(policy=False).tolist() == terms.tolist()


def test_a_zone_is_in_force_from_its_designation_to_the_deadline():
    zone = SpecialZone(deadline="2026-12")
    regions = [
        Incentives(special_zone=True, zone_since="2024-06"),
        Incentives(special_zone=False, zone_since="2024-06"),
        Incentives(special_zone=True, zone_since="2025-01"),
    ]
    at = government.zones_active
    assert at(regions, dt.date(2024, 6, 1), zone).tolist() == [True, False, False]
    assert at(regions, dt.date(2026, 12, 1), zone).tolist() == [True, False, True]
    assert at(regions, dt.date(2027, 1, 1), zone).tolist() == [False, False, False]
    assert at([], dt.date(2025, 1, 1), zone).dtype == bool
