"""Sweeps of the real model (small: 3 months, 60 firm agents) and their analysis."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_helpers import ROOT, abm_main, assert_same_results

from abm.sweep import load_results, load_spec, run_sweep
from abm.sweep.plan import Plan

SPEC = f"""
[sweep]
scenario = "{ROOT}/scenarios/nacc_haenam.toml"
steps = 3
replications = 2
seed = 5

[design]
method = "grid"

[parameters]
"centers.nacc.site" = ["jeonnam", "daegu"]
"params.agglomeration.strength" = {{ low = 0.2, high = 0.8, num = 2 }}
"population.firms" = 60

[metrics]
final = ["hhi", "capital_share", "firms", "innovations_cum"]
series = ["hhi"]
"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    (folder / "spec.toml").write_text(SPEC)
    spec = load_spec(folder / "spec.toml")
    run_sweep(spec, folder / "one", workers=1, progress=False)
    run_sweep(spec, folder / "two", workers=2, progress=False)
    return spec, folder


def test_real_model_one_and_two_workers_identical(sweeps):
    _, folder = sweeps
    assert_same_results(folder / "one", folder / "two")
    runs = load_results(folder / "one")
    assert len(runs) == 2 * 2 * 2 and (runs["status"] == "ok").all()
    assert set(runs.columns) >= {
        "centers.nacc.site",
        "params.agglomeration.strength",
        "hhi",
        "firm_share.daegu",
        "firm_share.jeonnam",
    }


def test_real_model_run_equals_a_direct_run(sweeps):
    from abm.run import run_scenario

    spec, folder = sweeps
    task = Plan(spec).task(5)
    direct = run_scenario(spec.base.with_overrides(task.overrides), seed=task.seed, steps=3)
    row = load_results(folder / "one").set_index("run_id").loc[5]
    assert row["hhi"] == direct.model["hhi"].iloc[-1]
    assert row["firm_share.daegu"] == direct.summary["firm_share"]["daegu"]


def test_analyze_real_sweep(sweeps, capsys):
    _, folder = sweeps
    assert abm_main("analyze", folder / "one") == 0
    out = capsys.readouterr().out
    assert "site=jeonnam, strength=0.2" in out and "hhi" in out
    report = folder / "one" / "report"
    html = (report / "report.html").read_text()
    for name in ("metrics_by_setting.png", "regions_firm_share.png", "by_strength.png"):
        assert (report / "figures" / name).stat().st_size > 1000
        assert f"figures/{name}" in html
    assert (report / "figures" / "series.png").exists()
    assert (report / "bands.csv").exists()


def test_district_series_are_kept_as_name_dot_district():
    from abm.run import run_scenario
    from abm.scenario import load_scenario
    from abm.sweep.model import extract
    from abm.sweep.spec import Metrics

    scenario = load_scenario(ROOT / "scenarios" / "history.toml", {"population.firms": 200})
    result = run_scenario(scenario, seed=1, steps=4)
    out = extract(result, Metrics(final=["firms"], regions=(), district_series=("firms",)))
    d = result.districts
    pangyo = d[d["district"] == "pangyo"]["firms"].to_numpy()
    assert list(out.series) == [f"firms.{x}" for x in pd.unique(d["district"])]
    assert out.series["firms.pangyo"].tolist() == pangyo.tolist()
    assert out.steps.tolist() == result.model["step"].tolist()
