"""Control values become a validated Scenario, or messages on the controls at fault."""

from __future__ import annotations

import math

from viz.controls import defaults, fields_for, final_capacity, fund_total, validate


def test_defaults_validate_to_the_same_scenario(baseline):
    checked = validate(baseline, defaults(baseline))
    assert checked.ok and checked.errors == {}
    assert checked.scenario.to_dict() == baseline.to_dict()
    assert checked.seed == baseline.seed


def test_every_control_has_a_default(baseline):
    draft = defaults(baseline)
    assert {f.key for f in fields_for(baseline)} == set(draft)


def test_changes_reach_the_scenario(baseline):
    draft = defaults(baseline)
    cid = next(iter(baseline.centers))
    draft.update(
        {
            "firms": "500",
            f"center.{cid}.capacity": "4000",
            "fund": "2e12",
            "agglo.cap": "2",
            "allocation": "competitive",
            "seed": "7",
        }
    )
    checked = validate(baseline, draft)
    assert checked.ok, checked.errors
    s = checked.scenario
    assert s.population.firms == 500 and checked.seed == 7
    assert math.isclose(final_capacity(s, cid), 4000)
    assert math.isclose(fund_total(s), 2e12)
    assert s.params.agglomeration.cap == 2 and s.government.central.allocation == "competitive"


def test_bad_values_are_reported_on_their_own_controls(baseline):
    draft = defaults(baseline)
    cid = next(iter(baseline.centers))
    rid = next(iter(baseline.regions))
    draft.update(
        {
            "firms": "many",
            f"center.{cid}.capacity": "-5",
            "fund": "1e17",
            f"incentive.{rid}": "0.9",
            "agglo.strength": "-1",
        }
    )
    checked = validate(baseline, draft)
    assert not checked.ok
    assert checked.errors["firms"] == "not a number"
    assert "GPUs >= 0" in checked.errors[f"center.{cid}.capacity"]
    assert "1e+14" in checked.errors["fund"]
    assert "0.5" in checked.errors[f"incentive.{rid}"]
    assert "agglo.strength" in checked.errors


def test_korean_messages(baseline):
    draft = {**defaults(baseline), "seed": "1.5"}
    assert validate(baseline, draft, "ko").errors["seed"] == "정수가 아닙니다"
