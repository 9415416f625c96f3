"""Districts inside regions (nested logit), the 2019 history replay, dated prices and open calls."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from abm import location, outputs
from abm.errors import ScenarioError
from abm.model import RegionalModel
from abm.nodes import BRANCH, FIRM, INITIAL
from abm.run import run_scenario
from abm.scenario import load_scenario
from abm.schema import Location
from tests.conftest import FUTURE, SCENARIOS, small


def test_inside_a_region_firms_pick_districts_by_the_nest_logit():
    value = np.array([0.0, math.log(3.0) * 0.5, 5.0])
    open_ = np.array([True, True, True])
    region_of = np.array([0, 0, 1])
    region = np.zeros(40_000, dtype=np.int64)
    u = np.random.default_rng(1).random(len(region))
    pick = location.choose_district(region, value, open_, region_of, 0.5, u)
    # P(d) ~ exp(V/0.5): rest 1, district 0 -> 1, district 1 -> 3; district 2 is elsewhere
    shares = [np.mean(pick == -1), np.mean(pick == 0), np.mean(pick == 1), np.mean(pick == 2)]
    assert shares == pytest.approx([0.2, 0.2, 0.6, 0.0], abs=0.01)


def test_a_full_or_undesignated_district_takes_no_one_and_adds_nothing():
    value = np.array([3.0])
    region_of = np.array([0])
    closed = np.array([False])
    pick = location.choose_district(
        np.zeros(100, dtype=np.int64),
        value,
        closed,
        region_of,
        0.5,
        np.random.default_rng(0).random(100),
    )
    assert (pick == -1).all()
    assert location.inclusive_values(value, closed, region_of, 2, 0.5).tolist() == [0.0, 0.0]
    iv = location.inclusive_values(value, ~closed, region_of, 2, 0.5)
    assert iv[0] == pytest.approx(0.5 * math.log1p(math.exp(6.0))) and iv[1] == 0.0


def test_a_district_s_pull_fades_with_its_free_space_in_real_firms():
    """The nest's size variable: the free share of a district's space, not an on/off
    switch at one agent's worth of lots (which made shares depend on the agent count)."""
    space = np.array([100.0, 100.0, 100.0, 100.0, 100.0])
    real = np.array([0.0, 50.0, 99.5, 100.0, 120.0])
    designated = np.array([True, True, True, True, False])
    avail = location.availability(space, real, designated)
    assert avail.tolist() == pytest.approx([1.0, 0.5, 0.005, 0.0, 0.0])
    value, region_of = np.array([1.0]), np.array([0])
    iv = location.inclusive_values(value, np.array([0.5]), region_of, 1, 0.5)
    assert iv[0] == pytest.approx(0.5 * math.log1p(0.5 * math.exp(2.0)))
    # inside the region, a half-full district is picked half as often, against the rest
    pick = location.choose_district(
        np.zeros(40_000, dtype=np.int64),
        np.array([0.0]),
        np.array([0.5]),
        region_of,
        0.5,
        np.random.default_rng(4).random(40_000),
    )
    assert np.mean(pick == 0) == pytest.approx(0.5 / 1.5, abs=0.01)


def test_district_utility_rises_with_its_share_and_a_hosted_center():
    loc = Location(district_agglomeration=0.2, center_pull=0.5)
    v = location.district_utilities(
        np.zeros(3),
        np.array([0.0, 99.0, 99.0]),
        np.full(3, 99.0),
        np.array([0, 0, 1.0]),
        np.zeros(3),
        loc,
    )
    assert v[0] == pytest.approx(0.2 * math.log(1 / 100))
    assert v[1] == pytest.approx(0.0)  # all of the region's firms: the share term is 0
    assert v[2] == pytest.approx(0.5)


def test_districts_are_recorded_and_their_space_binds():
    model = RegionalModel(
        small(
            "nacc_daegu",
            firms=600,
            steps=12,
            **{
                "districts.suseong_alpha_city.space_firms": 150.0,
                "districts.suseong_alpha_city.pull": 5.0,
                # its 2019 buildings (dated programmes) would add room on top
                "programmes.alpha_techbiz_center.space_firms": 0.0,
                "programmes.alpha_parcel_buildings.space_firms": 0.0,
                # given preferences: backed out, Daegu's amenity would offset the pull
                "params.location.preferences": "given",
            },
        ),
        rng=2,
    )
    for _ in range(12):
        model.step()
    d = model.district_history()
    assert list(d.columns) == outputs.names(outputs.DISTRICT)
    alpha = d[d["district"] == "suseong_alpha_city"]
    assert len(alpha) == 13 and (alpha["region"] == "daegu").all()
    # with a strong pull the district fills to its space, then closes
    assert alpha["firms"].max() <= 150.0 + 1e-6
    assert not alpha["open"].all()  # closed while full
    firms = model.nodes.rows(FIRM)
    inside = model.nodes.district[firms] >= 0
    assert (
        model.nodes.region[firms][inside]
        == model.district_region[model.nodes.district[firms][inside]]
    ).all()


def test_a_center_can_sit_only_in_a_district_of_its_region():
    with pytest.raises(ScenarioError, match=r"centers\.nacc\.district"):
        load_scenario(SCENARIOS / "nacc_daegu.toml", {"centers.nacc.district": "solaseado"})


def test_the_model_starts_no_earlier_than_2015():
    with pytest.raises(ScenarioError, match=r"scenario\.start"):
        load_scenario(SCENARIOS / "baseline.toml", {"scenario.start": "2014-12"})


def test_history_replays_from_2019_and_writes_districts():
    result = run_scenario(
        load_scenario(SCENARIOS / "history.toml", {"population.firms": 300}), steps=14
    )
    assert str(result.model["date"].iloc[1]) == "2019-01-01"
    d = result.districts
    assert set(d["district"]) == {
        "suseong_alpha_city",
        "cheomdan_ai_cluster",
        "solaseado",
        "pangyo",
    }
    first = d[(d["step"] == 0) & (d["district"] == "suseong_alpha_city")]["firms"].iloc[0]
    assert first == pytest.approx(44, abs=1.0 / result.summary["firms_per_agent"] ** -1 + 13)


def test_a_free_center_charges_nothing_until_its_date():
    model = RegionalModel(
        load_scenario(SCENARIOS / "history.toml", {"population.firms": 200}), rng=1
    )
    nadc = next(c for c in model.market.centers if c.id == "gwangju_nadc")
    model.market.step(
        71, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
    )  # 2024-12
    assert nadc.price_krw == 0.0
    model.market.step(
        72, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
    )  # 2025-01
    assert nadc.price_krw == 100_000.0


def test_an_open_call_goes_to_firms_of_every_region():
    over = {
        "government.central.programs": [
            {
                "name": "voucher",
                "amount_krw": 1.2e12,
                "start": "2025-01",
                "end": "2025-01",
                "eligible": "all",
            }
        ],
        "government.central.university_share": 0.0,
    }
    model = RegionalModel(small("baseline", firms=400, steps=1, **over, **FUTURE), rng=1)
    model.step()
    paid = model.tally.public
    capital = model.region_index["capital"]
    assert paid[capital] > 0  # mutant: open calls treated as non-capital money
    shares = model.central.firm_shares()
    assert paid[capital] / paid.sum() == pytest.approx(shares[capital], abs=0.05)


def test_the_future_scenarios_continue_the_history_replay():
    """One run covers 2019-2035: a center scenario's first 84 months are the history run."""
    over = {"population.firms": 300}
    history = run_scenario(load_scenario(SCENARIOS / "history.toml", over), seed=3)
    future = run_scenario(load_scenario(SCENARIOS / "nacc_haenam.toml", over), seed=3, steps=84)
    assert str(history.model["date"].iloc[-1]) == "2025-12-01"
    pd.testing.assert_frame_equal(history.model, future.model)  # mutant: nacc from 2025-01
    pd.testing.assert_frame_equal(history.districts, future.districts)
    assert load_scenario(SCENARIOS / "nacc_haenam.toml").scenario.history_end == "2025-12"


@pytest.mark.parametrize(
    ("value", "words"), [("Dec 2025", "expected YYYY-MM"), ("2018-12", "must not be before")]
)
def test_a_bad_history_end_names_the_field(value, words):
    with pytest.raises(ScenarioError, match=rf"scenario\.history_end: .*{words}"):
        load_scenario(SCENARIOS / "baseline.toml", {"scenario.history_end": value})


def _regions_of(model: RegionalModel) -> pd.DataFrame:
    return model.history()[1]


def test_inbound_counts_relocations_in_and_branches_from_other_regions():
    base = {"population.firms": 400, "scenario.steps": 6, **FUTURE}
    # branches only: every new branch sits in another region than its parent
    model = RegionalModel(
        load_scenario(
            SCENARIOS / "baseline.toml",
            base | {"params.firm.branch_rate": 1.0, "params.firm.relocation_rate": 0.0},
        ),
        rng=2,
    )
    branches = 0
    for _ in range(6):
        before = model.nodes.n
        model.step()
        new = np.arange(before, model.nodes.n)
        branches += int(np.sum(model.nodes.origin[new] == BRANCH))
    regions = _regions_of(model)
    assert branches > 0
    assert regions["inbound"].sum() * model.scale == pytest.approx(branches)  # mutant: no branches
    assert regions["relocations_in"].sum() == 0
    # moves only: inbound is the relocations in
    model = RegionalModel(
        load_scenario(
            SCENARIOS / "baseline.toml",
            base | {"params.firm.branch_rate": 0.0, "params.firm.relocation_rate": 0.5},
        ),
        rng=2,
    )
    for _ in range(6):
        model.step()
    regions = _regions_of(model)
    assert regions["relocations_in"].sum() > 0
    np.testing.assert_allclose(regions["inbound"], regions["relocations_in"])


def test_one_year_survival_is_the_share_of_last_year_s_entrants_still_alive():
    """Checked against the node table, which keeps every firm ever created."""
    model = RegionalModel(
        load_scenario(SCENARIOS / "history.toml", {"population.firms": 400, "scenario.steps": 24}),
        rng=4,
    )
    for _ in range(24):
        model.step()
    frame, regions = model.history()
    assert frame["survival_1y"].iloc[:24].isna().all()  # the cohort starts with the run
    nodes, m = model.nodes, model.month  # December 2020: the 2019 cohort
    rows = np.arange(nodes.n)
    cohort = (nodes.kind[rows] == FIRM) & (nodes.origin[rows] != INITIAL)
    cohort &= (nodes.born[rows] >= m - 23) & (nodes.born[rows] <= m - 12)
    expected = nodes.alive[rows][cohort].mean()
    assert 0.3 < expected < 1.0
    assert frame["survival_1y"].iloc[-1] == pytest.approx(expected)  # mutant: window shifted
    last = regions[regions["step"] == 24].set_index("region")
    assert 0.3 < last.at["capital", "survival_1y"] < 1.0  # NaN where no firm entered in 2019
