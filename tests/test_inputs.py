"""The declarative input layer (abm/inputs.py): a field or a table is one declaration, and
every refused value is one line naming the file, the field and what is allowed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pytest

from abm import schema
from abm.errors import ScenarioError
from abm.inputs import Month, param, structure
from abm.scenario import Scenario, load_raw
from abm.specutil import Checker
from tests.conftest import SCENARIOS


@dataclass(frozen=True)
class Fund:
    """The worked example of docs/extending.md, section 5: a table of funds (a sketch beside the
    real `funds` tables of abm/schema.py, so it has its own key)."""

    name: str = param("", "Name")
    amount_krw: float = param(0.0, "Total amount (real)", lo=0, hi=1e14, unit="KRW")
    start: Month = param("2026-01", "First month")
    regions: tuple[str, ...] = param((), "Region ids it pays in (empty = all)")
    sources: dict[str, str] = param({}, "Citation for each number above")


@dataclass(frozen=True)
class FundScenario(Scenario):
    ai_funds: dict[str, Fund] = dataclasses.field(default_factory=dict)


BASE = load_raw(SCENARIOS / "baseline.toml")


def test_a_new_scenario_table_is_one_declaration():
    good = {**BASE, "ai_funds": {"ai_fund": {"amount_krw": 5e11, "start": dt.date(2027, 3, 1)}}}
    s = FundScenario.from_dict(good, "f.toml")
    assert s.ai_funds["ai_fund"] == Fund(amount_krw=5e11, start="2027-03")
    bad = {"ai_fund": {"amount_krw": -1, "start": "2026-13", "colour": 1, "regions": "x"}}
    with pytest.raises(ScenarioError) as err:
        FundScenario.from_dict({**BASE, "ai_funds": {**bad, "Bad-Id": {}}}, "f.toml")
    assert [str(p) for p in err.value.problems] == [
        "f.toml: ai_funds.Bad-Id: id must be lower_snake_case"
    ]
    with pytest.raises(ScenarioError) as err:
        FundScenario.from_dict({**BASE, "ai_funds": bad}, "f.toml")
    assert sorted(str(p) for p in err.value.problems) == [
        "f.toml: ai_funds.ai_fund.amount_krw: must be in [0, 1e+14], got -1",
        "f.toml: ai_funds.ai_fund.colour: unknown field; allowed: amount_krw, name, regions, "
        "sources, start",
        "f.toml: ai_funds.ai_fund.regions: must be an array, got a string",
        "f.toml: ai_funds.ai_fund.start: expected YYYY-MM (a month), got '2026-13'",
    ]


def test_a_new_spec_section_is_one_declaration():
    @dataclass(frozen=True)
    class Sequential:
        width: float = param(0.1, "P(best) interval width", lo=0, above=True, hi=1)
        max_runs: int | None = param(None, "Budget of runs", lo=1)

    c = Checker("spec.toml")
    t = c.declared({"sequential": {"width": 2, "max_runs": 0, "x": 1}}, {"sequential": Sequential})
    assert t["sequential"] == Sequential()  # refused fields keep their defaults
    assert sorted(str(p) for p in c.problems) == [
        "spec.toml: sequential.max_runs: 0 is not allowed; expected an integer >= 1",
        "spec.toml: sequential.width: 2 is not allowed; expected a number in (0, 1]",
        "spec.toml: sequential.x: unknown field; allowed: max_runs, width",
    ]
    c = Checker("spec.toml")
    assert c.declared({}, {"sequential": Sequential})["sequential"] == Sequential()
    assert not c.problems


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("params.network.enabled", 1, "must be true or false, got 1"),
        ("population.firms", 2.5, "must be an integer in [0, 2e+06], got 2.5"),
        ("population.firms", "9", "must be an integer in [0, 2e+06], got '9'"),
        ("population.firms", -1, "must be in [0, 2e+06], got -1"),
        ("params.agglomeration.strength", float("inf"), "must be in [0, 100], got inf"),
        ("params.agglomeration.form", "cubic", "must be linear or log, got 'cubic'"),
        ("scenario.name", 3, "must be a string, got int"),
        ("scenario.history_end", "Dec 2025", "expected YYYY-MM (a month), got 'Dec 2025'"),
        ("government.central.programs", {}, "must be an array, got a table"),
        ("government.central.programs", [3], "must be a table, got int"),
        ("regions.daegu.sources", {"a": 1}, "must be a table of strings"),
    ],
)
def test_each_kind_of_field_says_what_is_allowed(key, value, message):
    data = {**BASE}
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        node[part] = dict(node.get(part, {}))
        node = node[part]
    node[parts[-1]] = value
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict(data, "s.toml")
    (problem,) = err.value.problems
    field = key + ("[0]" if value == [3] else "")
    assert (problem.source, problem.field, problem.message) == ("s.toml", field, message)


def test_months_as_toml_dates_and_the_schema_bound_of_a_schedule():
    data = {**BASE, "scenario": {**BASE["scenario"], "start": dt.date(2019, 1, 1)}}
    assert Scenario.from_dict(data, "s.toml").scenario.start == "2019-01"
    hi = next(f for f in dataclasses.fields(schema.Center) if f.name == "capacity").metadata["hi"]
    center = {**BASE["centers"]["gwangju_nadc"], "capacity": [["2030-01", hi * 2]]}
    bad = {**BASE, "centers": {**BASE["centers"], "gwangju_nadc": center}}
    _, problems = structure(bad, Scenario, "s.toml")
    assert [p.field for p in problems] == ["centers.gwangju_nadc.capacity[0]"]


@dataclass(frozen=True)
class Grant:
    """A table whose fields name other tables' ids and a month order: declared, not coded."""

    region: str = param("", "Region id it pays in", refers="regions")
    district: str = param(
        "", "District id (empty: anywhere)", refers="districts", or_empty=True, within="region"
    )
    start: Month = param("2026-01", "First month")
    end: Month = param("2027-12", "Last month", after="start")


@dataclass(frozen=True)
class GrantScenario(Scenario):
    grants: dict[str, Grant] = dataclasses.field(default_factory=dict)


def test_ids_and_month_order_a_table_declares_are_checked_with_the_file():
    ok = {"region": "daegu", "district": "suseong_alpha_city", "end": "2026-01"}
    assert GrantScenario.from_dict({**BASE, "grants": {"g": ok}}, "g.toml").grants["g"].end
    bad = {"region": "gwangju", "district": "suseong_alpha_city", "end": "2025-12"}
    with pytest.raises(ScenarioError) as err:
        GrantScenario.from_dict({**BASE, "grants": {"g": bad, "h": {"region": "busan"}}}, "g.toml")
    there = ", ".join(k for k, d in BASE["districts"].items() if d["region"] == "gwangju")
    assert [str(p) for p in err.value.problems] == [
        "g.toml: grants.g.district: must be empty or a district of region 'gwangju' "
        f"({there or 'none'}), got 'suseong_alpha_city'",
        "g.toml: grants.g.end: is before start (2026-01)",
        f"g.toml: grants.h.region: must be a region id ({', '.join(BASE['regions'])}), got 'busan'",
    ]


def test_a_number_above_the_sibling_it_is_declared_at_most_is_refused():
    """param(at_most=...) bounds a field by a sibling: retention with no openings cannot
    exceed retention with ample openings, nor a region's subsidy its ceiling."""
    data = {
        **BASE,
        "params": {"talent": {"retention_min": 0.95, "retention_max": 0.9}},
        "regions": {
            **BASE["regions"],
            "daegu": {**BASE["regions"]["daegu"], "incentives": {"subsidy_rate_max": 0.2}},
        },
    }
    data["regions"]["daegu"]["incentives"] |= {"subsidy_rate": 0.3, "status_quo_rate": 0.2}
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict(data, "b.toml")
    assert [str(p) for p in err.value.problems] == [
        "b.toml: params.talent.retention_min: must be <= retention_max (0.9)",
        "b.toml: regions.daegu.incentives.subsidy_rate: must be <= subsidy_rate_max (0.2)",
    ]


def test_vouchers_ending_before_they_start_are_refused():
    """Before the month order was declared (param after=), only the tables whose rule was
    written by hand had it: vouchers ending before they start were accepted."""
    with pytest.raises(ScenarioError, match=r"government\.vouchers\.end: is before start"):
        Scenario.from_dict(
            {
                **BASE,
                "government": {"vouchers": {"start": "2027-01", "end": "2026-01"}},
            },
            "v.toml",
        )


def test_a_scenario_error_raised_in_a_worker_process_keeps_its_message():
    """Pools pickle a worker's exception back to the parent: the message must survive."""
    import pickle

    from abm.errors import Problem, ScenarioError

    error = ScenarioError([Problem("a.toml", "params.x", "must be a number in [0, 5], got 'y'")])
    back = pickle.loads(pickle.dumps(error))
    assert str(back) == str(error) == "a.toml: params.x: must be a number in [0, 5], got 'y'"
    assert back.problems == error.problems
