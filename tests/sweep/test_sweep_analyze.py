"""Analysis: bands per setting, Sobol and Morris indices with confidence intervals, report files."""

from __future__ import annotations

import numpy as np
import pytest
from sweep_helpers import abm_main, write_files

from abm.sweep import analyze, load_spec, run_sweep
from abm.sweep.analysis import bands_table

SENSITIVITY = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
replications = 2
seed = 3

[design]
{design}

[parameters]
"centers.site" = ["daegu", "jeonnam"]
"params.pull" = {{ low = 0.0, high = 4.0 }}
"params.noise" = {{ low = 0.0, high = 0.02 }}

[metrics]
final = ["hhi", "firms"]
"""


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analysis")
    out = {}
    for name, design in (
        ("sobol", 'method = "sobol"\nsamples = 8'),
        ("morris", 'method = "morris"\nsamples = 6'),
    ):
        spec = load_spec(write_files(folder, SENSITIVITY.format(design=design), f"{name}.toml"))
        run_sweep(spec, folder / name, workers=2, progress=False)
        out[name] = folder / name
    return out


def test_bands_per_setting(folders):
    a = analyze(folders["sobol"])
    assert a.labels == ["site=daegu", "site=jeonnam"]
    assert a.headline == ["hhi", "firms"]
    row = a.bands[(a.bands["setting"] == "site=daegu") & (a.bands["metric"] == "hhi")].iloc[0]
    runs = a.ok[a.ok["centers.site"] == "daegu"]["hhi"]
    assert row["n"] == len(runs) == 8 * 4 * 2
    assert row["mean"] == pytest.approx(runs.mean())
    assert row["p5"] == pytest.approx(np.quantile(runs, 0.05))
    assert row["p95"] == pytest.approx(np.quantile(runs, 0.95))
    table = bands_table(a, ["hhi"])
    assert list(table.columns) == ["site=daegu", "site=jeonnam"]
    assert table.loc["hhi", "site=daegu"].count("[") == 1


def test_sobol_indices_with_confidence(folders):
    sens = analyze(folders["sobol"]).sensitivity
    assert set(sens["parameter"]) == {"params.pull", "params.noise"}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sens.columns)
    pull = sens[(sens["parameter"] == "params.pull") & (sens["metric"] == "hhi")]
    noise = sens[(sens["parameter"] == "params.noise") & (sens["metric"] == "hhi")]
    # the pull of the centre's region drives concentration far more than tiny noise does
    assert (pull["ST"].to_numpy() > noise["ST"].to_numpy()).all()
    assert (sens["ST_conf"] >= 0).all()


def test_morris_mu_star_and_sigma(folders):
    sens = analyze(folders["morris"]).sensitivity
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(sens.columns)
    hhi = sens[sens["metric"] == "hhi"].set_index(["setting", "parameter"])["mu_star"]
    assert hhi["site=daegu", "params.pull"] > hhi["site=daegu", "params.noise"]


def test_cli_analyze_writes_figures_and_report(folders, capsys):
    assert abm_main("analyze", folders["sobol"]) == 0
    out = capsys.readouterr().out
    assert "Metrics by setting" in out and "Sensitivity, site=daegu (sobol" in out
    report = folders["sobol"] / "report"
    pngs = sorted(p.name for p in (report / "figures").glob("*.png"))
    assert "sensitivity_0.png" in pngs and "regions_firm_share.png" in pngs
    assert "by_pull.png" in pngs
    html = (report / "report.html").read_text()
    assert all(f"figures/{p}" in html for p in pngs)
    assert "Sobol first-order" in html
    assert (report / "sensitivity.csv").exists()


def test_analyze_rejects_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    assert abm_main("analyze", tmp_path) == 2
    err = capsys.readouterr().err
    assert "not a sweep folder" in err and "Traceback" not in err


def test_bands_of_the_project_s_model_read_labels_units_and_formats_from_the_declarations():
    import pandas as pd

    from abm.sweep.analysis import SweepAnalysis

    metrics = ["capital_share", "public_spending_cum", "firm_share.daegu", "made_up"]
    value = [0.775, 3.99e10, 0.027, 1.23456]
    bands = pd.DataFrame(
        {
            "setting": "all runs",
            "metric": metrics,
            "n": 4,
            "mean": value,
            "p5": [v * 0.9 for v in value],
            "median": value,
            "p95": [v * 1.1 for v in value],
        }
    )

    def table(model):
        spec = {"model": model}
        return bands_table(SweepAnalysis(None, {}, spec, None, [], metrics, [], {}, bands))

    ours = table("abm")
    assert list(ours.index) == [
        "capital_share: Capital-region share (%)",
        "public_spending_cum: Public spending (cumulative) (억원)",
        "firm_share.daegu: Firm share (%)",
        "made_up",  # nothing declares it: its name, four digits
    ]
    assert list(ours["all runs"]) == [
        "77.5% [69.8%, 85.3%]",
        "399 [359, 439]",
        "2.7% [2.4%, 3.0%]",
        "1.235 [1.111, 1.358]",
    ]
    toy = table("abm.sweep.toy")  # another model's names mean what it says
    assert list(toy.index) == metrics and toy.iloc[0, 0] == "0.775 [0.6975, 0.8525]"
