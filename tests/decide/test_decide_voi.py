"""Value of information (EVPPI by regression) and variance shares, on toy decisions whose
answers are known analytically."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from abm.decide.variance import anova, shares
from abm.decide.voi import by_draw, conditional_mean, evppi, value_of_information


def _lhs(n, d, seed):
    return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_parameter_alone_decides_the_choice(seed):
    """A: 0; B: x1 - 0.4 (plus seed noise). Knowing x1 one picks B iff x1 > 0.4, so
    EVPPI(x1) = E[max(0, x1 - 0.4)] - max(0, E[x1 - 0.4]) = 0.18 - 0.1 = 0.08; x2 and
    x3 change nothing, so theirs is 0."""
    n = 300
    x = _lhs(n, 3, seed)
    noise = np.random.default_rng(100 + seed).normal(0.0, 0.1, n)
    nb = np.column_stack([np.zeros(n), x[:, 0] - 0.4 + noise])
    params = {"x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]}
    result, fits = value_of_information(nb, params, {"x2 and x3": ["x2", "x3"]}, np.ones(n), 7)
    got = {r["name"]: r["evppi"] for r in result["rows"]}
    assert got["x1"] == pytest.approx(0.08, rel=0.10)
    for other in ("x2", "x3", "x2 and x3"):
        assert got[other] < 0.05 * 0.08
    assert result["rows"][0]["name"] == "x1"
    assert result["noise_floor"] < 0.05 * 0.08
    assert frozenset(["x2", "x3"]) in fits


def test_a_group_sees_an_interaction_no_single_parameter_does():
    """B: 8 (x1 - 1/2)(x2 - 1/2). Alone, neither parameter says which option is better
    (E[B | x1] = 0); together they do: EVPPI = 8 E|u v| / 2 = 8/32 with u, v ~ U(-1/2, 1/2)."""
    n = 300
    x = _lhs(n, 2, 3)
    noise = np.random.default_rng(4).normal(0.0, 0.05, n)
    nb = np.column_stack([np.zeros(n), 8 * (x[:, 0] - 0.5) * (x[:, 1] - 0.5) + noise])
    assert evppi(nb, x) == pytest.approx(0.25, rel=0.15)
    assert evppi(nb, x[:, 0]) < 0.04 and evppi(nb, x[:, 1]) < 0.04


def test_the_spline_follows_a_curve_and_many_close_values():
    rng = np.random.default_rng(5)
    for n in (60, 3000):  # 3,000 distinct x: binned, else scipy's GCV is ill-posed
        x = rng.random(n)
        y = np.sin(6 * x) + rng.normal(0.0, 0.2, n)
        fitted = conditional_mean(x, y)
        assert np.sqrt(np.mean((fitted - np.sin(6 * x)) ** 2)) < 0.1
    # fewer than 5 distinct values: the mean at each
    x = np.repeat([0.0, 1.0, 2.0], 4)
    y = np.arange(12.0)
    np.testing.assert_allclose(conditional_mean(x, y), np.repeat([1.5, 5.5, 9.5], 4))


def test_by_draw_averages_each_draws_seeds():
    values = np.array([[1.0, 3.0, 5.0, 7.0], [0.0, 0.0, 2.0, 2.0]])
    draws = np.array([0, 0, 1, 1])
    params = np.array([[0.1], [0.1], [0.7], [0.7]])
    nb, x, w = by_draw(values, draws, params)
    np.testing.assert_allclose(nb, [[2.0, 0.0], [6.0, 2.0]])
    np.testing.assert_allclose(x, [[0.1], [0.7]])
    np.testing.assert_allclose(w, [2.0, 2.0])


def test_too_few_draws_say_so():
    result, fits = value_of_information(np.zeros((4, 2)), {"x": np.arange(4.0)}, {}, np.ones(4), 0)
    assert result["rows"] == [] and "too few" in result["note"] and fits == {}


# ---------------------------------------------------------------------- variance shares
def _nested(rng, draws, seeds, sd_post, sd_range, sd_seed):
    """D = a(posterior) + b(range) + seed noise, each part with a known variance."""
    post, rng_x = rng.random(draws), rng.random(draws)
    a = sd_post * np.sqrt(12) * (post - 0.5)
    b = sd_range * np.sqrt(12) * (rng_x - 0.5)
    d = np.repeat(a + b, seeds) + rng.normal(0.0, sd_seed, draws * seeds)
    return d, np.repeat(np.arange(draws), seeds), post, rng_x


def test_anova_recovers_the_seed_and_parameter_components():
    rng = np.random.default_rng(8)
    d, draws, _, _ = _nested(rng, 400, 4, 1.0, 0.0, 2.0)
    a = anova(d, draws)
    assert a.within == pytest.approx(4.0, rel=0.08)
    assert a.between == pytest.approx(1.0, rel=0.2)
    one_seed = anova(d[::4], draws[::4])
    assert one_seed.within is None and one_seed.total == pytest.approx(5.0, rel=0.15)


def test_shares_split_seeds_posterior_and_ranges():
    """Variances 1 (posterior), 2 (ranges), 1 (seeds): shares 1/4, 1/2, 1/4."""
    rng = np.random.default_rng(9)
    d, draws, post, rng_x = _nested(rng, 300, 2, 1.0, np.sqrt(2.0), 1.0)
    means = np.bincount(draws, weights=d) / 2
    explained = {
        "posterior": conditional_mean(post, means),
        "ranges": conditional_mean(rng_x, means),
    }
    s = shares(d, draws, explained, np.full(300, 2.0))
    assert s["seeds"] == pytest.approx(0.25, abs=0.06)
    assert s["posterior"] == pytest.approx(0.25, abs=0.07)
    assert s["ranges"] == pytest.approx(0.5, abs=0.08)
    assert s["other"] < 0.08
    assert s["seeds"] + s["posterior"] + s["ranges"] + s["other"] == pytest.approx(1.0)


def test_with_one_seed_per_draw_seeds_are_not_separated():
    rng = np.random.default_rng(10)
    d, draws, post, _ = _nested(rng, 200, 1, 1.0, 0.0, 1.0)
    s = shares(d, draws, {"posterior": conditional_mean(post, d)}, np.ones(200))
    assert s["seeds"] is None
    assert s["posterior"] == pytest.approx(0.5, abs=0.1)
    assert s["posterior"] + s["other"] == pytest.approx(1.0)


def test_identical_options_have_no_variance_to_share():
    s = shares(np.zeros(8), np.repeat(np.arange(4), 2), {"ranges": np.zeros(4)}, np.ones(4))
    assert s["variance"] == 0.0 and s["seeds"] is None and s["ranges"] is None
