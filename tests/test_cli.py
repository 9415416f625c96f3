"""The ``abm`` command-line contract: outputs, overrides, exit status 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from abm.cli import main
from tests.conftest import ROOT, SCENARIOS

BASE = str(SCENARIOS / "baseline.toml")
FAST = ["--steps", "6", "--set", "population.firms=150"]


def test_run_writes_the_three_files_with_the_contract_columns(tmp_path: Path, capsys):
    out = tmp_path / "run"
    assert main(["run", BASE, "--seed", "3", *FAST, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Daegu" in printed and "HHI" in printed
    model = pd.read_parquet(out / "model.parquet")
    regions = pd.read_parquet(out / "regions.parquet")
    summary = json.loads((out / "summary.json").read_text())
    assert {"step", "date", "hhi"} <= set(model.columns)
    assert len(model) == 7
    assert {"step", "region", "firms"} <= set(regions.columns)
    assert summary["scenario"] == "baseline" and summary["seed"] == 3 and summary["steps"] == 6
    assert set(summary["firm_share"]) == {"capital", "daegu", "gwangju", "jeonnam", "rest"}
    assert sum(summary["firm_share"].values()) == pytest.approx(1.0)


def test_same_seed_gives_byte_identical_files(tmp_path: Path):
    for name in ("a", "b"):
        assert main(["run", BASE, "--seed", "11", *FAST, "--out", str(tmp_path / name)]) == 0
    for f in ("model.parquet", "regions.parquet", "summary.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_set_overrides_any_parameter(tmp_path: Path):
    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                BASE,
                *FAST,
                "--set",
                "centers.gwangju_nadc.price_krw=0",
                "--set",
                "params.location.temperature=0.25",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert json.loads((out / "summary.json").read_text())["steps"] == 6


def test_existing_results_are_never_overwritten_by_accident(tmp_path: Path, capsys):
    out = tmp_path / "o"
    assert main(["run", BASE, *FAST, "--out", str(out)]) == 0
    before = (out / "summary.json").read_bytes()
    assert main(["run", BASE, *FAST, "--seed", "99", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "summary.json").read_bytes() == before
    # a bad scenario never touches the folder either
    assert (
        main(["run", BASE, "--set", "population.firms=-1", "--out", str(out), "--overwrite"]) == 2
    )
    assert (out / "summary.json").read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "missing.toml"], "missing.toml: file not found"),
        (["run", BASE, "--steps", "x"], "--steps"),
        (["run", BASE, "--seed", "-4"], "--seed"),
        (
            ["run", BASE, "--set", "params.location.temperature=-1"],
            "params.location.temperature: must be in [0, 100]",
        ),
        (["run", BASE, "--set", "nokey"], "dotted.key=value"),
        (["run", BASE, "--set", "params.nope.x=1"], "params.nope"),
        (["run", BASE, "--steps", "5000"], "scenario.steps: must be in [0, 1200]"),
        (["frobnicate"], "invalid choice"),
        (["compare", BASE, "--seeds", "0"], "--seeds"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert err.startswith("abm: error:")
    assert "Traceback" not in err


def test_validate_reports_every_problem(tmp_path: Path, capsys):
    bad = tmp_path / "bad.toml"
    base = BASE.replace("\\", "/")
    bad.write_text(
        f'inherit = "{base}"\n[params.location]\ntemperature = -2\n[population]\nfirms = "many"\n'
    )
    assert main(["validate", str(bad), BASE]) == 2
    out = capsys.readouterr().out
    assert "params.location.temperature" in out and "population.firms" in out
    assert "baseline.toml: ok" in out


def test_scenarios_lists_files_with_descriptions(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("baseline", "nacc_daegu", "nacc_gwangju", "nacc_haenam", "nacc_split"):
        assert f"{name}.toml" in out


def test_compare_prints_scenarios_side_by_side(capsys):
    assert (
        main(
            [
                "compare",
                BASE,
                str(SCENARIOS / "nacc_haenam.toml"),
                "--steps",
                "4",
                "--set",
                "population.firms=120",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "baseline" in out and "nacc_haenam" in out and "Firm share Daegu" in out


def test_compare_runs_every_scenario_on_the_same_seeds(tmp_path: Path, capsys):
    """Options are compared on common random numbers: a copy of the baseline whose file
    names another seed gives the very same figures (it ran on the first file's seeds)."""
    copy = tmp_path / "copy.toml"
    copy.write_text(
        f'inherit = "{SCENARIOS / "baseline.toml"}"\n[scenario]\nname = "copy"\nseed = 7\n'
    )
    argv = ["compare", BASE, str(copy), "--steps", "6", "--seeds", "2"]
    assert main([*argv, "--set", "population.firms=120"]) == 0
    lines = [s for s in capsys.readouterr().out.splitlines()[1:] if not s.startswith("(")]
    assert len(lines) > 10
    for line in lines:
        cells = line.split()
        assert cells[-1] == cells[-2], line


def test_console_script_never_prints_a_traceback(tmp_path: Path):
    bad = tmp_path / "x.toml"
    bad.write_bytes(b"\xff\xfe[[")
    proc = subprocess.run(
        [sys.executable, "-m", "abm.cli", "run", str(bad)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


def _compare_lines(argv: list[str], capsys) -> tuple[list[str], list[str]]:
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    return [s for s in out if not s.startswith("(")], [s for s in out if s.startswith("(")]


def test_compare_draws_from_the_shipped_posterior_by_default_and_says_so(capsys):
    """Issue 22, one answer per question: ``abm compare`` carries parameter uncertainty
    like the app's Compare and ``abm decide`` (seed i with posterior draw i), and a point
    run at the medians is asked for and labelled as one."""
    argv = ["compare", BASE, "--steps", "6", "--seeds", "2", "--set", "population.firms=120"]
    drawn, drawn_notes = _compare_lines(argv, capsys)
    point, point_notes = _compare_lines([*argv, "--at-medians"], capsys)
    assert any("draw i of the shipped posterior (calibration/posterior" in n for n in drawn_notes)
    assert any("point run at the scenarios' values" in n for n in point_notes)
    assert drawn != point  # the draws are not the medians
    explicit, _ = _compare_lines([*argv, "--posterior", "calibration/posterior"], capsys)
    assert explicit == drawn


def test_a_parameter_set_by_the_user_is_not_overwritten_by_a_posterior_draw(capsys):
    key = "params.compute.gpu_per_employee"  # a posterior column that sets GPUs used
    # the firms' growth, another posterior column, sets their staff and so their GPUs: held too
    grow = "params.firm.growth_rate=0.01"
    argv = [
        "compare",
        BASE,
        "--steps",
        "6",
        "--set",
        "population.firms=120",
        "--set",
        grow,
        "--set",
    ]
    mine, notes = _compare_lines([*argv, f"{key}=0.01"], capsys)
    point, _ = _compare_lines([*argv, f"{key}=0.01", "--at-medians"], capsys)
    assert any("your --set of" in n and key in n.split("your --set of")[1] for n in notes)
    used = [line for line in mine if line.startswith("GPUs used Capital")]
    assert used and used == [line for line in point if line.startswith("GPUs used Capital")]


def test_compare_takes_one_parameter_source(capsys):
    argv = ["compare", BASE, "--at-medians", "--posterior", "calibration/posterior"]
    assert main(argv) == 2
    assert "not allowed with" in capsys.readouterr().err
