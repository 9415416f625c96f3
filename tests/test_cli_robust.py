"""``abm run`` at the edges: provenance, atomic folders, output paths, hostile inputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import abm.run as run_module
from abm.cli import main
from abm.errors import ScenarioError
from abm.run import OUTPUT_FILES
from abm.scenario import load_scenario, safe_name
from tests.conftest import SCENARIOS

BASE = str(SCENARIOS / "baseline.toml")
FAST = ["--steps", "4", "--set", "population.firms=120"]
FILES = OUTPUT_FILES


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("abm: error:"), err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


# ------------------------------------------------------------------ provenance


def test_the_folder_reproduces_itself_byte_for_byte(tmp_path: Path, monkeypatch):
    first = tmp_path / "first"
    args = [*FAST, "--set", "params.location.temperature=0.7", "--set", "centers.nacc.site=daegu"]
    scenario = str(SCENARIOS / "nacc_haenam.toml")
    assert main(["run", scenario, "--seed", "5", *args, "--out", str(first)]) == 0
    text = (first / "scenario.toml").read_text()
    assert "temperature = 0.7" in text and 'site = "daegu"' in text and "seed = 5" in text
    assert "[params.firm]" in text  # defaults included, not only what the file set
    # from another working folder, through the resolved file only
    monkeypatch.chdir(tmp_path)
    again = tmp_path / "again"
    assert main(["run", str(first / "scenario.toml"), "--seed", "5", "--out", str(again)]) == 0
    for name in FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    summary = json.loads((again / "summary.json").read_text())
    assert summary["source"] == "scenarios/nacc_haenam.toml"
    assert summary["resolved_scenario"] == "scenario.toml" and len(summary["scenario_sha256"]) == 64
    # and without --seed: the file carries the run's seed
    third = tmp_path / "third"
    assert main(["run", str(first / "scenario.toml"), "--out", str(third)]) == 0
    assert (first / "model.parquet").read_bytes() == (third / "model.parquet").read_bytes()


def test_source_does_not_depend_on_how_the_path_is_spelt(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(SCENARIOS)
    relative = load_scenario("baseline.toml")
    absolute = load_scenario(SCENARIOS / "baseline.toml")
    assert relative.origin == absolute.origin == "scenarios/baseline.toml"


def test_firms_zero_runs_cleanly_to_the_end(tmp_path: Path, capsys):
    out = tmp_path / "zero"
    code = main(["run", BASE, "--steps", "3", "--set", "population.firms=0", "--out", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 2) and "Traceback" not in err
    if code == 0:
        assert json.loads((out / "summary.json").read_text())["steps"] == 3
    else:
        assert err.count("\n") == 1


# ------------------------------------------------------------------ atomic folders


def test_a_run_killed_while_publishing_leaves_the_old_results(tmp_path: Path, monkeypatch):
    out = tmp_path / "o"
    assert main(["run", BASE, *FAST, "--seed", "1", "--out", str(out)]) == 0
    before = {n: (out / n).read_bytes() for n in FILES}

    def killed(staging, target):
        raise KeyboardInterrupt  # the moment before the swap: nothing of the new run shows

    monkeypatch.setattr(run_module, "publish", killed)
    assert main(["run", BASE, *FAST, "--seed", "2", "--out", str(out), "--overwrite"]) == 130
    assert {n: (out / n).read_bytes() for n in FILES} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no staging folder left


def test_overwrite_swaps_the_whole_folder(tmp_path: Path):
    out = tmp_path / "o"
    assert main(["run", BASE, *FAST, "--seed", "1", "--out", str(out)]) == 0
    old = (out / "summary.json").read_bytes()
    assert main(["run", BASE, *FAST, "--seed", "2", "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    assert (out / "summary.json").read_bytes() != old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


def test_stale_staging_folders_of_killed_runs_are_removed(tmp_path: Path):
    out = tmp_path / "o"
    stale = tmp_path / ".o.abm-999999999-abc123"  # no such process
    stale.mkdir()
    (stale / "model.parquet").write_bytes(b"half")
    assert main(["run", BASE, *FAST, "--out", str(out)]) == 0
    assert not stale.exists()


def test_a_failed_write_keeps_the_finished_run(tmp_path: Path, monkeypatch, capsys):
    real = run_module._write_files
    calls = {"n": 0}

    def full_disk(result, folder):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(28, "No space left on device")
        real(result, folder)

    monkeypatch.setattr(run_module, "_write_files", full_disk)
    out = tmp_path / "o"
    assert main(["run", BASE, *FAST, "--out", str(out)]) == 2
    err = _one_error_line(capsys)
    assert "No space left on device" in err and "saved in" in err
    rescued = Path(err.split("saved in ")[1].split(":")[0])
    try:
        assert sorted(p.name for p in rescued.iterdir()) == sorted(FILES)
    finally:
        import shutil

        shutil.rmtree(rescued)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_folder_with_other_files_is_never_replaced(tmp_path: Path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["run", BASE, *FAST, "--out", str(tmp_path), "--overwrite"]) == 2
    assert "holds other files" in _one_error_line(capsys)
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "out",
    [
        "{tmp}/file/sub",  # under a file
        "{tmp}/" + "n" * 300,  # too long a name
        "/proc/abm-x",  # a place no one can write
        "{tmp}/a\0b",  # a NUL byte
    ],
)
def test_bad_output_paths_fail_before_the_run_in_one_line(tmp_path: Path, capsys, out):
    (tmp_path / "file").write_text("x")
    path = out.format(tmp=tmp_path)
    assert main(["run", BASE, *FAST, "--out", path]) == 2
    _one_error_line(capsys)


def test_scenario_names_cannot_escape_the_output_folder(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("../../escaped", "/abs/olute", "a\u0000b"):
        code = main(["run", BASE, *FAST, "--set", f"scenario.name={json.dumps(name)}"])
        assert code == 0, capsys.readouterr().err
    made = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert made == sorted(
        f"{safe_name(n)}-seed20190101" for n in ("../../escaped", "/abs/olute", "a\u0000b")
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert safe_name("../../escaped") == "escaped" and safe_name("") == "scenario"


# ------------------------------------------------------------------ hostile inputs


def test_fifo_scenario_and_inherit_target_are_refused(tmp_path: Path, capsys):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert main(["validate", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().out
    child = tmp_path / "child.toml"
    child.write_text('inherit = "pipe.toml"\n')
    assert main(["run", str(child)]) == 2
    err = _one_error_line(capsys)
    assert "child.toml: inherit: 'pipe.toml'" in err and "not a regular file" in err
    assert main(["validate", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 500 + "]" * 500,
        "a" + ".a" * 1500 + " = 1",
        'inherit = "a\\u0000b.toml"',
        'inherit = "' + "x" * 5000 + '.toml"',
        "[scenario]\nname = 1.0\n",
        "x = " + "{a = " * 40 + "1" + "}" * 40,
    ],
)
def test_hostile_scenario_files_get_one_line(tmp_path: Path, capsys, text):
    path = tmp_path / "s.toml"
    path.write_text(text)
    assert main(["run", str(path)]) == 2
    err = _one_error_line(capsys)
    assert str(path) in err and len(err) < 1000


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("regions.deagu.lat=35", "no region 'deagu'; known: capital, daegu, gwangju, jeonnam"),
        ("centers.nacc9.site=daegu", "no center 'nacc9'"),
        ("centers.gwangju_nadc.npu_share=2", "centers.gwangju_nadc.npu_share: must be"),
        ("params.compute.npu_maker_region=seoul", "npu_maker_region: must be empty or a region"),
        ("regions={}", "table of regions"),
        ("scenario=1.0", "is a section"),
        # the field named either way: "is a value, not a table" where a layer sets it (the
        # calibrated layer does), "must be a number" where only the schema's default does
        ("params.location.temperature.x=1", "params.location.temperature: "),
        ("params.location.demand_weight.x=1", "params.location.demand_weight: must be a number"),
        ("x=" + "[" * 600, "valid TOML"),
        ("a" + ".b" * 2000 + "=1", "at most"),
    ],
)
def test_bad_overrides_name_the_field_and_never_create_entities(capsys, value, needle):
    assert main(["run", BASE, "--steps", "1", "--set", value]) == 2
    err = _one_error_line(capsys)
    assert needle in err and len(err) < 1000


def test_validate_rejects_a_misspelt_region_override():
    with pytest.raises(ScenarioError, match="no region 'deagu'"):
        load_scenario(BASE, {"regions.deagu.lat": 35})
    # a scenario file adds a region by defining its whole table
    base = load_scenario(BASE)
    assert "daegu" in base.regions


def test_huge_flags_are_refused(capsys):
    assert main(["run", BASE, "--seed", str(2**64)]) == 2
    _one_error_line(capsys)
    assert main(["run", BASE, "--steps", "9" * 5000]) == 2
    _one_error_line(capsys)
