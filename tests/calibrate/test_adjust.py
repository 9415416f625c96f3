"""The regression adjustment (abm/calibrate/adjust.py) on a model whose posterior is known.

s ~ N(theta, sigma^2) with a flat prior: the posterior of theta given s_obs is
N(s_obs, sigma^2). A rejection-ABC sample at tolerance h is wider (about
sqrt(sigma^2 + h^2 / 3)); the adjustment must take it back to sigma, leave a statistic that
carries no information about theta without effect, and keep every particle in the prior's
support.
"""

from __future__ import annotations

import numpy as np

from abm.calibrate.abc import weighted_quantile
from abm.calibrate.adjust import adjust, from_unbounded, to_unbounded
from abm.calibrate.priors import Prior, PriorSet

SIGMA, OBS, H = 1.0, 0.5, 3.0


def _prior() -> PriorSet:
    return PriorSet(
        (
            Prior("theta", "uniform", (("low", -20.0), ("high", 20.0))),
            Prior("rate", "loguniform", (("low", 0.01), ("high", 1.0))),
        )
    )


def _abc(n: int, rng: np.random.Generator, noise_stat: bool = False):
    """Rejection ABC on s = theta + noise (and, if asked, a pure-noise statistic)."""
    prior = _prior()
    theta = prior.sample(n, rng)
    s = theta[:, 0] + rng.normal(0, SIGMA, n)
    stats = s[:, None]
    observed = np.array([OBS])
    if noise_stat:
        stats = np.column_stack([s, rng.normal(0, 1, n)])
        observed = np.array([OBS, 0.0])
    d = np.abs(s - OBS)
    keep = d < H
    return prior, theta[keep], stats[keep], observed, d[keep]


def _sd(x: np.ndarray, w: np.ndarray) -> float:
    m = np.sum(w * x)
    return float(np.sqrt(np.sum(w * (x - m) ** 2)))


def test_the_adjustment_recovers_the_known_posterior_from_a_wide_tolerance() -> None:
    rng = np.random.default_rng(3)
    prior, theta, stats, observed, d = _abc(400_000, rng)
    w0 = np.full(len(theta), 1.0 / len(theta))
    raw_sd = _sd(theta[:, 0], w0)
    adjusted, w = adjust(theta, stats, observed, np.array([SIGMA]), w0, d, prior)
    assert raw_sd > 1.3 * SIGMA  # the tolerance widens the plain ABC sample
    assert abs(_sd(adjusted[:, 0], w) - SIGMA) < 0.05
    assert abs(weighted_quantile(adjusted[:, 0], w, 0.5) - OBS) < 0.05


def test_a_statistic_that_carries_no_information_changes_nothing_much() -> None:
    rng = np.random.default_rng(4)
    prior, theta, stats, observed, d = _abc(400_000, rng, noise_stat=True)
    w0 = np.full(len(theta), 1.0 / len(theta))
    adjusted, w = adjust(theta, stats, observed, np.array([SIGMA, 1.0]), w0, d, prior)
    assert abs(_sd(adjusted[:, 0], w) - SIGMA) < 0.05
    # the second parameter is the prior's (no statistic informs it): not narrowed
    spread = np.log(adjusted[:, 1])
    assert abs(_sd(spread, w) - np.log(100) / np.sqrt(12)) < 0.05


def test_adjusted_particles_stay_inside_the_prior() -> None:
    prior = _prior()
    x = np.array([[-19.999, 0.0100001], [0.0, 0.1], [19.9999, 0.999999]])
    back = from_unbounded(to_unbounded(x, prior), prior)
    np.testing.assert_allclose(back, x, rtol=1e-6)
    rng = np.random.default_rng(5)
    _, theta, stats, observed, d = _abc(50_000, rng)
    far = observed + 40.0  # an observation far outside what the prior can produce
    adjusted, _ = adjust(theta, stats, far, np.array([SIGMA]), np.ones(len(theta)), d, prior)
    assert np.all((adjusted[:, 0] > -20) & (adjusted[:, 0] < 20))
    assert np.all((adjusted[:, 1] > 0.01) & (adjusted[:, 1] < 1.0))


def _history(tmp_path, adjust: str | None):
    """calibration/history.toml with its paths made absolute and ``method.adjust`` set."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "calibration" / "history.toml").read_text()
    text = re.sub(r'scenario = "([^"]+)"', lambda m: f'scenario = "{root / m[1]}"', text, count=1)
    text = text.replace(
        'targets = "targets.toml"', f'targets = "{root / "calibration/targets.toml"}"'
    )
    text = re.sub(r'\nadjust = "[a-z]+"', "", text)
    if adjust is not None:
        text = text.replace("[method]", f'[method]\nadjust = "{adjust}"', 1)
    path = tmp_path / f"history-{adjust}.toml"
    path.write_text(text)
    return path


def test_the_adjustment_is_declared_and_leaves_the_runs_identity_alone(tmp_path) -> None:
    import dataclasses

    import pytest

    from abm.calibrate.spec import load_calibration_spec
    from abm.errors import ScenarioError

    plain = load_calibration_spec(_history(tmp_path, None))
    linear = load_calibration_spec(_history(tmp_path, "linear"))
    assert plain.method.adjust == "none" and linear.method.adjust == "linear"
    # nor do the share kept and the ridge
    method = dataclasses.replace(linear.method, accept=0.5, ridge=7.0)
    assert dataclasses.replace(linear, method=method).digest() == plain.digest()
    method = dataclasses.replace(linear.method, particles=linear.method.particles + 1)
    assert dataclasses.replace(linear, method=method).digest() != plain.digest()
    # a post-processing of the last generation: a finished folder accepts either spec
    assert plain.digest() == linear.digest()
    with pytest.raises(ScenarioError) as bad:
        load_calibration_spec(_history(tmp_path, "quadratic"))
    (problem,) = bad.value.problems
    line = str(problem)
    assert "method.adjust" in line and "none or linear" in line


def test_the_posterior_keeps_the_nearest_share_and_nothing_else() -> None:
    from abm.calibrate.adjust import kept, posterior

    prior = _prior()
    rng = np.random.default_rng(6)
    params = prior.sample(200, rng)
    stats = np.column_stack([params[:, 0] + rng.normal(0, 1, 200), rng.normal(0, 1, 200)])
    stats[7, 1] = np.nan  # a run with a statistic missing is never kept
    observed, sd = np.array([0.5, 0.0]), np.array([1.0, 2.0])
    w = np.full(200, 1 / 200)
    # as sampled: the generation itself, untouched
    same = posterior(params, stats, w, observed, sd, prior)
    assert same[0] is params and same[1] is w
    keep = kept(stats, observed, sd, 0.1)
    z = np.sqrt((((stats - observed) / sd) ** 2).sum(axis=1))
    assert len(keep) == 20 and 7 not in keep
    assert z[keep].max() <= np.sort(z[np.isfinite(z)])[19]
    x, wx = posterior(params, stats, w, observed, sd, prior, accept=0.1)
    np.testing.assert_array_equal(x, params[keep])
    assert abs(wx.sum() - 1) < 1e-12


def test_the_kernel_weighs_near_runs_more_and_the_farthest_not_at_all() -> None:
    from abm.calibrate.adjust import kernel_weights

    w = kernel_weights(np.array([0.2, 0.3, 0.5]), np.array([0.0, 1.0, 2.0]))
    # Epanechnikov in the distance (bandwidth: the farthest), times the importance weights
    expected = np.array([0.2 * 1.0, 0.3 * 0.75, 0.5 * 0.0]) / (0.2 + 0.3 * 0.75)
    np.testing.assert_allclose(w, expected, atol=1e-8)
