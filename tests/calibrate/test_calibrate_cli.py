"""Malformed specs and target files: one line naming the file and the field, exit status 2."""

from __future__ import annotations

import textwrap

import pytest
from calib_helpers import BASELINE, PRIORS, abm_main

GOOD_TARGET = """
[targets.t]
observed = 2.7
unit = "ratio"
date = "2019-06"
output = "oversubscription"
scope = "model"
uncertainty = { relative = 0.1 }
definition = "d"
source = "s"
"""


def _spec(tmp_path, body: str, targets: str = GOOD_TARGET):
    (tmp_path / "targets.toml").write_text(textwrap.dedent(targets))
    path = tmp_path / "spec.toml"
    path.write_text(textwrap.dedent(body))
    return path


def _head(extra: str = "", method: str = "", params: str = PRIORS) -> str:
    return f"""
    [calibration]
    scenario = "{BASELINE}"
    targets = "targets.toml"
    steps = 12
    {extra}
    [method]
    {method or "particles = 8"}
    [parameters]
    {params}
    """


CASES = [
    (_head(extra="colour = 1"), "spec.toml: calibration.colour: unknown field"),
    (
        _head(method='distance = "manhattan"'),
        "spec.toml: method.distance: 'manhattan' is not allowed",
    ),
    (_head(method="particles = 1"), "spec.toml: method.particles: 1 is not allowed"),
    (_head(extra="steps = -3"), None),  # TOML duplicate key: invalid TOML, named too
    (
        _head(params='"params.firm.cost_share" = { prior = "beta", low = 0, high = 1 }'),
        "spec.toml: parameters.params.firm.cost_share.prior: 'beta' is not allowed; "
        "expected one of uniform, loguniform, normal, lognormal",
    ),
    (
        _head(params='"params.firm.cost_share" = { prior = "uniform", low = 2, high = 1 }'),
        "spec.toml: parameters.params.firm.cost_share: low 2 must be below high 1",
    ),
    (
        _head(params='"params.firm.no_such" = { low = 0.1, high = 0.2 }'),
        "spec.toml: parameters.params.firm.no_such:",
    ),
    (
        _head(params='"params.firm.cost_share" = { low = 0.5, high = 5 }'),
        "spec.toml: parameters.params.firm.cost_share: prior support reaches 5",
    ),
    (_head(params=""), "spec.toml: parameters: no parameter to estimate"),
    (_head() + "\n[budget]\nmax_runs = 3\n", "spec.toml: budget.max_runs: 3 runs cannot fill"),
    (_head() + "\n[extra]\n", "spec.toml: extra: unknown section"),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_malformed_specs_exit_2_with_one_line(tmp_path, capsys, body, expected):
    path = _spec(tmp_path, body)
    code = abm_main("calibrate", path, "--out", tmp_path / "out")
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(path) in lines[0]
    if expected:
        assert expected.split(": ", 1)[1] in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        (GOOD_TARGET.replace("observed = 2.7", 'observed = "high"'), "targets.t.observed"),
        (GOOD_TARGET.replace('date = "2019-06"', 'date = "June"'), "targets.t.date"),
        (GOOD_TARGET.replace('"oversubscription"', '"gdp"'), "targets.t.output"),
        (GOOD_TARGET.replace("{ relative = 0.1 }", "0.1"), "targets.t.uncertainty"),
        (GOOD_TARGET + "\nunit = 3\n", None),  # duplicate key: invalid TOML
        ("[targets]\n", "targets"),
    ],
)
def test_malformed_target_files_exit_2_naming_the_file_and_field(tmp_path, capsys, targets, field):
    path = _spec(tmp_path, _head(), targets)
    code = abm_main("calibrate", path, "--out", tmp_path / "out")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert str(tmp_path / "targets.toml") in err[0]
    if field:
        assert f": {field}: " in err[0], err[0]
    else:
        assert "invalid TOML" in err[0]


def test_targets_outside_the_run_leave_nothing_to_fit(tmp_path, capsys):
    path = _spec(tmp_path, _head(), GOOD_TARGET.replace("2019-06", "2017-06"))
    assert abm_main("calibrate", path, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "calibration.targets: none of the 1 targets" in err and "2019-01" in err


def test_missing_spec_and_bad_flags(tmp_path, capsys):
    assert abm_main("calibrate", tmp_path / "nope.toml", "--out", tmp_path / "o") == 2
    assert "no such calibration spec" in capsys.readouterr().err
    path = _spec(tmp_path, _head())
    assert abm_main("calibrate", path, "--out", tmp_path / "o", "--workers", "0") == 2
    assert "--workers" in capsys.readouterr().err
    assert abm_main("calibrate", path, "--out", tmp_path / "o", "--scheduler", "tcp://x:1") == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_the_example_and_history_specs_validate_or_name_the_missing_scenario(capsys):
    from calib_helpers import ROOT

    from abm.calibrate.spec import load_calibration_spec
    from abm.errors import ScenarioError

    spec = load_calibration_spec(ROOT / "examples" / "calibrate" / "recovery.toml")
    assert len(spec.keys) == 3 and len(spec.targets) == 7
    history = ROOT / "calibration" / "history.toml"
    if (ROOT / "scenarios" / "history.toml").exists():
        import tomllib

        declared = tomllib.loads(history.read_text())["parameters"]
        assert load_calibration_spec(history).keys == list(declared) and 6 <= len(declared) <= 12
    else:
        with pytest.raises(ScenarioError) as info:
            load_calibration_spec(history)
        assert [p.field for p in info.value.problems] == ["calibration.scenario"]


# issue 24, defect 6: specs that crashed with exit 1 (an unhashable prior, a run length
# beyond any date) are bad input: one line, exit 2
@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            _head(params='"params.firm.cost_share" = { prior = [], low = 0.98, high = 1.1 }'),
            "parameters.params.firm.cost_share.prior",
        ),
        (
            _head(params='"params.firm.cost_share" = { prior = {}, low = 0.98, high = 1.1 }'),
            "parameters.params.firm.cost_share.prior",
        ),
        (_head().replace("steps = 12", "steps = 1000000000"), "calibration.steps"),
        (_head().replace("steps = 12", "steps = 1e300"), "calibration.steps"),
    ],
)
def test_unhashable_priors_and_huge_run_lengths_exit_2(tmp_path, capsys, body, field):
    path = _spec(tmp_path, body)
    code = abm_main("calibrate", path, "--out", tmp_path / "out")
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"abm: error: {path}: {field}: "), lines[0]
    assert not (tmp_path / "out").exists()


def test_a_calibration_spec_names_no_model_to_import(tmp_path, capsys, monkeypatch):
    # issue 24, defect 2, for calibrate: its runs are the project's model; a spec that names
    # a module is refused as an unknown field, and the module is never imported
    marker = tmp_path / "imported"
    (tmp_path / "calib_marker_model.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = _spec(tmp_path, _head(extra='model = "calib_marker_model"'))
    assert abm_main("calibrate", path, "--out", tmp_path / "out") == 2
    assert "calibration.model: unknown field" in capsys.readouterr().err
    assert not marker.exists()
    # and the command has no flag to allow one
    assert abm_main("calibrate", path, "--out", tmp_path / "out", "--allow-model-import") == 2
    assert "--allow-model-import" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("where", "field", "words"),
    [
        ('scope = "region"\nregion = "atlantis"', "targets.t.region", "'atlantis' is not a region"),
        ('scope = "district"\ndistrict = "nowhere"', "targets.t.district", "not a district of"),
    ],
)
def test_a_target_of_a_place_the_scenario_lacks_is_named(tmp_path, capsys, where, field, words):
    target = GOOD_TARGET.replace('scope = "model"', where).replace('"oversubscription"', '"firms"')
    path = _spec(tmp_path, _head(), target)
    assert abm_main("calibrate", path, "--out", tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any(f"targets.toml: {field}: " in line and words in line for line in err), err
