"""The sampler's working space: log-scaled priors are perturbed and weighted in the log."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyabc.weighted_statistics import effective_sample_size

from abm.calibrate.priors import PriorSet, parse_prior
from abm.calibrate.smc import fit_kernel, importance_weights, propose


def _priors() -> PriorSet:
    return PriorSet(
        (
            parse_prior("a", {"prior": "loguniform", "low": 1e-4, "high": 1e-1}),
            parse_prior("b", {"prior": "uniform", "low": 0.0, "high": 2.0}),
        )
    )


def test_the_working_space_is_the_log_of_log_scaled_parameters_only():
    prior = _priors()
    x = np.array([[1e-3, 1.5], [0.05, 0.2]])
    u = prior.to_work(x)
    assert u[:, 0] == pytest.approx(np.log(x[:, 0])) and u[:, 1] == pytest.approx(x[:, 1])
    np.testing.assert_allclose(prior.from_work(u), x)


def test_a_loguniform_prior_is_flat_in_the_working_space():
    prior = _priors()
    logs = np.linspace(math.log(1e-4) + 0.1, math.log(1e-1) - 0.1, 7)
    u = np.column_stack([logs, np.full(7, 1.0)])
    # 1 / ln(1000) for a, 1 / 2 for b, whatever the value: the Jacobian x cancels 1 / x
    assert prior.work_pdf(u) == pytest.approx(np.full(7, 1 / (math.log(1000.0) * 2.0)))


def test_weights_of_a_prior_like_generation_stay_even():
    """Particles from the prior, perturbed by the kernel: the weights prior / proposal stay
    nearly equal (ESS close to n). A kernel in the raw space of a parameter spanning three
    orders of magnitude (the old sampler) gives a far lower ESS on the same draws."""
    prior, rng = _priors(), np.random.default_rng(5)
    n = 300
    particles = prior.sample(n, rng)
    kernel = fit_kernel(prior, particles, np.full(n, 1.0 / n), 1.0)
    theta = propose(prior, kernel, n, rng)
    assert (prior.pdf(theta) > 0).all()
    ess = effective_sample_size(importance_weights(prior, kernel, theta))
    assert ess > 0.6 * n, ess  # mutant: kernel, proposals or weights in the raw space


@pytest.mark.parametrize(
    ("table", "field", "words"),
    [
        ({"prior": "beta"}, "prior", "expected one of uniform, loguniform, normal, lognormal"),
        ({"prior": "normal", "mean": 1}, "sd", "missing; a normal prior needs mean and sd"),
        ({"prior": "normal", "mean": 1, "sd": 0}, "sd", "expected a number in (0,"),
        ({"prior": "lognormal", "median": -1, "sigma": 1}, "median", "expected a number in (0,"),
        ({"prior": "loguniform", "low": 0, "high": 1}, "low", "expected a number in (0,"),
        ({"low": 0, "high": 1, "sd": 1}, "sd", "unknown field; allowed: high, low, prior"),
        ({"low": float("nan"), "high": 1}, "low", "not allowed"),
        ({"low": 2, "high": 1}, "", "low 2 must be below high 1"),
        (3, "", "expected a table such as"),
    ],
)
def test_each_kind_of_prior_is_checked_as_declared(table, field, words):
    from abm.calibrate.priors import read_prior

    prior, problems = read_prior("k", table, "spec.toml", "parameters.k")
    assert prior is None and len(problems) == 1, problems
    assert problems[0].field == "parameters.k" + (f".{field}" if field else "")
    assert words in problems[0].message
