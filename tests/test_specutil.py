"""The checks the sweep, calibration and decision spec readers share (abm/specutil.py), and
that the three readers refuse a bad spec the same way."""

from __future__ import annotations

import dataclasses

import pytest

from abm.errors import ScenarioError, UsageError
from abm.inputs import is_number, param
from abm.specutil import Checker, find_file, flatten, read_spec


class _Error(ScenarioError):
    pass


def test_read_spec_names_the_file_and_what_it_is(tmp_path):
    good = tmp_path / "s.toml"
    good.write_text("[a]\nb = 1\n", encoding="utf-8")
    assert read_spec(good, "sweep spec", _Error) == ({"a": {"b": 1}}, "[a]\nb = 1\n")
    with pytest.raises(UsageError, match=r"nope.toml: no such decision spec$"):
        read_spec(tmp_path / "nope.toml", "decision spec", _Error)
    with pytest.raises(UsageError, match=r": cannot read targets: "):
        read_spec(tmp_path, "targets file", _Error, "targets")  # a folder
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"a = '\xe9'\n")
    with pytest.raises(UsageError, match=r"cannot read the spec: .*utf-8"):
        read_spec(latin, "calibration spec", _Error)
    bad = tmp_path / "bad.toml"
    bad.write_text("a = = 1\n", encoding="utf-8")
    with pytest.raises(_Error) as err:
        read_spec(bad, "sweep spec", _Error)
    (problem,) = err.value.problems
    assert problem.source == str(bad) and problem.field == "" and "invalid TOML" in problem.message


@dataclasses.dataclass(frozen=True)
class _Run:
    name: str = param("", "Name")
    steps: int = param(1, "Steps", lo=1)


@dataclasses.dataclass(frozen=True)
class _Option:
    name: str = param("", "Name")


def test_declared_reports_unknown_sections_fields_and_shapes_in_one_pass():
    c = Checker("spec.toml")
    sections = {"run": _Run, "parameters": None, "options": [_Option]}
    data = {
        "run": {"name": "x", "stepz": 3},
        "parameters": {"anything.goes": 1},
        "options": [{"name": "a"}, {"nme": "b"}],
        "extra": {},
    }
    tables = c.declared(data, sections)
    assert tables == {
        "run": _Run("x"),
        "parameters": {"anything.goes": 1},
        "options": [_Option("a"), _Option()],
    }
    assert [(p.source, p.field, p.message) for p in c.problems] == [
        ("spec.toml", "extra", "unknown section; allowed: run, parameters, options"),
        ("spec.toml", "run.stepz", "unknown field; allowed: name, steps"),
        ("spec.toml", "options[1].nme", "unknown field; allowed: name"),
    ]
    c = Checker("spec.toml")
    tables = c.declared({"run": 3, "options": {"name": "a"}}, sections)
    assert tables == {"run": _Run(), "parameters": {}, "options": []}
    assert [(p.field, p.message) for p in c.problems] == [
        ("run", "expected a table"),
        ("options", "expected [[options]] tables"),
    ]
    c = Checker("spec.toml")
    assert c.declared({"options": [{"name": "a"}, 3]}, sections)["options"] == [_Option("a")]
    assert [(p.field, p.message) for p in c.problems] == [
        ("options", "expected [[options]] tables")
    ]


def test_is_number_is_an_int_or_float_not_a_bool():
    assert is_number(1) and is_number(0.5) and not is_number(True) and not is_number("1")


def test_find_file_looks_next_to_the_spec_then_the_project_then_the_cwd(tmp_path, monkeypatch):
    project = tmp_path / "project"
    specs = project / "specs" / "deep"
    specs.mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    (project / "scenarios").mkdir()
    (project / "scenarios" / "a.toml").write_text("")
    (specs / "a.toml").write_text("")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / "only_here.toml").write_text("")
    monkeypatch.chdir(elsewhere)
    assert find_file("a.toml", specs) == (specs / "a.toml").resolve()  # next to the spec
    assert find_file("scenarios/a.toml", specs) == (project / "scenarios" / "a.toml").resolve()
    assert find_file("only_here.toml", specs) == (elsewhere / "only_here.toml").resolve()
    assert find_file("missing.toml", specs) is None
    absolute = project / "scenarios" / "a.toml"
    assert find_file(str(absolute), tmp_path) == absolute
    # a folder exists, but is no file
    assert find_file("scenarios", project) == (project / "scenarios").resolve()
    assert find_file("scenarios", project, accept=lambda p: p.is_file()) is None
    assert find_file("x" * 300 + ".toml", specs) is None  # the file system refuses the name


def test_flatten_makes_dotted_keys_and_keeps_leaf_tables():
    table = {"a": {"b": 1, "c": {"d": 2}}, "e.f": 3, "r": {"low": 0, "high": 1}, "empty": {}}
    assert flatten(table) == {"a.b": 1, "a.c.d": 2, "e.f": 3, "r.low": 0, "r.high": 1}
    leaf = flatten(table, lambda v: not v or {"low", "high"} & set(v))
    assert leaf == {"a.b": 1, "a.c.d": 2, "e.f": 3, "r": {"low": 0, "high": 1}, "empty": {}}


def test_the_three_readers_refuse_an_unknown_section_alike(tmp_path):
    from abm.calibrate.spec import load_calibration_spec
    from abm.decide.spec import load_decision
    from abm.sweep.spec import load_spec

    for load, first in (
        (load_spec, "sweep"),
        (load_calibration_spec, "calibration"),
        (load_decision, "decision"),
    ):
        path = tmp_path / f"{first}.toml"
        path.write_text(f"[{first}]\nname = 'x'\n[bogus]\n", encoding="utf-8")
        with pytest.raises(ScenarioError) as err:
            load(path)
        bogus = [p for p in err.value.problems if p.field == "bogus"]
        assert len(bogus) == 1 and bogus[0].source == str(path)
        assert bogus[0].message.startswith(f"unknown section; allowed: {first}, ")
