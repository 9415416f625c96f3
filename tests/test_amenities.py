"""Regions' amenities q_r backed out from the start (params.location.preferences = "equilibrium").

At the start an outside entrant must choose each region with its observed share of firms, from
the terms no policy lever changes; a lever acts on top and is never absorbed into q_r.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from abm import location
from abm.errors import ScenarioError
from abm.model import RegionalModel
from abm.schema import Location
from tests.conftest import SCENARIOS, small

SHARES = np.array([0.78, 0.0238, 0.0168, 0.0153, 0.1641])
BASE = np.array([6.9, 3.4, 2.8, 3.0, 4.6])


def test_halton_points_are_the_radical_inverses():
    points = location.halton(4, 2)
    assert points[:, 0].tolist() == [0.5, 0.25, 0.75, 0.125]
    assert points[:, 1].tolist() == pytest.approx([1 / 3, 2 / 3, 1 / 9, 4 / 9])


@pytest.mark.parametrize(
    "params",
    [
        Location(temperature=0.5, taste_sigma=0.5),
        Location(temperature=0.5, taste_sigma=2.0),
        Location(temperature=1.0, taste_sigma=0.0),
        Location(temperature=0.5, heterogeneity="types", type_bonus=1.0),
    ],
    ids=["normal", "wide-taste", "no-taste", "types"],
)
def test_the_backed_out_amenities_reproduce_the_shares(params):
    q = location.amenities(BASE, SHARES, params)
    assert q.mean() == pytest.approx(0.0, abs=1e-12)
    shares = location.expected_shares(BASE + q, params)
    assert shares == pytest.approx(SHARES, rel=1e-8)
    # a shift of every term leaves q as it is but for the terms' own differences
    assert location.amenities(BASE + 3.0, SHARES, params) == pytest.approx(q, abs=1e-8)


def test_without_taste_the_amenities_are_the_logit_s_closed_form():
    params = Location(temperature=0.7, taste_sigma=0.0)
    q = location.amenities(BASE, SHARES, params)
    closed = 0.7 * np.log(SHARES) - BASE
    assert q == pytest.approx(closed - closed.mean(), abs=1e-9)


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_entrants_drawn_by_the_choice_rule_pick_regions_in_the_shares(sigma):
    """The quadrature stands for the model's own draws: 200,000 entrants through
    draw_tastes and choose land in the target shares (chi-square; its power against a 10 %
    relative error on the smallest share (1.5 %) is 0.94)."""
    params = Location(temperature=0.5, taste_sigma=sigma)
    q = location.amenities(BASE, SHARES, params)
    rng = np.random.default_rng(7)
    n = 200_000
    taste = location.draw_tastes(rng, n, len(BASE), params)
    picks = location.choose(BASE + q + taste, params.temperature, rng.random(n))
    counts = np.bincount(picks, minlength=5)
    assert stats.chisquare(counts, SHARES / SHARES.sum() * n).pvalue > 0.001
    naive = location.choose(BASE + taste, params.temperature, rng.random(n))  # q = 0: capital wins
    assert np.mean(naive == 0) > SHARES[0] + 0.05


def _model(name: str = "baseline", firms: int = 300, **overrides) -> RegionalModel:
    return RegionalModel(small(name, firms=firms, **overrides))


def test_at_the_start_entrants_expect_the_data_s_shares():
    model = _model()
    data = np.array([model.config.regions[r].firms_real for r in model.region_ids])
    loc = model.config.params.location
    status_quo = loc.incentive_weight * model.status_quo_incentives()
    expected = location.expected_shares(
        model.amenity + model.location_terms(policy=False) + status_quo, loc
    )
    assert expected == pytest.approx(data / data.sum(), rel=1e-8)
    given = _model(**{"params.location.preferences": "given"})
    assert given.amenity.tolist() == [0.0] * len(data)


def test_a_lever_is_never_absorbed_into_the_amenities():
    """q_r comes from the terms no lever changes and the subsidies in force at the start: the
    same in every counterfactual, with another subsidy rate, and with other lever weights."""
    q = _model().amenity
    for name, overrides in [
        ("nacc_haenam", {}),
        ("nacc_split", {}),
        ("baseline", {"regions.daegu.incentives.subsidy_rate": 0.5}),
        ("baseline", {"regions.gwangju.incentives.special_zone": False}),
        ("baseline", {"params.location.compute_weight": 0.0}),
        ("baseline", {"params.location.center_pull": 3.0}),
    ]:
        assert _model(name, **overrides).amenity == pytest.approx(q, abs=1e-9), (name, overrides)
    # ... but a structural term moves it: a dearer Daegu needs a higher amenity to hold its share
    dearer = _model(**{"regions.daegu.cost": 1.5}).amenity
    assert dearer[1] - dearer.mean() > q[1] - q.mean() + 0.1


def test_the_subsidies_in_force_at_the_start_are_absorbed_and_a_change_moves_entrants():
    """The 2019 shares are the outcome of the 2019 subsidies: at the status quo entrants
    expect the data's shares with every weight; a rate above it draws more to the region."""
    for weight in (0.0, 4.5):
        model = _model(**{"params.location.incentive_weight": weight})
        data = np.array([model.config.regions[r].firms_real for r in model.region_ids])
        shares = location.expected_shares(model.location_base(), model.config.params.location)
        assert shares == pytest.approx(data / data.sum(), rel=1e-8)
    raised = _model(**{"regions.gwangju.incentives.subsidy_rate": 0.4})
    g = raised.region_ids.index("gwangju")
    shares = location.expected_shares(raised.location_base(), raised.config.params.location)
    assert shares[g] > 1.5 * data[g] / data.sum()
    # without a status quo the whole 16 % rate would count as new policy
    none = _model(**{"regions.gwangju.incentives.status_quo_rate": 0.0})
    shares = location.expected_shares(none.location_base(), none.config.params.location)
    assert shares[g] > 1.2 * data[g] / data.sum()


def test_a_preference_shifts_the_backed_out_amenity():
    q = _model().amenity
    shifted = _model(**{"regions.gwangju.preference": 0.4}).amenity
    assert shifted - q == pytest.approx([0.0, 0.0, 0.4, 0.0, 0.0], abs=1e-9)


def test_the_amenities_do_not_depend_on_the_number_of_agents():
    assert _model(firms=500).amenity == pytest.approx(_model(firms=2000).amenity, abs=0.03)


def test_a_district_gets_its_center_s_pull_only_once_construction_starts():
    model = _model("nacc_haenam", **{"scenario.start": "2025-01"})
    d = model.district_ids.index("solaseado")
    before = model.district_options()[0][d]
    model.steps = 21  # month 20 = 2026-09, the NACC's build_start
    after = model.district_options()[0][d]
    loc = model.config.params.location
    assert after - before == pytest.approx(loc.center_pull)
    assert model.district_options(policy=False)[0][d] == pytest.approx(before)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"params.location.temperature": 0.0}, "params.location.temperature"),
        ({"regions.jeonnam.firms_real": 0.0}, "regions.jeonnam.firms_real"),
    ],
)
def test_an_inversion_that_cannot_be_done_is_one_clear_error(override, field):
    from abm.scenario import load_scenario

    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "baseline.toml", override)
    text = str(err.value)
    assert field in text and "preferences = 'equilibrium'" in text
    assert "\n" not in text.strip() or text.count(field) == 1


def test_the_stability_diagnostic_tells_weak_from_strong_increasing_returns():
    """scripts/stability.py: the start is stable with weak agglomeration, unstable (Arthur's
    lock-in) with strong; without taste the eigenvalue is strength / temperature - 1."""
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("stability", ROOT / "scripts" / "stability.py")
    stability = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stability)

    def value(**overrides) -> float:
        model = _model(**overrides)
        return stability.leading_eigenvalue(stability.entry_jacobian(model))

    assert (
        value(**{"params.agglomeration.strength": 0.25})
        < 0
        < value(**{"params.agglomeration.strength": 1.4})
    )
    plain = {"params.location.taste_sigma": 0.0, "params.location.temperature": 0.5}
    # ln(1 + y) is ln y to 1/y: the regions' thousands of firms leave the slope at a - 1
    assert value(**plain, **{"params.agglomeration.strength": 0.8}) == pytest.approx(0.6, abs=0.02)
