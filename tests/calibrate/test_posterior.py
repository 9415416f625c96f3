"""The posterior as run, compare and sweep use it: loading, weighted deterministic draws, wiring."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from calib_helpers import BASELINE, abm_main

from abm.calibrate.posterior import (
    draw_overrides,
    load_posterior,
    posterior_rng,
    shipped_posterior,
)
from abm.errors import UsageError

KEY = "params.compute.gpu_per_employee"


def _write(folder, frame: pd.DataFrame):
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(folder / "posterior.parquet", index=False)
    return folder


def test_draws_follow_the_weights_and_repeat_from_the_seed(tmp_path):
    post = load_posterior(
        _write(tmp_path / "p", pd.DataFrame({KEY: [0.01, 0.02, 0.03], "weight": [1, 3, 0]}))
    )
    assert post["weight"].sum() == pytest.approx(1.0)
    draws = draw_overrides(post, 4000, np.random.default_rng(1))
    values = np.array([d[KEY] for d in draws])
    assert set(values) <= {0.01, 0.02}  # zero weight is never drawn
    assert np.mean(values == 0.02) == pytest.approx(0.75, abs=0.03)
    again = draw_overrides(post, 4000, np.random.default_rng(1))
    assert draws == again
    assert draws != draw_overrides(post, 4000, np.random.default_rng(2))


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (pd.DataFrame({KEY: [0.1]}), "no weight column"),
        (pd.DataFrame({KEY: [0.1], "weight": [-1.0]}), "weights must be"),
        (pd.DataFrame({"weight": [1.0]}), "no parameter draws"),
        (pd.DataFrame({"nodots": [1.0], "weight": [1.0]}), "dotted parameter key"),
    ],
)
def test_bad_posteriors_are_one_clear_error(tmp_path, frame, words):
    with pytest.raises(UsageError, match=words):
        load_posterior(_write(tmp_path / "p", frame))
    with pytest.raises(UsageError, match=r"no posterior\.parquet"):
        load_posterior(tmp_path / "missing")


def test_run_with_posterior_equals_run_with_the_drawn_values(tmp_path, capsys):
    folder = _write(tmp_path / "p", pd.DataFrame({KEY: [0.01, 0.05], "weight": [0.5, 0.5]}))
    seed = 5
    drawn = draw_overrides(load_posterior(folder), 1, posterior_rng(seed))[0]
    common = ["--steps", "4", "--seed", str(seed), "--set", "population.firms=150"]
    assert abm_main("run", BASELINE, *common, "--posterior", folder, "--out", tmp_path / "a") == 0
    assert (
        abm_main("run", BASELINE, *common, "--set", f"{KEY}={drawn[KEY]}", "--out", tmp_path / "b")
        == 0
    )
    a = pd.read_parquet(tmp_path / "a" / "model.parquet")
    b = pd.read_parquet(tmp_path / "b" / "model.parquet")
    pd.testing.assert_frame_equal(a, b)
    # and the posterior really changes the run
    other = 0.05 if drawn[KEY] == 0.01 else 0.01
    c_dir = tmp_path / "c"
    assert abm_main("run", BASELINE, *common, "--set", f"{KEY}={other}", "--out", c_dir) == 0
    c = pd.read_parquet(c_dir / "model.parquet")
    assert not np.allclose(a["oversubscription"].iloc[1:], c["oversubscription"].iloc[1:])
    capsys.readouterr()


def test_compare_with_posterior_runs_and_bad_dir_exits_2(tmp_path, capsys):
    folder = _write(tmp_path / "p", pd.DataFrame({KEY: [0.01, 0.05], "weight": [0.5, 0.5]}))
    args = ["compare", BASELINE, "--steps", "3", "--seeds", "2", "--set", "population.firms=120"]
    assert abm_main(*args, "--posterior", folder) == 0
    with_post = capsys.readouterr().out
    assert abm_main(*args, "--at-medians") == 0
    assert capsys.readouterr().out != with_post
    assert abm_main(*args, "--posterior", tmp_path / "nope") == 2
    assert "--posterior" in capsys.readouterr().err


SWEEP = """
[sweep]
scenario = "{base}"
steps = 3
replications = 3
seed = 4

[design]
method = "grid"

[parameters]
"population.firms" = 120
"scenario.start" = "2025-01"  # the NADC's oversubscription exists (the baseline starts in 2019)
"params.entry.outside_rate" = {{ low = 0.002, high = 0.006, num = 2 }}

[metrics]
final = ["oversubscription", "firms"]
regions = []
"""


def test_sweep_with_posterior_draws_per_run_from_its_seed(tmp_path, capsys):
    from abm.calibrate.posterior_model import PosteriorScenario
    from abm.sweep.store import load_results

    folder = _write(tmp_path / "p", pd.DataFrame({KEY: [0.01, 0.05], "weight": [0.5, 0.5]}))
    spec = tmp_path / "s.toml"
    spec.write_text(SWEEP.format(base=BASELINE))
    out = tmp_path / "o"
    assert abm_main("sweep", spec, "--out", out, "--workers", "1", "--posterior", folder) == 0
    runs = load_results(out)
    # each run's oversubscription follows the draw its seed makes
    resolved = json.loads((out / "spec.json").read_text())
    assert resolved["model"] == "abm.calibrate.posterior_model"
    ps = PosteriorScenario(None, (KEY,), ((0.01, 0.5), (0.05, 0.5)))  # type: ignore[arg-type]
    drawn = np.array([ps.draw(int(s))[KEY] for s in runs["seed"]])
    high = runs["oversubscription"].to_numpy()[drawn == 0.05]
    low = runs["oversubscription"].to_numpy()[drawn == 0.01]
    assert len(high) and len(low) and high.min() > low.max()
    # common random numbers: replication r draws the same parameters at both settings
    by_rep = runs.groupby("replication")["seed"].nunique()
    assert (by_rep == 1).all()
    # resuming needs the same posterior: without it the folder holds a different sweep
    assert abm_main("sweep", spec, "--out", out, "--resume") == 2
    assert "different sweep" in capsys.readouterr().err


def test_shipped_posterior_is_none_or_a_valid_sample():
    post = shipped_posterior()
    assert post is None or (len(post) > 0 and "weight" in post.columns)


def test_ship_writes_the_scenario_layer_and_the_sample(tmp_path):
    import tomllib

    from abm.calibrate.ship import ship
    from abm.scenario import load_scenario

    run = _write(tmp_path / "cal", pd.DataFrame({KEY: [0.01, 0.03, 0.05], "weight": [1, 2, 1]}))
    (run / "calibration.json").write_text(json.dumps({"runs": 10, "generations_done": 2}))
    (run / "spec.json").write_text(
        json.dumps({"name": "t", "parameters": {KEY: {"prior": "uniform", "low": 0, "high": 1}}})
    )
    fit = {"a": {"status": "reached", "observed": 1.0, "simulated_median": 1.1,
                 "simulated_q05": 0.9, "simulated_q95": 1.3},
           "b": {"status": "skipped", "reason": "requires districts"}}  # fmt: skip
    (run / "fit.json").write_text(json.dumps({"targets": fit}))
    scenario, sample = tmp_path / "scenarios" / "calibrated.toml", tmp_path / "ship"
    scenario.parent.mkdir()
    ship(run, scenario, sample)
    layer = tomllib.loads(scenario.read_text())
    assert layer["params"]["compute"]["gpu_per_employee"] == pytest.approx(0.03)
    assert "b: skipped (requires districts)" in scenario.read_text()
    assert len(load_posterior(sample)) == 3
    # a scenario inheriting the layer gets the posterior median
    child = scenario.parent / "child.toml"
    text = BASELINE.read_text()
    assert 'inherit = "calibrated.toml"' in text  # the baseline inherits the layer itself
    child.write_text(text)
    assert load_scenario(child).params.compute.gpu_per_employee == pytest.approx(0.03)


def test_the_predictive_check_compares_every_comparable_target(tmp_path):
    """Fresh runs at posterior draws, against fitted and use = false targets alike."""
    from calib_helpers import write_spec, write_synthetic

    from abm.calibrate.check import check

    targets = write_synthetic(tmp_path, firms=120, steps=12)
    text = targets.read_text()
    # one target kept for comparison only: the check still reports it
    targets.write_text(text.replace("[targets.daegu_firms]", "[targets.daegu_firms]\nuse = false"))
    spec = write_spec(tmp_path, firms=120, steps=12, targets=targets)
    folder = _write(
        tmp_path / "cal",
        pd.DataFrame(
            {
                "params.entry.outside_rate": [0.004, 0.006],
                "params.firm.cost_share": [1.05, 1.0],
                "params.compute.gpu_per_employee": [0.025, 0.03],
                "weight": [0.5, 0.5],
            }
        ),
    )
    out = check(spec, folder, runs=3, workers=1)
    rows = out["targets"]
    assert "daegu_firms" in rows and rows["daegu_firms"]["fitted"] is False
    assert rows["firms_end"]["fitted"] is True
    r = rows["capital_share"]
    assert r["simulated_q05"] <= r["simulated_median"] <= r["simulated_q95"]
    assert (folder / "check.md").read_text().count("\n| `") == len(rows)
    assert json.loads((folder / "check.json").read_text())["runs"] == 3


def test_run_keeps_a_parameter_the_user_sets_over_the_posterior_draw(tmp_path, capsys):
    """``--set`` is the user's statement about a parameter: a posterior draw of the same
    key must not silently replace it."""
    folder = _write(tmp_path / "p", pd.DataFrame({KEY: [0.01, 0.05], "weight": [0.5, 0.5]}))
    common = ["--steps", "4", "--seed", "5", "--set", "population.firms=150", "--set"]
    mine = [*common, f"{KEY}=0.2"]
    assert abm_main("run", BASELINE, *mine, "--posterior", folder, "--out", tmp_path / "a") == 0
    assert abm_main("run", BASELINE, *mine, "--out", tmp_path / "b") == 0
    a = pd.read_parquet(tmp_path / "a" / "model.parquet")
    b = pd.read_parquet(tmp_path / "b" / "model.parquet")
    pd.testing.assert_frame_equal(a, b)
    capsys.readouterr()


def test_the_shipped_posterior_draws_no_pull_fitted_without_the_district_programmes():
    """A district pull that scripts/district_pulls.py estimates with the dated programmes in
    place is a residual of them: a posterior fitted on a model without programmes (its
    spec.json has no programmes table) must not draw it, or ``abm compare``'s and ``abm
    decide``'s default draws would undo the estimate."""
    import json

    from abm.calibrate.posterior import SHIPPED, shipped_posterior

    posterior = shipped_posterior()
    if posterior is None:
        pytest.skip("no shipped posterior")
    spec = json.loads((SHIPPED / "spec.json").read_text())
    fitted_with_programmes = bool(spec["base"].get("programmes"))
    residual = {f"districts.{d}.pull" for d in district_pulls_fitted()}
    assert fitted_with_programmes or not residual & set(posterior.columns)


def district_pulls_fitted() -> list[str]:
    """scripts/district_pulls.py's FITTED (loaded with scripts/ on the path: it imports
    scripts/_doc_tables.py, so loading it alone failed outside the full suite's order)."""
    from tests.doc_blocks import script

    return list(script("district_pulls").FITTED)
