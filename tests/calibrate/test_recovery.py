"""Parameter recovery: calibrate on the model's own outputs at known values; the 90 % posterior
intervals cover the truth. This is the test that fails if the method (or its wiring) is wrong."""

from __future__ import annotations

import pytest
from calib_helpers import TRUTH, write_spec

from abm.calibrate.posterior import load_posterior
from abm.calibrate.report import wquantile
from abm.calibrate.smc import Calibrator
from abm.calibrate.spec import load_calibration_spec


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_90_percent_intervals_cover_the_true_values(tmp_path):
    # the baseline at 600 firm agents over 24 months to 2025-06 (the NADC's ratio, before the
    # government GPUs of 2025-26 meet most need, informs gpu_per_employee); targets from one run
    # at TRUTH. Five generations: with the moving market price (on by default since 2026-12-08)
    # gpu_per_employee was not yet narrowed after three (tolerance 5.6; 4.0 after five)
    spec = load_calibration_spec(
        write_spec(
            tmp_path,
            firms=600,
            steps=24,
            particles=60,
            generations=5,
            max_runs=3000,
            start="2023-07",
        )
    )
    report = Calibrator(spec, tmp_path / "out", workers=2, progress=False).run()
    post = load_posterior(tmp_path / "out")
    w = post["weight"].to_numpy()
    covered, near, narrowed = [], [], []
    for prior in spec.priors:
        x = post[prior.key].to_numpy()
        lo, hi = wquantile(x, w, 0.05), wquantile(x, w, 0.95)
        wide_lo, wide_hi = wquantile(x, w, 0.01), wquantile(x, w, 0.99)
        plo, phi = prior.quantiles([0.05, 0.95])
        covered.append(lo <= TRUTH[prior.key] <= hi)
        near.append(wide_lo <= TRUTH[prior.key] <= wide_hi)
        narrowed.append((hi - lo) < 0.8 * (phi - plo))
    print(report, covered, near, narrowed)
    # one run's targets are one noisy draw: even an exact method misses a 90 % interval with
    # 10 % chance per parameter (all 3 covered: 73 %). So at least 2 of 3 are covered and every
    # truth lies inside the 98 % interval (a wiring error misses by far more)
    assert sum(covered) >= 2 and all(near), (covered, near, post.describe())
    # and the data did inform the posterior: not just the prior again
    assert sum(narrowed) >= 2, narrowed
