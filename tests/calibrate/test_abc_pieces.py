"""abm/calibrate/abc.py gives pyabc's results on the same inputs (pyabc is a development
dependency for this comparison only): the distance, its adaptive scale, the tolerance, the
weighted statistics and the perturbation kernel."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pyabc.distance import PNormDistance
from pyabc.distance.scale import median_absolute_deviation
from pyabc.epsilon import QuantileEpsilon
from pyabc.transition import MultivariateNormalTransition
from pyabc.weighted_statistics import effective_sample_size, weighted_quantile

from abm.calibrate import abc

IDS = ["a", "b", "c", "d"]


@pytest.fixture
def rng():
    return np.random.default_rng(20251231)


def test_the_distance_is_pyabcs_pnorm_with_fixed_weights(rng):
    stats, observed = rng.normal(size=(50, 4)) * [1, 10, 100, 0.1], rng.normal(size=4)
    weights = rng.uniform(0.1, 3.0, 4)
    d = PNormDistance(p=2, fixed_weights={3: dict(zip(IDS, weights, strict=True))})
    x0 = dict(zip(IDS, observed, strict=True))
    d.initialize(t=3, get_sample=lambda: None, x_0=x0, total_sims=0)
    want = [d(dict(zip(IDS, row, strict=True)), x0, t=3) for row in stats]
    np.testing.assert_allclose(abc.pnorm_distances(stats, observed, weights), want, rtol=1e-15)


def test_the_adaptive_scale_is_pyabcs_median_absolute_deviation(rng):
    samples = rng.lognormal(size=(37, 4))
    samples[3, 1] = np.nan
    np.testing.assert_array_equal(
        abc.median_absolute_deviation(samples), median_absolute_deviation(samples=samples)
    )


def test_the_tolerance_is_pyabcs_quantile_epsilon(rng):
    distances, w = rng.exponential(size=40), rng.uniform(size=40)
    distances[5] = math.inf  # a failed run
    for alpha in (0.1, 0.3, 0.5):
        eps = QuantileEpsilon(initial_epsilon=math.inf, alpha=alpha)
        eps.update(
            t=2,
            get_weighted_distances=lambda: pd.DataFrame({"distance": distances, "w": w}),
            get_all_records=lambda: [],
            acceptance_rate=0.5,
            acceptor_config={},
        )
        assert abc.quantile_epsilon(distances, w, alpha) == eps(2)


def test_the_weighted_statistics_are_pyabcs(rng):
    x, w = rng.normal(size=25), rng.uniform(size=25)
    w /= w.sum()
    for q in (0.05, 0.5, 0.95):
        assert abc.weighted_quantile(x, w, q) == weighted_quantile(points=x, weights=w, alpha=q)
    assert abc.effective_sample_size(w) == pytest.approx(effective_sample_size(w), rel=1e-15)


@pytest.mark.parametrize("n", [1, 30])
def test_the_kernel_is_pyabcs_multivariate_normal_transition(rng, n):
    X, w = rng.normal(size=(n, 3)) * [1, 5, 0.2], rng.uniform(0.2, 1.0, n)
    theirs = MultivariateNormalTransition(scaling=0.7)
    theirs.fit(pd.DataFrame(X, columns=IDS[:3]), w)
    ours = abc.GaussianKernel(X, w, scaling=0.7)
    np.testing.assert_allclose(ours.cov, theirs.cov, rtol=1e-14)
    np.testing.assert_allclose(ours.w, theirs.w, rtol=1e-15)
    points = rng.normal(size=(8, 3))
    np.testing.assert_allclose(
        ours.pdf(points), theirs.pdf(pd.DataFrame(points, columns=IDS[:3])), rtol=1e-13
    )
