"""Scenario files: loading, inheritance, overrides, validation messages, sources."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest

from abm.errors import ScenarioError
from abm.scenario import LAYERS, list_scenarios, load_raw, load_scenario, parse_assignments
from tests.conftest import ROOT, SCENARIOS

ALL_FILES = [p for p in sorted(SCENARIOS.glob("*.toml")) if p.name not in LAYERS] + sorted(
    (SCENARIOS / "validation").glob("*.toml")
)
MAIN = ["baseline", "nacc_daegu", "nacc_gwangju", "nacc_haenam", "nacc_split"]


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates(path: Path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description


def test_main_scenarios_exist_with_the_regions_of_the_issue():
    names = {p.stem for p, _ in list_scenarios()}
    assert set(MAIN) <= names
    for name in MAIN:
        s = load_scenario(SCENARIOS / f"{name}.toml")
        assert {"capital", "daegu", "gwangju", "jeonnam"} <= set(s.regions)
        # one run: history from 2019-01 to 2025-12, then the future to 2035-12
        assert s.steps == 204 and s.scenario.start == "2019-01"
        assert s.scenario.history_end == "2025-12"


def test_center_sites_differ_only_where_they_should():
    sites = {
        n: {c: x.site for c, x in load_scenario(SCENARIOS / f"{n}.toml").centers.items()}
        for n in MAIN
    }
    assert "nacc" not in sites["baseline"]
    assert sites["nacc_haenam"]["nacc"] == "jeonnam"
    assert sites["nacc_daegu"]["nacc"] == "daegu"
    assert sites["nacc_gwangju"]["nacc"] == "gwangju"
    assert {sites["nacc_split"]["nacc"], sites["nacc_split"]["nacc_b"]} == {"daegu", "gwangju"}
    capacity = load_scenario(SCENARIOS / "nacc_haenam.toml").centers["nacc"].capacity
    assert capacity[-1][1] == 15000


def _numbers(table: dict, path: str):
    for key, value in table.items():
        if key == "sources":
            continue
        if isinstance(value, dict):
            yield from _numbers(value, f"{path}.{key}")
        elif (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, list) and key == "capacity"
        ):
            yield f"{path}.{key}", key, table


@pytest.mark.parametrize("name", MAIN)
def test_every_data_number_cites_a_source(name: str):
    """Regions, centers and incentives: each number has an entry in its sources table."""
    raw = load_raw(SCENARIOS / f"{name}.toml")
    missing = []
    for section in ("regions", "centers", "districts"):
        for item_id, item in raw.get(section, {}).items():
            for path, key, table in _numbers(item, f"{section}.{item_id}"):
                if not table.get("sources", {}).get(key):
                    missing.append(path)
            for i, uni in enumerate(item.get("universities", [])):
                for key in ("students", "research"):
                    if key in uni and not uni.get("sources", {}).get(key):
                        missing.append(f"{section}.{item_id}.universities[{i}].{key}")
    assert raw["government"]["central"]["sources"]["programs"]
    assert not missing, f"numbers without a source: {missing}"


def test_inheritance_merges_tables_and_overrides_fields():
    s = load_scenario(SCENARIOS / "nacc_daegu.toml")
    assert s.centers["nacc"].site == "daegu"
    assert s.centers["nacc"].public_krw == 80_000_000_000  # inherited from nacc_haenam
    assert "gwangju_nadc" in s.centers  # inherited from baseline
    assert s.centers["nacc"].sources["site"].startswith("Daegu")
    assert "public_krw" in s.centers["nacc"].sources  # parent's citations kept


def test_overrides_reach_any_parameter_and_are_validated():
    s = load_scenario(
        SCENARIOS / "baseline.toml",
        [
            "params.agglomeration.cap=2.5",
            "centers.gwangju_nadc.allocation=queue",
            "regions.daegu.incentives.subsidy_rate=0.3",
        ],
    )
    assert s.params.agglomeration.cap == 2.5
    assert s.centers["gwangju_nadc"].allocation == "queue"
    assert s.regions["daegu"].incentives.subsidy_rate == 0.3
    assert s.with_overrides({"params.agglomeration.cap": math.inf}).params.agglomeration.cap == (
        math.inf
    )


@pytest.mark.parametrize(
    ("override", "field", "text"),
    [
        ({"params.location.temperature": -1}, "params.location.temperature", "[0, 100]"),
        ({"params.firm.exitt": 1}, "params.firm.exitt", "unknown field"),
        ({"centers.gwangju_nadc.site": "busan"}, "centers.gwangju_nadc.site", "region id"),
        ({"centers.gwangju_nadc.allocation": "lottery"}, "allocation", "one of"),
        ({"scenario.start": "2025-13"}, "scenario.start", "YYYY-MM"),
        ({"population.firms": 1.5}, "population.firms", "integer"),
        ({"params.network.enabled": "yes"}, "params.network.enabled", "true or false"),
        ({"regions.daegu.incentives.subsidy_rate": 0.6}, "subsidy_rate", "[0, 0.5]"),
        (
            {"centers.gwangju_nadc.capacity": [["2028-01", -5]]},
            "centers.gwangju_nadc.capacity[0]",
            "GPUs in [0, 1e+06]",
        ),
        (  # the schema's upper bound binds files and overrides, not only the app's controls
            {"centers.gwangju_nadc.capacity": [["2028-01", 1e30]]},
            "centers.gwangju_nadc.capacity[0]",
            "GPUs in [0, 1e+06]",
        ),
        ({"params.agglomeration.strength": math.nan}, "strength", "a number"),
        ({"programmes.alpha_hub_pilot.channel": "compute"}, "hub_pilot.channel", "money or space"),
        ({"programmes.alpha_hub_pilot.district": "pangyo"}, "alpha_hub_pilot.district", "daegu"),
        ({"programmes.nope.budget_krw": 1.0}, "programmes.nope", "no programme 'nope'"),
        ({"centers.gwangju_nadc.npu_share": 1.5}, "centers.gwangju_nadc.npu_share", "[0, 1]"),
        ({"params.compute.npu_efficiency": -0.1}, "params.compute.npu_efficiency", "[0, 1]"),
        ({"params.compute.price_flexibility": 9}, "params.compute.price_flexibility", "[0, 5]"),
        (
            {"params.compute.reference_shortfall": 0},
            "params.compute.reference_shortfall",
            "[0.01, 1]",
        ),
        (
            {"params.compute.npu_maker_region": "busan"},
            "params.compute.npu_maker_region",
            "must be empty or a region id (capital, daegu, gwangju, jeonnam, rest), got 'busan'",
        ),
    ],
)
def test_bad_values_name_the_field_and_what_is_allowed(override, field, text):
    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "baseline.toml", override)
    message = str(err.value)
    assert "baseline.toml" in message
    assert field in message
    assert text in message


def test_all_problems_are_reported_at_once():
    with pytest.raises(ScenarioError) as err:
        load_scenario(
            SCENARIOS / "baseline.toml",
            {"params.location.temperature": -1, "population.firms": -3, "foo": 1},
        )
    assert len(err.value.problems) == 3


def test_inheritance_loop_and_bad_files(tmp_path: Path):
    (tmp_path / "a.toml").write_text('inherit = "b.toml"\n')
    (tmp_path / "b.toml").write_text('inherit = "a.toml"\n')
    with pytest.raises(ScenarioError, match="inheritance loop"):
        load_scenario(tmp_path / "a.toml")
    (tmp_path / "bad.toml").write_text("[scenario\nname=1")
    with pytest.raises(ScenarioError, match="invalid TOML"):
        load_scenario(tmp_path / "bad.toml")
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "missing.toml")
    (tmp_path / "parent.toml").write_text('inherit = "gone.toml"\n')
    # the message names the file and field that point to the missing target
    pointing = r"parent\.toml: inherit: 'gone\.toml' .*: file not found"
    with pytest.raises(ScenarioError, match=pointing):
        load_scenario(tmp_path / "parent.toml")


def test_assignments_parse_toml_values():
    assert parse_assignments(["a.b=1", "c=inf", "d=true", 'e="x y"', "f=daegu", "g=[1,2]"]) == {
        "a.b": 1,
        "c": math.inf,
        "d": True,
        "e": "x y",
        "f": "daegu",
        "g": [1, 2],
    }
    with pytest.raises(ScenarioError, match=r"dotted\.key=value"):
        parse_assignments(["novalue"])


def test_scenario_is_picklable_and_round_trips(baseline_small):
    again = pickle.loads(pickle.dumps(baseline_small))
    assert again == baseline_small
    assert type(baseline_small).from_dict(baseline_small.to_dict()).to_dict() == (
        baseline_small.to_dict()
    )


def test_list_scenarios_reports_invalid_files_without_failing(tmp_path: Path):
    (tmp_path / "ok.toml").write_text('[scenario]\ndescription = "fine"\n')
    (tmp_path / "broken.toml").write_text("[[[")
    found = dict((p.name, d) for p, d in list_scenarios(tmp_path))
    assert found["ok.toml"] == "fine"
    assert found["broken.toml"].startswith("(invalid")


def test_project_root_is_found():
    assert (ROOT / "pyproject.toml").exists()


def test_the_calibrated_layer_is_inherited_not_offered_as_a_scenario():
    assert "calibrated" not in {p.stem for p, _ in list_scenarios()}
    assert 'inherit = "calibrated.toml"' in (SCENARIOS / "baseline.toml").read_text()


# ------------------------------------------------- issue 24, defect 10: where inherit may read


def _one_line_error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return lines[0]


def test_inherit_outside_the_folder_the_project_and_the_app_roots_is_refused(
    tmp_path: Path, capsys, monkeypatch
):
    from abm.cli import main

    monkeypatch.delenv("ABM_APP_ROOTS", raising=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.toml").write_text(f'inherit = "{SCENARIOS / "baseline.toml"}"\n')
    study = tmp_path / "home" / "study"
    study.mkdir(parents=True)
    (study / "link.toml").symlink_to(outside / "secret.toml")
    child = study / "child.toml"
    for target in ("../../outside/secret.toml", str(outside / "secret.toml"), "link.toml"):
        child.write_text(f'inherit = "{target}"\n')
        assert main(["run", str(child), "--steps", "1", "--out", str(tmp_path / "o")]) == 2
        line = _one_line_error(capsys)
        assert f"{child}: inherit: " in line and target in line, line
        assert "this scenario's folder" in line and "the project" in line, line
        with pytest.raises(ScenarioError) as err:
            load_scenario(child)
        assert [p.field for p in err.value.problems] == ["inherit"]
    # the scenario's own folder tree and the project are allowed
    (study / "sub").mkdir()
    (study / "sub" / "base.toml").write_text(f'inherit = "{SCENARIOS / "baseline.toml"}"\n')
    child.write_text('inherit = "sub/base.toml"\n[scenario]\nname = "mine"\n')
    assert load_scenario(child).name == "mine"
    # and so are the app's allowed roots (abm app --root)
    monkeypatch.setenv("ABM_APP_ROOTS", str(outside))
    child.write_text(f'inherit = "{outside / "secret.toml"}"\n[scenario]\nname = "mine"\n')
    assert load_scenario(child).name == "mine"


def test_the_app_refuses_a_scenario_whose_inherit_leaves_the_roots(tmp_path: Path, monkeypatch):
    from viz.paths import lookup, scenario_choices

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.toml").write_text(f'inherit = "{SCENARIOS / "baseline.toml"}"\n')
    root = tmp_path / "root"
    (root / "scenarios").mkdir(parents=True)
    evil = root / "scenarios" / "evil.toml"
    evil.write_text('inherit = "../../outside/secret.toml"\n')
    monkeypatch.setenv("ABM_APP_ROOTS", str(root))
    choice = lookup(scenario_choices(), f"{root.name}/scenarios/evil.toml")
    assert choice is not None and choice.description.startswith("(invalid: ")
    assert "inherit" in choice.description
    with pytest.raises(ScenarioError) as err:
        load_scenario(choice.path)
    (problem,) = err.value.problems
    assert problem.source == str(evil) and problem.field == "inherit"
    assert "../../outside/secret.toml" in problem.message
