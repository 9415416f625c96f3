"""Control values become a validated Scenario, or messages about what the user typed."""

from __future__ import annotations

import dataclasses
import math

import pytest

from abm import schema
from viz import controls as ctl
from viz.controls import (
    apply_query,
    controls_for,
    defaults,
    final_capacity,
    from_query,
    fund_total,
    to_query,
    validate,
)


def test_defaults_validate_to_the_same_scenario(baseline):
    checked = validate(baseline, defaults(baseline))
    assert checked.ok and checked.errors == {}
    assert checked.scenario.to_dict() == baseline.to_dict()
    assert checked.seed == baseline.seed


def test_every_control_is_one_declaration_with_a_default(baseline):
    controls = controls_for(baseline)
    assert {c.key for c in controls} == set(defaults(baseline))
    assert len({c.css for c in controls}) == len(controls)
    for c in controls:
        assert c.label and c.label_ko and c.field, c.key
        assert c.kind in ("int", "float", "choice")


def test_ranges_come_from_the_schema(baseline):
    by_key = {c.key: c for c in controls_for(baseline)}
    firms = next(f for f in dataclasses.fields(schema.Population) if f.name == "firms").metadata
    assert (by_key["firms"].lo, by_key["firms"].hi) == (firms["lo"], firms["hi"])
    rate = next(f for f in dataclasses.fields(schema.Incentives) if f.name == "subsidy_rate")
    rid = next(iter(baseline.regions))
    assert by_key[f"incentive.{rid}"].hi == rate.metadata["hi"]
    assert by_key["agglo.cap"].hi is None  # open: inf is allowed there


def test_changes_reach_the_scenario(baseline):
    draft = defaults(baseline)
    cid = next(iter(baseline.centers))
    draft.update(
        {
            "firms": "500",
            f"center.{cid}.capacity": "4,000",
            "fund": "20000",  # 억 원
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


def test_capacity_of_1e30_cannot_be_entered(baseline):
    cid = next(iter(baseline.centers))
    checked = validate(baseline, {**defaults(baseline), f"center.{cid}.capacity": "1e30"})
    assert not checked.ok
    assert "1e30" in checked.errors[f"center.{cid}.capacity"]
    assert "1,000,000 GPUs" in checked.errors[f"center.{cid}.capacity"]


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("firms", "many", "“many” is not a number"),
        ("firms", "1,5", "“1,5” is not a number"),  # never silently 15
        ("firms", "1.5", "“1.5” is not a whole number"),
        ("agglo.cap", "-inf", "-inf  is outside the allowed range 0 – inf"),
        ("agglo.strength", "-1", "-1  is outside the allowed range 0 – 100"),
        ("fund", "-5", "-5 억 KRW is outside the allowed range 0 – "),  # what was typed
        ("agglo.strength", "nan", "“nan” is not a number"),
        ("firms", "", "enter a value"),
    ],
)
def test_messages_speak_of_what_was_typed(baseline, key, raw, expected):
    errors = validate(baseline, {**defaults(baseline), key: raw}).errors
    assert expected.replace("  ", " ") in errors[key]
    assert "amount_krw" not in errors[key] and "e+" not in errors[key]


def test_thousands_separators_and_inf_where_open(baseline):
    by_key = {c.key: c for c in controls_for(baseline)}
    assert ctl.parse(by_key["firms"], "2,000") == (2000, None)
    assert ctl.parse(by_key["agglo.cap"], "inf") == (math.inf, None)
    assert ctl.parse(by_key["agglo.strength"], "inf")[1]  # closed above: refused


def test_korean_messages_and_hints(baseline):
    errors = validate(baseline, {**defaults(baseline), "seed": "1.5"}, "ko").errors
    assert errors["seed"] == "“1.5”은(는) 정수가 아닙니다"
    firms = next(c for c in controls_for(baseline) if c.key == "firms")
    assert ctl.hint(firms, baseline, "ko").startswith("범위 0 – 2,000,000 개")
    assert "default 2,000" in ctl.hint(firms, baseline, "en")


def test_center_heading_follows_its_site(baseline):
    cid = next(iter(baseline.centers))
    moved = baseline.with_overrides({f"centers.{cid}.site": "daegu", f"centers.{cid}.district": ""})
    assert ctl.group_title(moved, cid, "en").endswith("Daegu")
    assert ctl.center_title("National AI Data Center (GWANGJU)") == "National AI Data Center"


def test_url_round_trip_keeps_only_changed_controls(baseline):
    draft = {**defaults(baseline), "firms": "600", "agglo.cap": "2"}
    query = to_query("scenarios/baseline.toml", baseline, draft)
    assert "firms=600" in query and "seed" not in query
    key, values = from_query(query)
    assert key == "scenarios/baseline.toml"
    restored = apply_query(baseline, {**values, "no.such.control": "1"})
    assert restored == draft


def test_moving_a_center_out_of_its_district_s_region_clears_the_district(baseline):
    site = next(c for c in ctl.controls_for(baseline) if c.key == "center.gwangju_nadc.site")
    over = site.write(baseline, "daegu")
    assert over == {"centers.gwangju_nadc.site": "daegu", "centers.gwangju_nadc.district": ""}
    assert baseline.with_overrides(over).centers["gwangju_nadc"].site == "daegu"
    back = site.write(baseline, "gwangju")
    assert back["centers.gwangju_nadc.district"] == "cheomdan_ai_cluster"
