"""Small real calibrations: the same seed gives the same posterior (whatever the engine),
a finished folder is refused without --resume, and the outputs have their documented form."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from calib_helpers import abm_main, write_spec, write_synthetic

from abm.calibrate.check import keep_for
from abm.calibrate.posterior import load_posterior
from abm.calibrate.smc import Calibrator
from abm.calibrate.spec import load_calibration_spec
from abm.sweep.store import load_series


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    return write_synthetic(tmp_path_factory.mktemp("targets"), firms=120, steps=12)


@pytest.mark.slow
def test_same_seed_same_posterior_and_outputs(tmp_path, targets, capsys):
    spec = write_spec(tmp_path, targets=targets)
    a, b = tmp_path / "a", tmp_path / "b"
    assert abm_main("calibrate", spec, "--out", a, "--workers", "2") == 0
    assert abm_main("calibrate", spec, "--out", b, "--workers", "1") == 0
    pa_, pb = pd.read_parquet(a / "posterior.parquet"), pd.read_parquet(b / "posterior.parquet")
    pd.testing.assert_frame_equal(pa_, pb, check_exact=True)
    # the documented format: a column per dotted key and a weight
    assert list(pa_.columns) == [
        "params.entry.outside_rate", "params.firm.cost_share",
        "params.compute.gpu_per_employee", "weight",
    ]  # fmt: skip
    assert len(pa_) == 16 and abs(pa_["weight"].sum() - 1) < 1e-12
    fit = json.loads((a / "fit.json").read_text())["targets"]
    for entry in fit.values():
        assert entry["status"] in ("reached", "not reached", "unreachable")
        assert entry["simulated_q05"] <= entry["simulated_median"] <= entry["simulated_q95"]
        reached = entry["simulated_q05"] <= entry["observed"] <= entry["simulated_q95"]
        assert (entry["status"] == "reached") == reached == entry["within"]
        assert entry["informative"] in (True, False) and "z_predictive" in entry
    html = (a / "report.html").read_text()
    assert "Targets that inform no estimated parameter" in html and "sd_sim" in html
    assert html.count("data:image/png;base64,") >= 3
    # self-contained: no resource fetched from elsewhere (the figures' base64 may spell "http")
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:)?//""", html), "an external resource"
    assert len(load_posterior(a)) == 16
    out = capsys.readouterr()
    assert "tolerance" in out.err  # the progress names the current tolerance
    _batches_keep_what_the_targets_read(spec, a)

    # a finished folder: refused without --resume, unchanged with it
    assert abm_main("calibrate", spec, "--out", a) == 2
    assert "already holds this calibration" in capsys.readouterr().err
    assert abm_main("calibrate", spec, "--out", a, "--resume") == 0
    pd.testing.assert_frame_equal(pd.read_parquet(a / "posterior.parquet"), pa_)

    # the regression adjustment post-processes the same runs: the folder accepts the spec,
    # and the posterior is the same particles moved, inside the prior
    linear = spec.with_name("linear.toml")
    linear.write_text(spec.read_text().replace("[method]", '[method]\nadjust = "linear"', 1))
    assert abm_main("calibrate", linear, "--out", a, "--resume") == 0
    adjusted = pd.read_parquet(a / "posterior.parquet")
    assert adjusted.shape == pa_.shape and not adjusted.equals(pa_)
    for p in load_calibration_spec(linear).priors:
        low, high = p.bounds
        assert adjusted[p.key].between(low, high).all()
    # the small version of `make sbc`: the SBC on the folder's reference table (generation 0)
    from tests.doc_blocks import script

    table = script("sbc_table").run(linear, a, n=8, seed=1, accept=0.5, ridge=None)
    assert table["units"] == 8 and table["table_runs"] == 16 and table["accepted"] == 8
    for method in ("rejection", "adjusted"):
        for p in table[method]["parameters"].values():
            assert p["units"] == 8 and 0 <= p["coverage_90"]["share"] <= 1

    # another seed: another posterior; the old folder refuses the changed spec
    other = write_spec(tmp_path, targets=targets, seed=4, name="other.toml")
    assert abm_main("calibrate", other, "--out", tmp_path / "c") == 0
    pc = pd.read_parquet(tmp_path / "c" / "posterior.parquet")
    assert not pc.equals(pa_)
    assert abm_main("calibrate", other, "--out", a, "--resume") == 2
    assert "different calibration" in capsys.readouterr().err


@pytest.mark.slow
def test_dask_engine_gives_the_local_posterior(tmp_path, targets):
    spec = write_spec(tmp_path, targets=targets)
    assert abm_main("calibrate", spec, "--out", tmp_path / "l", "--workers", "2") == 0
    assert (
        abm_main("calibrate", spec, "--out", tmp_path / "d", "--workers", "2", "--engine", "dask")
        == 0
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "l" / "posterior.parquet"),
        pd.read_parquet(tmp_path / "d" / "posterior.parquet"),
        check_exact=True,
    )


def _batches_keep_what_the_targets_read(spec, folder):
    """Every batch sweep keeps the series ``check.keep_for`` selects for the fitted targets
    (the one declaration of it), in every region and district: all the targets read."""
    loaded = load_calibration_spec(spec)
    targets = Calibrator(loaded, folder).targets
    keep = keep_for(targets)
    want = (
        set(keep.series)
        | {f"{c}.{r}" for c in keep.region_series for r in loaded.base.regions}
        | {f"{c}.{d}" for c in keep.district_series for d in loaded.base.districts}
    )
    assert {c for t in targets for c in t.columns()} <= want
    batches = sorted(p for p in (folder / "runs").iterdir() if p.is_dir())
    assert batches
    for batch in batches:
        assert set(load_series(batch).columns) - {"run_id", "step"} == want, batch.name
