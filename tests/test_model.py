"""The model's contracts: determinism, accounting identities, conserved public money."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.agents import Firm, University
from abm.model import RegionalModel, largest_remainder
from abm.nodes import FIRM
from abm.run import run_scenario
from tests.conftest import small


def test_same_seed_same_output_different_seed_different_output():
    scenario = small("nacc_haenam", firms=300, steps=30)
    a, b = run_scenario(scenario, seed=7), run_scenario(scenario, seed=7)
    pd.testing.assert_frame_equal(a.model, b.model)
    pd.testing.assert_frame_equal(a.regions, b.regions)
    assert a.summary == b.summary
    c = run_scenario(scenario, seed=8)
    assert not a.model["innovations"].equals(c.model["innovations"])


def test_outputs_have_one_row_per_step_and_region():
    scenario = small("baseline", firms=200, steps=12)
    result = run_scenario(scenario, seed=1)
    assert list(result.model["step"]) == list(range(13))
    assert str(result.model["date"].iloc[1]) == "2019-01-01"
    assert str(result.model["date"].iloc[-1]) == "2019-12-01"
    assert len(result.regions) == 13 * 5
    assert set(result.regions["region"]) == {"capital", "daegu", "gwangju", "jeonnam", "rest"}
    final = result.regions[result.regions["step"] == 12]
    assert final["firm_share"].sum() == pytest.approx(1.0)
    assert result.summary["firm_share"] == dict(
        zip(final["region"], final["firm_share"], strict=True)
    )


def test_entries_minus_exits_is_the_change_in_firms():
    result = run_scenario(small("nacc_gwangju", firms=400, steps=48), seed=3)
    m = result.model
    np.testing.assert_allclose(m["firms"].diff().iloc[1:], (m["entries"] - m["exits"]).iloc[1:])
    r = result.regions.sort_values(["region", "step"])
    for _, g in r.groupby("region"):
        change = g["firms"].diff().iloc[1:]
        flows = (g["entries"] - g["exits"] + g["relocations_in"] - g["relocations_out"]).iloc[1:]
        np.testing.assert_allclose(change.to_numpy(), flows.to_numpy(), atol=1e-6)
    assert m["exits"].sum() > 0 and m["entries"].sum() > 0
    # real units: one agent stands for 1/scale firms
    assert m["firms"].iloc[0] == pytest.approx(m["agents"].iloc[0] / result_scale(result))


def result_scale(result) -> float:
    return 1.0 / result.summary["firms_per_agent"]


def test_public_money_is_conserved_every_month():
    scenario = small(
        "nacc_haenam", firms=300, steps=60, **{"regions.daegu.incentives.raise_on_loss": True}
    )
    model = RegionalModel(scenario, rng=5)
    govs = [model.central, *model.locals.values()]
    for _ in range(scenario.steps):
        model.step()
        for gov in govs:
            b = gov.budget
            assert b.spent + b.remaining == b.appropriated
            assert b.remaining >= 0 and b.spent >= 0
    spent = sum(g.budget.spent for g in govs)
    received = model.nodes.view("public_received").sum() + model.central.paid_to_centers
    assert spent > 0
    assert received == spent  # whole won, exactly
    model_df, _ = model.history()
    assert model_df["public_spending"].sum() * model.scale == pytest.approx(spent, rel=1e-12)


def test_mesa_agents_graph_and_arrays_agree():
    model = RegionalModel(small("nacc_split", firms=300, steps=24), rng=2)
    for _ in range(24):
        model.step()
    firms = model.nodes.rows(FIRM)
    assert Firm not in model.agents_by_type  # firms are rows with ids, not registered agents
    assert len(model.firm_agents) == len(firms)
    assert sorted(a.unique_id for a in model.firm_agents.values()) == sorted(
        model.nodes.uid[firms].tolist()
    )
    graph = model.graph
    assert graph.number_of_nodes() == len(model.agents) + len(model.firm_agents)
    assert graph.number_of_edges() == model.network.n_edges
    ids = [a.unique_id for a in model.agents] + [a.unique_id for a in model.firm_agents.values()]
    assert len(set(ids)) == len(ids) and set(ids) == set(graph.nodes)
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert kinds == {"firm", "university", "government"}
    some = next(iter(model.firm_agents.values()))
    assert graph.nodes[some.unique_id]["region"] == some.region
    assert model.firm_agents.by_uid(some.unique_id) == some
    assert len(model.agents_by_type[University]) == 10


def test_switching_universities_off_removes_them():
    model = RegionalModel(
        small("baseline", firms=100, steps=3, **{"params.switches.universities": False}), rng=1
    )
    assert University not in model.agents_by_type


def test_largest_remainder_keeps_the_total():
    counts = largest_remainder(np.array([21729, 1138, 1263, 0]) / 24130 * 1000)
    assert counts.sum() == 1000
    assert counts.tolist() == [901, 47, 52, 0]  # quotas 900.5, 47.2, 52.3, 0


def test_relocations_are_reported_origin_to_destination():
    result = run_scenario(
        small("nacc_daegu", firms=400, steps=60, **{"params.firm.relocation_rate": 0.05}), seed=4
    )
    moves = result.summary["relocations"]
    assert moves and all("->" in k for k in moves)
    assert sum(moves.values()) == pytest.approx(result.model["relocations"].sum())


@pytest.mark.parametrize("rule", ["concentrate", "balanced", "competitive"])
def test_grant_allocation_rules(rule):
    scenario = small("nacc_daegu", firms=300, steps=14, **{"government.central.allocation": rule})
    model = RegionalModel(scenario, rng=1)
    for _ in range(14):
        model.step()
    shares = dict(zip(model.region_ids, model.central.shares(), strict=True))
    assert shares["capital"] == 0.0
    assert sum(shares.values()) == pytest.approx(1.0)
    if rule == "concentrate":
        assert shares["daegu"] == 1.0
    elif rule == "balanced":  # by provinces: Daegu, Gwangju, Jeonnam 1 each, the rest 11
        assert shares["daegu"] == shares["gwangju"] == shares["jeonnam"] == pytest.approx(1 / 14)
        assert shares["rest"] == pytest.approx(11 / 14)
    else:
        recent = dict(zip(model.region_ids, model.recent_innovations(), strict=True))
        total = sum(v for k, v in recent.items() if k != "capital")
        assert shares["gwangju"] == pytest.approx(recent["gwangju"] / total)
