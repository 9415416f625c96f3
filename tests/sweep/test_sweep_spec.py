"""Bad specs are rejected with one line naming the spec file, the field and what is allowed."""

from __future__ import annotations

import pytest
from sweep_helpers import ROOT, abm_main

from abm.sweep.spec import SpecError, load_spec

TOY_HEAD = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
"""


def problems(write_spec, text: str) -> str:
    path = write_spec(text)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    return message


def test_valid_spec_resolves_defaults(write_spec):
    spec = load_spec(write_spec())
    assert spec.replications == 2 and spec.seed == 11 and spec.common_random_numbers
    assert [lv.key for lv in spec.levels] == ["centers.site"]
    assert [r.key for r in spec.ranges] == ["params.growth", "population.firms"]
    assert spec.ranges[1].integer and not spec.ranges[0].integer
    assert spec.fixed[0].value == 0.05
    assert spec.resolved()["base"]["steps"] == 4


def test_nested_tables_are_dotted_keys(write_spec):
    spec = load_spec(
        write_spec(
            TOY_HEAD
            + """
            [design]
            method = "random"
            samples = 3
            [parameters.params]
            growth = { low = 0.1, high = 0.2 }
            [parameters.centers]
            site = ["daegu"]
            """
        )
    )
    assert spec.varied == ("centers.site", "params.growth")


def test_range_low_above_high_names_the_field(write_spec):
    message = problems(
        write_spec,
        TOY_HEAD + '[design]\nmethod = "lhs"\nsamples = 2\n'
        '[parameters]\n"params.growth" = { low = 0.5, high = 0.1 }\n',
    )
    assert "parameters.params.growth: range [0.5, 0.1] has low >= high" in message


def test_unknown_dotted_key_is_rejected_by_the_scenario(write_spec):
    message = problems(write_spec, TOY_HEAD + '[parameters]\n"params.nope" = [1, 2]\n')
    assert "parameters.params.nope: unknown field" in message


def test_value_outside_the_scenario_range(write_spec):
    message = problems(write_spec, TOY_HEAD + '[parameters]\n"params.growth" = [0.5, 7.0]\n')
    assert "parameters.params.growth:" in message and "[0.0, 1.0]" in message


def test_real_model_keys_are_checked_against_the_real_scenario(tmp_path):
    spec = tmp_path / "real.toml"
    spec.write_text(
        '[sweep]\nscenario = "scenarios/nacc_haenam.toml"\nsteps = 5000\n'
        "[parameters]\n"
        '"params.agglomeration.strenght" = [0.1, 0.2]\n'
        '"params.agglomeration.strength" = [-1.0, 0.5]\n'
        '"centers.nacc.site" = ["daegu", "gwangju"]\n'
    )
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    fields = [p.field for p in info.value.problems]
    assert fields == [
        "parameters.params.agglomeration.strenght",
        "parameters.params.agglomeration.strength",
        "sweep.steps",
    ]
    assert "unknown field" in info.value.problems[0].message
    assert "must be in [0, 100]" in info.value.problems[1].message
    assert "must be in [0, 1200]" in info.value.problems[2].message


def test_every_problem_is_reported_at_once(write_spec):
    message = problems(
        write_spec,
        """
        [sweep]
        scenario = "toy.toml"
        model = "abm.sweep.toy"
        replications = 0
        colour = "red"
        [design]
        method = "sobol"
        samples = 6
        [parameters]
        "params.growth" = { low = 0.1, high = 0.2, num = 3 }
        "scenario.seed" = [1, 2]
        "centers.site" = ["daegu", 3]
        [other]
        """,
    )
    for expected in (
        "sweep.replications: 0 is not allowed; expected an integer >= 1",
        "sweep.colour: unknown field",
        "design.samples: 6 is not allowed; Sobol designs need a power of 2",
        "parameters.params.growth.num: only grid designs take num",
        "parameters.scenario.seed: cannot be swept",
        "parameters.centers.site: list values must all be numbers",
        "other: unknown section",
    ):
        assert expected in message, message


RANGE = '"params.growth" = { low = 0, high = 1 }'


@pytest.mark.parametrize(
    ("design", "parameters", "expected"),
    [
        ('method = "cube"', '"params.growth" = [0.1]', "design.method: 'cube' is not allowed"),
        ('method = "grid"', '"params.growth" = { low = 0.1, high = 0.2 }', "grid designs need num"),
        ('method = "grid"\nsamples = 3', '"params.growth" = [0.1]', "design.samples: grid"),
        ('method = "lhs"\nsamples = 3', '"params.growth" = [0.1]', "lhs designs sample ranges"),
        ('method = "morris"', '"params.growth" = { low = 0, high = 1 }', "design.samples: missing"),
        (
            'method = "grid"',
            '"population.firms" = { low = 1, high = 3, num = 5 }',
            "5 values do not fit in the integers 1..3",
        ),
        ('method = "grid"', '"params.growth" = []', "parameters.params.growth: empty list"),
        ('method = "grid"', '"params.growth" = [0.1, 0.1]', "repeated values"),
        (
            'method = "lhs"\nsamples = 2',
            '"params.growth" = { low = 0.1, top = 0.2 }',
            "parameters.params.growth.top: unknown field; allowed: high, low, num",
        ),
        (
            'method = "morris"\nsamples = 1',
            '"params.growth" = { low = 0, high = 1 }',
            "design.samples: Morris designs need at least 2 samples",
        ),
        ('method = "lhs"\nsamples = 2\nlevels = 3', RANGE, "design.levels: only Morris designs"),
        ("second_order = true", '"params.growth" = [0.1]', "design.second_order: only Sobol"),
        (
            'method = "grid"',
            '"params.growth" = { low = "a", high = 1, num = 2 }',
            "parameters.params.growth.low: 'a' is not allowed; expected a number",
        ),
        (
            'method = "grid"',
            '"params.growth" = { low = 0, high = 1, num = 1.5 }',
            "parameters.params.growth.num: 1.5 is not allowed; expected an integer >= 2",
        ),
        ('method = "grid"', '"params.growth" = { low = 0 }', "growth.high: missing; a range needs"),
    ],
)
def test_design_and_parameter_problems(write_spec, design, parameters, expected):
    message = problems(write_spec, TOY_HEAD + f"[design]\n{design}\n[parameters]\n{parameters}\n")
    assert expected in message


def test_missing_or_unknown_scenario_and_model(write_spec):
    message = problems(write_spec, '[sweep]\nmodel = "abm.sweep.toy"\n')
    assert "sweep.scenario: missing" in message
    message = problems(write_spec, '[sweep]\nmodel = "abm.sweep.toy"\nscenario = "nope.toml"\n')
    assert "sweep.scenario: nope.toml: not found" in message
    message = problems(write_spec, '[sweep]\nmodel = "no.such.model"\nscenario = "toy.toml"\n')
    assert "sweep.model: 'no.such.model' is not one of the project's models" in message
    assert "--allow-model-import" in message
    path = write_spec('[sweep]\nmodel = "no.such.model"\nscenario = "toy.toml"\n')
    with pytest.raises(SpecError) as info:
        load_spec(path, allow_model_import=True)
    assert "sweep.model: cannot import 'no.such.model'" in str(info.value)


def test_a_model_outside_the_project_is_imported_only_when_allowed(write_spec, tmp_path):
    # a module that records its import: a spec naming it must not run it unless allowed
    marker = tmp_path / "imported"
    (tmp_path / "spec_plugin_model.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "from abm.sweep.toy import load_scenario, run_scenario  # noqa: F401\n"
    )
    text = '[sweep]\nmodel = "spec_plugin_model"\nscenario = "toy.toml"\n'
    import sys

    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(SpecError):
            load_spec(write_spec(text))
        assert not marker.exists()
        assert load_spec(write_spec(text), allow_model_import=True).model == "spec_plugin_model"
        assert marker.exists()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("spec_plugin_model", None)


def test_malformed_toml_is_one_line_with_file_and_line(write_spec):
    path = write_spec('[sweep]\nscenario = "toy.toml"\nreplications = = 2\nseed = 1\n')
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert message.startswith(f"{path}: invalid TOML") and "line 3" in message
    assert "\n" not in message


def test_cli_rejects_bad_spec_with_exit_2_and_no_traceback(write_spec, tmp_path, capsys):
    path = write_spec(TOY_HEAD + '[parameters]\n"params.growth" = { low = 2, high = 1 }\n')
    assert abm_main("sweep", path, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith("abm: error: ") and "Traceback" not in err
    assert f"{path}: parameters.params.growth: range [2, 1] has low >= high" in err
    assert not (tmp_path / "out").exists()


def test_cli_rejects_missing_spec_file(tmp_path, capsys):
    assert abm_main("sweep", tmp_path / "none.toml", "--out", tmp_path / "out") == 2
    assert "none.toml: file not found" in capsys.readouterr().err


def test_cli_rejects_bad_flags(write_spec, tmp_path, capsys):
    path = write_spec()
    assert abm_main("sweep", path, "--out", tmp_path / "o", "--workers", "0") == 2
    assert "--workers" in capsys.readouterr().err
    assert abm_main("sweep", path, "--out", tmp_path / "o", "--scheduler", "tcp://x:1") == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_example_specs_are_valid():
    for path in sorted((ROOT / "examples").glob("*.toml")):
        if "\n[decision]" in path.read_text():
            continue  # a decision spec (abm decide): tests/decide checks those
        spec = load_spec(path)
        assert spec.levels or spec.ranges, path
