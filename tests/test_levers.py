"""Every policy lever acts through its channel: money, GPUs, talent. Small deterministic cases.

Each test names the mutant it kills (the rule removed or a constant changed).
"""

from __future__ import annotations

import numpy as np
import pytest

from abm import outputs
from abm.agents.government import Budget
from abm.compute import ComputeMarket
from abm.model import RegionalModel, initial_ages
from abm.nodes import FIRM
from abm.rules import entry, finance, labour, relocation
from abm.scenario import Scenario
from abm.schema import Demography, Entry
from tests.conftest import FUTURE, small


def _model(name="baseline", firms=200, steps=12, **overrides) -> RegionalModel:
    """A small model from 2025-01, when today's centers and programs are in force."""
    return RegionalModel(small(name, firms=firms, steps=steps, **(FUTURE | overrides)), rng=1)


def _with_centers(centers: dict, firms: int = 200) -> RegionalModel:
    """The baseline with its compute centers replaced (a file edit, not an override)."""
    data = small("baseline", firms=firms, steps=12, **FUTURE).to_dict()
    data["centers"] = centers
    return RegionalModel(Scenario.from_dict(data, "test"), rng=1)


def _run(model: RegionalModel, months: int) -> RegionalModel:
    for _ in range(months):
        model.step()
    return model


# ----------------------------------------------------------------------------- money


def test_a_budget_pays_in_full_or_not_at_all():
    b = Budget()
    b.appropriate(100.4)
    assert b.appropriated == 100
    assert not b.commit(101) and b.spent == 0  # mutant: partial payment
    assert b.commit(60) and b.remaining == 40


def test_an_exhausted_subsidy_budget_offers_nothing():
    model = _model(**{"regions.daegu.incentives.budget_krw_per_year": 0.0})
    gov = model.locals[model.region_index["daegu"]]
    gov.rate = 0.5
    assert gov.offered_rate(sme=False) == 0.5
    assert gov.expected_rate(1e9) == 0.0  # mutant: the location utility reads the offered rate
    rich = _model(**{"regions.daegu.incentives.budget_krw_per_year": 1e13})
    gov = rich.locals[rich.region_index["daegu"]]
    gov.rate = 0.5
    rich.step()
    assert gov.expected_rate(1e9, sme=False) == pytest.approx(0.5)
    # the per-project cap binds for a large site
    cap = gov.incentives.subsidy_cap_krw
    assert gov.expected_rate(4 * cap, sme=False) == pytest.approx(0.25)


def test_the_chance_of_being_funded_falls_when_claims_exceed_the_budget():
    model = _model(**{"regions.daegu.incentives.budget_krw_per_year": 1.2e9})
    gov = model.locals[model.region_index["daegu"]]
    model.step()
    monthly = gov._monthly
    gov._claims[:] = 0.0
    gov._claims[0] = 10 * (gov.budget.remaining + 12 * monthly)
    assert gov.funded_share() == pytest.approx(0.1)


def test_subsidies_are_paid_to_the_won_or_refused():
    model = _model(**{"regions.daegu.incentives.budget_krw_per_year": 1.2e9})
    model.step()
    d = model.region_index["daegu"]
    gov = model.locals[d]
    firms = model.nodes.rows(FIRM)
    rows = firms[model.nodes.region[firms] == d][:3]
    before = model.nodes.cash[rows].copy()
    remaining = gov.budget.remaining
    investment = np.array([remaining * 0.6, remaining * 0.6, 1.0]) / gov.offered_rate(True)
    model.nodes.size[rows] = 1.0  # SMEs
    gov.subsidise(rows, investment)
    paid = model.nodes.cash[rows] - before
    # the first claim fits and is paid in full; the second no longer fits, and gets its
    # whole real sites that fit (an agent stands for 1 / scale of them), not what is left
    claim, left = round(remaining * 0.6), remaining - round(remaining * 0.6)
    sites = np.floor(left / (claim * model.scale))
    assert paid[0] == pytest.approx(claim, abs=1)
    assert paid[1] == np.floor(sites * claim * model.scale) < left  # mutant: what is left
    assert paid[2] == pytest.approx(1.0, abs=1)


def test_public_money_promised_is_paid_every_month():
    model = _model("nacc_haenam", firms=300, steps=24)
    for _ in range(24):
        before = model.nodes.view("public_received").sum() + model.central.paid_to_centers
        model.step()
        after = model.nodes.view("public_received").sum() + model.central.paid_to_centers
        row = model.model_record()
        assert row["public_promised"] == pytest.approx(row["public_spending"], rel=1e-12)
        assert (after - before) == pytest.approx(model.tally.promised, abs=0.5)
        assert model.tally.promised == pytest.approx(model.tally.public.sum())


def test_sme_zone_bonus_raises_the_offered_rate_in_an_active_zone():
    model = _model()
    d = model.region_index["daegu"]
    gov = model.locals[d]
    bonus = model.config.params.special_zone.subsidy_bonus
    model.zone_active[d] = True
    assert gov.offered_rate(sme=True) == pytest.approx(gov.rate + bonus)  # mutant: bonus removed
    assert gov.offered_rate(sme=False) == pytest.approx(gov.rate)
    model.zone_active[d] = False
    assert gov.offered_rate(sme=True) == pytest.approx(gov.rate)


def test_special_zone_relief_is_full_then_half_then_none():
    model = _model()
    firms = model.nodes.rows(FIRM)[:4]
    z = model.config.params.special_zone
    model.nodes.zone_from[firms] = [-1, 0, 0, 0]
    model.steps = 1  # month 0
    assert finance.relief_share(model, firms).tolist() == [0.0, 1.0, 1.0, 1.0]
    model.steps = 1 + int(12 * z.full_years)
    assert finance.relief_share(model, firms).tolist() == [0.0, 0.5, 0.5, 0.5]
    model.steps = 1 + int(12 * (z.full_years + z.half_years))
    assert finance.relief_share(model, firms).tolist() == [0.0, 0.0, 0.0, 0.0]


def test_zone_relief_is_recorded_as_tax_expenditure():
    model = _run(_model("baseline", firms=1000, steps=24), 24)
    frame, _ = model.history()
    assert frame["tax_expenditure_cum"].iloc[-1] > 0  # mutant: relief set to 0
    off = _run(
        _model(
            "baseline",
            firms=300,
            steps=24,
            **{"params.special_zone.full_years": 0, "params.special_zone.half_years": 0},
        ),
        24,
    )
    assert off.history()[0]["tax_expenditure_cum"].iloc[-1] == 0


def test_a_program_pays_from_its_first_month_on_the_model_clock():
    over = {
        "government.central.programs": [
            {
                "name": "one month",
                "amount_krw": 1.2e12,
                "start": "2025-01",
                "end": "2025-01",
                "region": "daegu",
            },
            {
                "name": "fourth month",
                "amount_krw": 1.2e12,
                "start": "2025-04",
                "end": "2025-04",
                "region": "gwangju",
            },
        ]
    }
    model = _model(**over)
    model.step()  # simulates 2025-01, the scenario's first month
    expected = round(1.2e12 * model.scale)
    assert model.central.budget.appropriated == expected  # mutant: the clock shifted by one
    _run(model, 2)
    assert model.central.budget.appropriated == expected
    model.step()  # 2025-04
    assert model.central.budget.appropriated == 2 * expected


def test_unearmarked_money_waits_for_a_region_with_recipients():
    model = _model(
        **{
            "regions.jeonnam.firms_real": 0,
            "regions.jeonnam.universities": [],
            "params.location.preferences": "given",  # no share to back an amenity out of
        }
    )
    shares = dict(zip(model.region_ids, model.central.shares(), strict=True))
    assert shares["jeonnam"] == 0.0 and shares["capital"] == 0.0
    assert sum(shares.values()) == pytest.approx(1.0)


def test_crowding_in_counts_only_subsidised_sites():
    model = _run(_model("baseline", firms=1000, steps=24), 24)
    row = model.model_record()
    assert model.recorder.cum["subsidies"] > 0
    assert row["crowding_in"] == pytest.approx(
        model.recorder.cum["subsidised"] / model.recorder.cum["subsidies"]
    )
    # a subsidy of rate r on the investment gives at most 1/r of private money per won
    rates = [g.rate for g in model.locals.values()]
    assert row["crowding_in"] <= 1.0 / min(rates) + 1e-9


# ----------------------------------------------------------------------------- compute


def _market(model: RegionalModel) -> ComputeMarket:
    return model.market


def test_without_public_centers_users_buy_part_of_their_need_from_the_cloud():
    model = _with_centers({})
    market = _market(model)
    p = model.config.params.compute
    need = np.array([1.0, 2.0])
    out = market.step(0, np.array([0, 1]), need, np.zeros(2), np.zeros(2), np.full(2, 1e12))
    cloud = need * p.market_take_up / p.commercial_access
    np.testing.assert_allclose(out.cloud, cloud)  # mutant: commercial top-up disabled
    np.testing.assert_allclose(out.effective, need * p.market_take_up)
    np.testing.assert_allclose(out.spend, cloud * out.price_krw)  # this month's price


def test_a_budget_limits_what_users_buy():
    model = _with_centers({})
    market = _market(model)
    out = market.step(
        0,
        np.array([0]),
        np.array([10.0]),
        np.zeros(1),
        np.zeros(1),
        np.array([2 * market.market_price(10.0, 0.0)]),
    )
    assert out.cloud[0] == pytest.approx(2.0)


def _center(site: str, gpus: float) -> dict:
    return {
        "name": site,
        "site": site,
        "public": True,
        "price_krw": 100000.0,
        "capacity": [["2025-01", gpus]],
        "allocation": "proportional",
    }


def test_access_value_is_the_best_option_not_a_sum_over_centers():
    one = _with_centers({"a": _center("daegu", 1000.0)})
    two = _with_centers({"a": _center("daegu", 500.0), "b": _center("daegu", 500.0)})
    for model in (one, two):
        model.step()
    np.testing.assert_allclose(one.market.access_value(), two.market.access_value())
    # a second site adds its own option; each region takes the better one
    both = _with_centers({"a": _center("daegu", 1e6), "b": _center("gwangju", 1e6)})
    both.step()
    value = both.market.access_value()
    assert value[both.region_index["daegu"]] == pytest.approx(value[both.region_index["gwangju"]])
    saving = (both.market.price - 100000.0) / both.config.params.compute.market_price_krw
    assert value.max() == pytest.approx(saving)  # never more than one center's saving


def test_each_applicant_counts_once_in_oversubscription():
    model = _with_centers({"a": _center("daegu", 10.0), "b": _center("daegu", 10.0)})
    market = _market(model)
    need = np.full(4, 10.0)
    market.step(0, np.zeros(4, dtype=np.int64), need, np.zeros(4), np.zeros(4), np.zeros(4))
    asked = sum(c.demand for c in market.centers)
    granted = sum(c.granted for c in market.centers)
    assert asked == pytest.approx(40.0)  # mutant: re-applications counted again
    assert granted == pytest.approx(20.0 * model.scale)  # capacities are real, scaled down


def test_gpu_need_grows_until_its_date():
    model = _model()
    market = _market(model)
    g = model.config.params.compute.need_growth
    assert market.need_factor(0) == 1.0
    assert market.need_factor(12) == pytest.approx(1 + g)
    assert market.need_factor(500) == market.need_factor(market._growth_months)


# ----------------------------------------------------------------------------- talent


def test_graduates_who_leave_join_the_capital_pool():
    model = _model()
    model.hiring_demand[:] = 0.0
    before = model.talent.copy()
    labour.graduates(model)
    p = model.config.params.talent
    capital = model.capital
    flow = np.zeros(len(model.region_ids))
    for u in model.universities:
        flow[u.region] += u.graduates_per_month
    stay = flow * p.retention_min
    stay[capital] = flow[capital] * p.retention_max
    expected = before * (1 - p.attrition) + stay
    expected[capital] += (flow - stay).sum()  # mutant: brain drain removed
    np.testing.assert_allclose(model.talent, expected)


def test_workers_are_conserved_every_month():
    model = _model(
        "nacc_gwangju",
        firms=400,
        steps=36,
        **{
            "params.firm.relocation_rate": 0.02,
            "params.entry.university_startups_per_year": 400.0,  # a few start-ups a month
            "params.firm.branch_rate": 0.05,
        },
    )

    def workers() -> float:
        return float(model.nodes.size[model.nodes.rows(FIRM)].sum() + model.talent.sum())

    for _ in range(36):
        before = workers()
        model.step()
        t = model.tally
        assert workers() - before == pytest.approx(
            t.graduates_in + t.workers_in + t.founders_in - t.attrition, abs=1e-6 * before
        )
    assert model.history()[0]["entries"].sum() > 0


def test_a_relocating_firm_takes_its_staff_with_it():
    model = _model(
        **{
            "params.firm.relocation_rate": 1.0,
            "params.firm.moving_cost": 0.0,
            "params.firm.moving_cost_months": 0.0,
        }
    )
    # before any step: a month at relocation rate 1 would already have moved everyone who gains
    pools = model.talent.copy()
    firms = model.nodes.rows(FIRM)
    moved = relocation.relocate(model, firms)
    assert len(moved) > 0
    np.testing.assert_array_equal(model.talent, pools)  # mutant: staff returned and rehired


def test_spinoff_chance_rises_in_a_month_of_innovation():
    p = Entry(spinoff_rate=0.01, spinoff_innovation_boost=4.0)
    chance = entry.spinoff_chance(np.array([False, True]), p)
    assert chance.tolist() == pytest.approx([0.01, 0.05])  # mutant: boost removed


def test_founders_and_branch_staff_come_from_the_parent():
    p = Entry(founder_share=0.02, founders_max=10.0)
    assert entry.founders(np.array([1.0, 2.0, 100.0, 1000.0]), p).tolist() == [0, 1, 3, 10]
    assert relocation.branch_staff(np.array([1.0, 5.0, 50.0]), 0.1).tolist() == [0, 1, 5]


# ----------------------------------------------------------------------------- demography


def test_closure_hazard_follows_the_survival_curve():
    demo = Demography()
    monthly = finance.closure_hazard(np.array([0, 12, 24, 36, 48, 200]), demo)
    yearly = 1 - (1 - monthly) ** 12
    assert yearly.tolist() == pytest.approx(
        [
            demo.closure_age1,
            demo.closure_age2,
            demo.closure_age3,
            demo.closure_age4,
            demo.closure_mature,
            demo.closure_mature,
        ]
    )
    survival_1y = np.prod(1 - finance.closure_hazard(np.arange(12), demo))
    assert survival_1y == pytest.approx(1 - demo.closure_age1)


def test_initial_ages_are_stationary_under_the_hazard():
    demo = Demography()
    ages = initial_ages(np.random.default_rng(0), 200_000, demo)
    assert ages.min() >= 0 and ages.max() <= 12 * demo.max_initial_age
    # stationary: the share under one year is 1 / (mean survival time in months) * 12 months
    months = np.arange(12 * 30 + 1)
    s = np.concatenate([[1.0], np.cumprod(1 - finance.closure_hazard(months[:-1], demo))])
    assert (ages < 12).mean() == pytest.approx(s[:12].sum() / s.sum(), abs=0.005)


# ----------------------------------------------------------------------------- outputs


def test_recorded_columns_are_the_declared_outputs_in_real_units():
    model = _run(_model(firms=250, steps=6), 6)
    frame, regions = model.history()
    assert list(frame.columns) == outputs.names(outputs.MODEL)
    assert list(regions.columns) == outputs.names(outputs.REGION)
    last = frame.iloc[-1]
    assert last["firms"] == pytest.approx(last["agents"] / model.scale)
    total_real = sum(r.firms_real for r in model.config.regions.values())
    assert frame["firms"].iloc[0] == pytest.approx(total_real, rel=0.01)


def test_the_model_stops_running_after_its_last_step():
    model = _model(steps=3)
    _run(model, 2)
    assert model.running
    model.step()
    assert not model.running


def test_the_location_terms_do_not_depend_on_the_number_of_agents():
    """Agglomeration counts real firms: 1,000 and 4,000 agents see the same regional pull."""
    small_base = _model(firms=1000).location_base()
    large_base = _model(firms=4000).location_base()
    # atol: whole agents round a small district (Alpha City's 44 firms are 1.8 or 7.3 agents);
    # counting agents instead of real firms moves the terms by ln(4) = 1.4
    np.testing.assert_allclose(small_base, large_base, atol=0.03)  # mutant: counts of agents


def test_universities_are_met_by_search_not_by_chance_encounters():
    """A fixed number of university agents must not weigh more when fewer agents stand for
    the firms: chance and preferential encounters draw firms only."""
    model = _model(
        firms=300,
        **{
            "params.network.university_weight": 0.0,
            "params.network.triadic_weight": 0.0,
            "params.network.search_rate": 1.0,
        },
    )
    net, kind = model.network, model.nodes.kind
    before = int(np.sum((kind[net.u] == 1) | (kind[net.v] == 1)))
    firms = model.nodes.rows(FIRM)
    for r in range(5):  # five rounds of search, each with draws of its own
        net.form(model.month, model.streams, firms, counter=100 + r)
    after = int(np.sum((kind[net.u] == 1) | (kind[net.v] == 1)))
    assert after == before  # mutant: universities in the encounter pool
