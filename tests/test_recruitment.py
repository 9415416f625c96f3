"""Recruitment programmes (``[recruitment.<id>]``, abm/rules/recruitment.py): pledges signed on
a dated schedule, a share of them set up in the region as moves or branches, workers and
money conserved, and no programme (or one of size 0) = the model without the channel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm.cli import main
from abm.model import RegionalModel
from abm.nodes import BRANCH
from abm.rules import recruitment, relocation
from abm.scenario import Scenario, load_scenario
from abm.streams import Streams
from tests.conftest import SCENARIOS, small

HISTORY = SCENARIOS / "history.toml"
MOU = "recruitment.gwangju_ai_mou"


def _replay(firms: int = 2000, steps: int = 31, **overrides) -> Scenario:
    """The replay 2019-01 .. 2021-07 (Gwangju's MOUs from 2019-10) at ``firms`` agents."""
    return load_scenario(HISTORY, {"population.firms": firms, "scenario.steps": steps, **overrides})


def _run(scenario: Scenario, seed: int = 1) -> tuple[RegionalModel, pd.DataFrame]:
    model = RegionalModel(scenario, rng=seed)
    while model.running:
        model.step()
    return model, model.history()[1]


def _gwangju(regions: pd.DataFrame, column: str) -> float:
    return float(regions.loc[regions.region == "gwangju", column].sum())


def _without(scenario: Scenario) -> Scenario:
    from dataclasses import replace

    return replace(scenario, recruitment={})


# ------------------------------------------------------------------ the channel


def test_recruitment_brings_set_ups_into_the_region():
    """Gwangju's MOUs bring firms in: without the programme no firm sets up there over
    2019-10 .. 2021-07 in these seeds; with it the pledges signed are the schedule's (93 by
    2021-07, real) and the set-ups a share of them, all counted as inbound firms."""
    scenario = _replay()
    for seed in (1, 2):
        _, before = _run(_without(scenario), seed)
        model, after = _run(scenario, seed)
        pledges, setups = _gwangju(after, "pledges"), _gwangju(after, "setups")
        assert pledges == pytest.approx(round(93 * model.scale) / model.scale)
        assert 0 < setups <= pledges
        assert _gwangju(after, "inbound") >= _gwangju(before, "inbound") + setups
        assert _gwangju(after, "firms") != _gwangju(before, "firms")
        outside = after[after.region != "gwangju"]
        assert outside.setups.sum() == 0 and outside.pledges.sum() == 0


def _step_recruitment(scenario: Scenario, month: int) -> tuple[RegionalModel, dict]:
    """A model run to just before ``month``, then its recruitment alone, with totals before."""
    model = RegionalModel(scenario, rng=3)
    while model.steps < month:
        model.step()
    model.tally.reset()
    model.steps += 1  # the month being simulated is ``month``
    firms = model.firm_rows()
    nodes = model.nodes
    before = {
        "workers": float(nodes.size[firms].sum()),
        "talent": model.talent.copy(),
        "cash": float(nodes.cash[firms].sum()),
        "firms": len(firms),
    }
    plan = recruitment.recruit(model, firms)
    assert plan is not None
    return model, before


def _burst(**overrides) -> Scenario:
    """Every pledge sets up: 120 pledges (real) signed in 2020-02, 10 at 2,000 agents."""
    return _replay(
        **{
            f"{MOU}.setup_share": 1.0,
            f"{MOU}.pledges": [["2020-01", 0], ["2020-02", 120]],
            **overrides,
        }
    )


def test_set_ups_are_moves_and_branches_of_firms_from_other_regions():
    """move_share = 1: every set-up is a head-office move (a relocation into Gwangju);
    move_share = 0: every one a new branch, staffed from a parent elsewhere."""
    for share in (1.0, 0.0):
        model, before = _step_recruitment(_burst(**{f"{MOU}.move_share": share}), month=13)
        gw, t, nodes = model.region_index["gwangju"], model.tally, model.nodes
        moved = int(t.relocations[:, gw].sum())
        firms = model.firm_rows()
        new = firms[(nodes.origin[firms] == BRANCH) & (nodes.born[firms] == model.month)]
        assert t.setups[gw] == 10
        if share == 1.0:
            assert moved == 10 and len(new) == 0 and len(firms) == before["firms"]
        else:
            assert moved == 0 and len(new) == 10 and len(firms) == before["firms"] + 10
            assert np.all(nodes.region[new] == gw)
            assert np.all(nodes.region[nodes.parent[new]] != gw)


def test_the_plan_recruits_outside_firms_once_each_in_proportion_to_their_gain():
    """Recruitment.plan draws only firms of other regions, each at most once, as many as are
    due, and favours the firms that gain most by the region (the location choice)."""
    scenario = _replay(firms=300)
    programmes = recruitment.Recruitment(scenario, {r: i for i, r in enumerate(scenario.regions)})
    gw = list(scenario.regions).index("gwangju")
    n = 4000
    region = np.arange(n) % len(scenario.regions)
    gain = np.zeros((n, len(scenario.regions)))
    gain[: n // 2, gw] = 2.0  # the first half gains much more by Gwangju
    u = np.random.default_rng(0).random(n)
    able = np.ones(n, dtype=bool)
    due = [recruitment.Due(0, gw, 5, 300, 300)]
    plan = programmes.plan(due, region, gain, able, able, u, 0.5)
    chosen = np.concatenate([plan.movers, plan.parents])
    assert len(chosen) == 600 and len(np.unique(chosen)) == 600
    assert np.all(region[chosen] != gw)
    assert np.mean(chosen < n // 2) > 0.9  # exp(2 / 0.5) = 55 times the weight
    assert plan.pledges[gw] == 5 and plan.pledges.sum() == 5


# ------------------------------------------------------------------ conservation


def test_workers_and_money_are_conserved_and_grants_stop_with_the_budget():
    """A month of set-ups creates no worker (moves take their staff, branches the parent's)
    and no won: the grants paid equal what was promised, the set-ups' cash rises by them less
    the moving costs, and the programme pays no more than its budget."""
    grant, budget = 300_000_000.0, 2 * 300_000_000.0 * 12  # about two grants at 2,000 agents
    scenario = _burst(**{f"{MOU}.grant_krw": grant, f"{MOU}.budget_krw": budget})
    model, before = _step_recruitment(scenario, month=13)  # 2020-02: 10 pledges at 2,000 agents
    nodes, t = model.nodes, model.tally
    firms = model.firm_rows()
    gw = model.region_index["gwangju"]
    assert t.setups[gw] == 10
    assert float(nodes.size[firms].sum()) == pytest.approx(before["workers"], rel=1e-12)
    np.testing.assert_array_equal(model.talent, before["talent"])
    paid = round(budget * model.scale) // round(grant) * round(grant)
    # the new sites' local subsidies are paid too, from the local budget (open_sites)
    assert t.promised == t.public.sum() == t.public[gw] == paid + t.subsidies
    assert model.recruitment.budget_left[0] == round(budget * model.scale) - paid
    moving_costs = before["cash"] + t.promised - float(nodes.cash[firms].sum())
    assert moving_costs > 0  # the set-ups paid to move; the grants came on top, exactly


# ------------------------------------------------------------------ size 0 = today's model


@pytest.mark.parametrize(
    "overrides",
    [
        {f"{MOU}.pledges": []},
        {f"{MOU}.pledges": [["2019-10", 0], ["2024-03", 0]]},
    ],
    ids=["no pledges", "size 0"],
)
def test_a_programme_of_size_0_is_the_model_without_the_channel(overrides):
    scenario = _replay(firms=600, steps=36, **overrides)
    _, with_zero = _run(scenario)
    _, without = _run(_without(scenario))
    assert with_zero.pledges.sum() == 0 and with_zero.setups.sum() == 0
    pd.testing.assert_frame_equal(with_zero, without)


def test_a_share_of_0_signs_pledges_and_changes_nothing_else():
    scenario = _replay(firms=600, steps=36, **{f"{MOU}.setup_share": 0.0})
    _, none = _run(scenario)
    _, without = _run(_without(scenario))
    assert none.pledges.sum() > 0 and none.setups.sum() == 0
    pd.testing.assert_frame_equal(none.drop(columns="pledges"), without.drop(columns="pledges"))


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "line, field, allowed",
    [
        ('region = "seoul"', f"{MOU}.region", "must be a region id"),
        ('pledges = [["2021-07", 93], ["2019-10", 1]]', f"{MOU}.pledges", "increasing"),
        ("setup_share = 1.5", f"{MOU}.setup_share", "[0, 1]"),
        ("move_share = -0.1", f"{MOU}.move_share", "[0, 1]"),
        ('district = "suseong_alpha_city"', f"{MOU}.district", "district of region"),
        ('pledges = [["2019-10", 50], ["2021-07", 10]]', f"{MOU}.pledges", "must not fall"),
    ],
)
def test_bad_programmes_exit_2_with_one_line_naming_file_and_field(
    tmp_path: Path, capsys, line, field, allowed
):
    path = tmp_path / "bad.toml"
    path.write_text(f'inherit = "{HISTORY}"\n\n[{MOU}]\n{line}\n')
    assert main(["run", str(path), "--steps", "1", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "bad.toml" in err and field in err and allowed in err, err


def test_small_scenarios_carry_the_programme():
    """Every scenario that inherits the replay has Gwangju's programme (the nacc_* options)."""
    assert MOU.split(".")[1] in small("nacc_gwangju").recruitment


def _real_grants_paid(firms: int) -> float:
    """Real won the programme's budget pays in grants to set-ups at ``firms`` agents: a
    budget of 30.5 real grants and more set-ups than it pays."""
    grant = 300_000_000.0
    scenario = _burst(firms=firms, **{f"{MOU}.grant_krw": grant, f"{MOU}.budget_krw": 30.5 * grant})
    programmes = recruitment.Recruitment(scenario, {r: i for i, r in enumerate(scenario.regions)})
    budget = programmes.budget_left[0]
    paid = programmes.grants(0, 1000)
    spent = budget - programmes.budget_left[0]
    assert int(paid.sum()) == spent  # paid = taken from the budget
    return spent / scenario.scale


def test_a_short_grant_budget_pays_the_same_real_won_at_1000_and_4000_agents():
    """An agent stands for 1 / scale real firms, each paid its grant whole or not at all: 30
    of the 30.5 grants are paid at any agent count. (Paid by the agent, all or nothing,
    1,000 agents paid 24, one agent's, and 4,000 paid 30.)"""
    for firms in (1000, 4000):
        assert _real_grants_paid(firms) == pytest.approx(30 * 300_000_000.0, rel=1e-6)


# ------------------------------------------------------------------ the rule's helpers
#
# Unit tests of abm/rules/recruitment.py's own functions (docs/mutation.md: each kills survivors
# of the mutation run). At 24,000 agents the replay has one agent per real firm (scale 1), so
# pledges and grants are real counts. 2019-01 is month 0, 2020-02 month 13.

REAL = 24000


def _programmes(firms: int = REAL, **overrides) -> recruitment.Recruitment:
    scenario = _replay(firms=firms, **{f"{MOU}.{k}": v for k, v in overrides.items()})
    return recruitment.Recruitment(scenario, {r: i for i, r in enumerate(scenario.regions)})


def test_pledges_are_the_schedules_none_before_its_first_point():
    """Cumulative pledges, linear between the dated points, none before the first."""
    assert _programmes().signed_through(0, 30) == 93  # 2021-07: 93 firms (mk)
    burst = _programmes(pledges=[["2020-02", 120]])
    assert [burst.signed_through(0, m) for m in (11, 12, 13, 40)] == [0, 0, 120, 120]
    assert _programmes(pledges=[]).signed_through(0, 30) == 0


@pytest.mark.parametrize("move_share", [0.5, 1.0])
def test_each_pledge_is_signed_once_and_sets_up_lag_months_later(move_share):
    """30 pledges over 2020-01 .. 2020-03 and 30 more to 2020-06, every one setting up two
    months after it was signed, as a move or a branch."""
    programmes = _programmes(
        pledges=[["2020-01", 0], ["2020-03", 30], ["2020-06", 60]],
        setup_share=1.0,
        move_share=move_share,
        lag_months=2,
    )
    streams = Streams(7)
    signed, setups, moves = np.zeros(40, int), np.zeros(40, int), np.zeros(40, int)
    for month in range(40):
        for d in programmes.due(month, streams):
            assert type(d.moves) is int and type(d.branches) is int
            signed[month] += d.pledges
            setups[month] += d.moves + d.branches
            moves[month] += d.moves
    assert signed[12:18].tolist() == [0, 15, 15, 10, 10, 10] and signed.sum() == 60
    assert setups[2:].tolist() == signed[:-2].tolist() and setups.sum() == 60
    if move_share == 1.0:
        assert moves.sum() == 60
    else:
        assert 0 < moves.sum() < 60


def test_whether_a_pledge_sets_up_and_whether_it_moves_are_separate_draws_per_programme():
    """setup_share 0.5 and move_share 0.5 of 1,000 pledges: about half set up, and about half
    of those move (independent draws); a second programme's pledges draw their own."""
    from dataclasses import replace

    scenario = _replay(
        firms=REAL,
        **{
            f"{MOU}.pledges": [["2020-01", 0], ["2020-02", 1000]],
            f"{MOU}.setup_share": 0.5,
            f"{MOU}.move_share": 0.5,
        },
    )
    spec = scenario.recruitment["gwangju_ai_mou"]
    scenario = replace(scenario, recruitment={"gwangju_ai_mou": spec, "another": spec})
    programmes = recruitment.Recruitment(scenario, {r: i for i, r in enumerate(scenario.regions)})
    first, second = programmes.due(13, Streams(7))
    for d in (first, second):
        assert 430 < d.moves + d.branches < 570
        assert 0.4 < d.moves / (d.moves + d.branches) < 0.6
    assert (first.moves, first.branches) != (second.moves, second.branches)


def test_the_plan_adds_pledges_by_region_and_recruits_a_lone_able_firm():
    programmes = _programmes()
    region = np.array([0, 1, 2, 0])
    gain = np.zeros((4, programmes.n_regions))
    able = np.array([False, True, False, False])
    due = [recruitment.Due(0, 3, 3, 2, 0), recruitment.Due(0, 3, 4, 0, 0)]
    plan = programmes.plan(due, region, gain, able, able, np.full(4, 0.5), 1.0)
    assert plan.pledges[3] == 7 and plan.pledges.sum() == 7
    assert plan.movers.tolist() == [1]  # short of able firms: the one there is
    assert plan.mover_programme.tolist() == [0]


def test_the_draw_is_the_logit_of_the_gain_and_at_temperature_0_the_best():
    """Temperature 0: the k that gain most (ties: the smaller uniform). A positive
    temperature draws in proportion to exp(gain / temperature), however large the gains."""
    gain = np.array([0.1, 3.0, 2.0, -1.0, 3.0])
    u = np.array([0.5, 0.9, 0.1, 0.2, 0.3])
    assert recruitment._draw(gain, u, 3, 0.0).tolist() == [4, 1, 2]
    n, temperature = 4000, 0.5
    gain = np.where(np.arange(n) < n // 2, 800.0 + temperature * np.log(3.0), 800.0)
    u = np.random.default_rng(3).random(n)
    pick = recruitment._draw(gain, u, 400, temperature)
    assert len(np.unique(pick)) == 400
    assert 0.68 < np.mean(pick < n // 2) < 0.82  # weights 3 : 1


def test_grants_are_paid_whole_for_each_set_up_while_the_budget_lasts():
    """A budget of 3.5 grants of 3억 (scale 1): one set-up is paid one grant, two are paid
    two (not a part of the third on top), then of three more only one is paid; no set-up
    is paid nothing as if it were a grant."""
    grant = 300_000_000
    programmes = _programmes(grant_krw=float(grant), budget_krw=3.5 * grant)
    none = programmes.grants(0, 0)
    assert len(none) == 0 and none.dtype.kind == "i"
    assert programmes.grants(0, 1).tolist() == [grant]
    assert programmes.grants(0, 2).tolist() == [grant, grant]
    assert programmes.budget_left[0] == grant // 2
    assert programmes.grants(0, 3).tolist() == []
    assert programmes.budget_left[0] == grant // 2


def _about_to_recruit(**overrides) -> RegionalModel:
    """The replay at 600 agents (scale 0.025) run to just before 2020-02, when 400 pledges
    (real) are signed and every one sets up: 10 set-ups."""
    scenario = _burst(
        firms=600, **{f"{MOU}.pledges": [["2020-01", 0], ["2020-02", 400]]}, **overrides
    )
    model = RegionalModel(scenario, rng=3)
    while model.steps < 13:
        model.step()
    model.tally.reset()
    model.steps += 1  # the month being simulated is 2020-02
    return model


@pytest.mark.parametrize("move_share", [1.0, 0.0])
def test_only_firms_with_cash_for_the_move_set_up(move_share):
    """A set-up costs moving_cost_months of revenue (a move or a branch): firms without the
    cash are never recruited. A parent of two can staff a branch of one."""
    model = _about_to_recruit(**{f"{MOU}.move_share": move_share})
    nodes, p = model.nodes, model.config.params
    firms = model.firm_rows()
    gw = model.region_index["gwangju"]
    outside = firms[nodes.region[firms] != gw]
    cost = p.firm.moving_cost_months * nodes.revenue[outside]
    nodes.cash[outside] = 0.5 * cost
    able = outside[::3]
    nodes.cash[able] = 1e13
    nodes.size[able] = 2.0
    plan = recruitment.recruit(model, firms)
    recruited = firms[np.concatenate([plan.movers, plan.parents])]
    assert len(recruited) == 10 and np.isin(recruited, able).all()


def test_movers_pay_the_move_from_their_cash():
    model = _about_to_recruit(**{f"{MOU}.move_share": 1.0})
    nodes, p = model.nodes, model.config.params
    firms = model.firm_rows()
    cash, public = nodes.cash.copy(), nodes.public_received.copy()
    plan = recruitment.recruit(model, firms)
    movers = firms[plan.movers]
    assert len(movers) == 10
    paid = cash[movers] - nodes.cash[movers] + (nodes.public_received - public)[movers]
    np.testing.assert_allclose(paid, p.firm.moving_cost_months * nodes.revenue[movers])


@pytest.mark.parametrize(
    ("region", "district", "forced"),
    [("gwangju", "cheomdan_ai_cluster", True), ("capital", "", False)],
)
def test_set_ups_go_to_the_programmes_district_only_when_it_names_one(region, district, forced):
    """A programme's district takes its set-ups (moves and branches) while it has room; a
    programme naming none leaves them to choose as every new site does: not all to one
    district (Pangyo, given room, takes about one in ten)."""
    model = _about_to_recruit(
        **{
            f"{MOU}.move_share": 0.5,
            f"{MOU}.region": region,
            f"{MOU}.district": district,
            "districts.pangyo.space_firms": 1e6,
        }
    )
    nodes = model.nodes
    firms = model.firm_rows()
    r = model.region_index[region]
    plan = recruitment.recruit(model, firms)
    new = firms[plan.movers].tolist() + [
        row
        for row in np.flatnonzero(nodes.origin == BRANCH).tolist()
        if nodes.born[row] == model.month and nodes.region[row] == r
    ]
    assert len(new) == 10 and len(plan.movers) > 0 and len(plan.parents) > 0
    districts = nodes.district[new]
    if forced:
        assert (districts == model.district_index[district]).all()
    else:
        assert (districts != model.district_index["pangyo"]).any()


def test_at_a_low_temperature_the_firms_that_gain_most_are_recruited():
    """The draw favours the firms that gain most by the region (utility there less utility
    where they are): at temperature 0.05 the ten recruited are the ten that gain most."""
    model = _about_to_recruit(**{f"{MOU}.move_share": 1.0, "params.location.temperature": 0.05})
    nodes, p = model.nodes, model.config.params
    firms = model.firm_rows()
    gw = model.region_index["gwangju"]
    utility = relocation._utilities(model, firms)  # a firm's location choice
    gain = utility[:, gw] - utility[np.arange(len(firms)), nodes.region[firms]]
    able = (nodes.region[firms] != gw) & (
        nodes.cash[firms] > p.firm.moving_cost_months * nodes.revenue[firms]
    )
    best = np.flatnonzero(able)[np.argsort(-gain[able], kind="stable")[:10]]
    plan = recruitment.recruit(model, firms)
    assert sorted(plan.movers.tolist()) == sorted(best.tolist())


def test_set_ups_are_counted_in_their_region_and_paid_by_its_government():
    """The month's pledges and set-ups add to the tally, in the programme's region only; the
    grants are the region's government's money (appropriated and paid by it)."""
    grant = 300_000_000
    model = _about_to_recruit(**{f"{MOU}.grant_krw": float(grant), f"{MOU}.budget_krw": 1e12})
    t, firms = model.tally, model.firm_rows()
    gw = model.region_index["gwangju"]
    t.pledges[:] = 5
    t.setups[:] = 5
    local, central = model.locals[gw].budget, model.central.budget
    given, central_given = local.appropriated, central.appropriated
    plan = recruitment.recruit(model, firms)
    at = np.zeros(len(t.setups), dtype=np.int64)
    at[gw] = 1
    assert t.pledges.tolist() == (5 + plan.pledges).tolist() and plan.pledges[gw] == 10
    assert t.setups.tolist() == (5 + 10 * at).tolist()
    assert local.appropriated - given >= 10 * grant
    assert central.appropriated == central_given


def test_the_last_agent_is_paid_the_grants_of_its_real_firms_that_fit():
    """Scale 0.025: an agent's grant is its 40 real firms' 3억 each; a budget of two agents'
    grants and five real firms' pays the third agent the five."""
    grant = 300_000_000
    model = _about_to_recruit(**{f"{MOU}.grant_krw": float(grant), f"{MOU}.budget_krw": 1e12})
    programmes, nodes = model.recruitment, model.nodes
    firms = model.firm_rows()
    rows = firms[:4]
    part = round(5 * grant * model.scale)
    programmes.budget_left[0] = 2 * grant + part
    cash = nodes.cash[rows].copy()
    recruitment._settle(model, programmes, 0, rows[:3])
    np.testing.assert_allclose(nodes.cash[rows[:3]] - cash[:3], [grant, grant, part])
    programmes.budget_left[0] = grant
    recruitment._settle(model, programmes, 0, rows[3:])
    assert nodes.cash[rows[3]] - cash[3] == grant


def test_who_is_recruited_does_not_depend_on_the_order_firms_are_listed_in():
    """Each firm's draw is keyed by its own lineage (the same firm, the same uniform), so the
    same candidates listed in another order recruit the same firms."""
    chosen = []
    for order in (1, -1):
        model = _about_to_recruit(**{f"{MOU}.move_share": 0.5})
        firms = model.firm_rows()[::order]
        plan = recruitment.recruit(model, firms)
        chosen.append(sorted(firms[np.concatenate([plan.movers, plan.parents])].tolist()))
    assert len(chosen[0]) == 10 and chosen[0] == chosen[1]
