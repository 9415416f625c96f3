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
from abm.rules import recruitment
from abm.scenario import Scenario, load_scenario
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
