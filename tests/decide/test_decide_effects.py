"""Paired effects with intervals: known answers, and coverage over constructed decisions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from abm.decide.effects import (
    better,
    cluster_mean,
    clusters_of,
    effective_n,
    futures_needed,
    mde,
    p_best,
    paired,
    pairwise,
    proportion,
    wilson,
)


def _decision(rng, delta, draws=20, seeds=2, tau=1.0, sigma=1.0):
    """Two options on ``draws`` x ``seeds`` futures: B = noise, A = B + delta + a draw
    effect + a seed effect (the draw effect is shared by the draw's seeds)."""
    u = np.repeat(rng.normal(0.0, tau, draws), seeds)
    b = rng.normal(10.0, 3.0, draws * seeds)
    a = b + delta + u + rng.normal(0.0, sigma, draws * seeds)
    return a, b, np.repeat(np.arange(draws), seeds)


def test_one_future_per_draw_is_the_ordinary_paired_t():
    rng = np.random.default_rng(1)
    d = rng.normal(0.3, 1.0, 25)
    m = cluster_mean(d, np.arange(25))
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert m.se == pytest.approx(d.std(ddof=1) / 5)
    assert m.interval() == pytest.approx((ci.low, ci.high))


def test_seeds_of_one_draw_are_not_counted_as_independent():
    """Two identical seeds per draw carry the information of one: the standard error is
    that of the draws' means, not sqrt(2) times smaller."""
    rng = np.random.default_rng(2)
    per_draw = rng.normal(0.0, 1.0, 30)
    d = np.repeat(per_draw, 2)
    clustered = cluster_mean(d, np.repeat(np.arange(30), 2))
    assert clustered.se == pytest.approx(per_draw.std(ddof=1) / math.sqrt(30))
    assert clustered.df == 29
    naive = cluster_mean(d, np.arange(60))
    assert naive.se < clustered.se / 1.3


def test_clusters_are_draws_unless_there_is_one_draw():
    assert clusters_of(np.array([0, 0, 1, 1])).tolist() == [0, 0, 1, 1]
    assert clusters_of(np.zeros(4, dtype=int)).tolist() == [0, 1, 2, 3]


def test_wilson_matches_its_closed_form_at_the_edges():
    z = stats.norm.ppf(0.975)
    low, high = wilson(0.0, 10)
    assert low == 0.0 and high == pytest.approx(z**2 / (10 + z**2))
    low, high = wilson(1.0, 40)
    assert high == 1.0 and low == pytest.approx(40 / (40 + z**2))
    low, high = wilson(0.5, 100)
    assert (low + high) / 2 == pytest.approx(0.5) and high - low < 0.2


def test_an_option_winning_every_future_gets_an_interval_that_narrows_with_draws():
    for draws in (8, 40, 400):
        weights = np.vstack([np.ones(draws * 2), np.zeros(draws * 2)])
        clusters = np.repeat(np.arange(draws), 2)
        leader, other = p_best(weights, clusters)
        assert leader.value == 1.0 and leader.high == 1.0
        # p = 1 cannot show how alike a draw's seeds are: the draws are the units
        assert leader.n_effective == draws
        assert other.value == 0.0 and other.low == 0.0
    assert leader.half_width < 0.005


def test_effective_n_lies_between_the_draws_and_the_futures():
    rng = np.random.default_rng(3)
    clusters = np.repeat(np.arange(50), 4)
    independent = cluster_mean((rng.random(200) < 0.3).astype(float), clusters)
    alike = cluster_mean(np.repeat(rng.random(50) < 0.3, 4).astype(float), clusters)
    assert 50 <= effective_n(alike) < 60
    assert 120 < effective_n(independent) <= 200


def test_ties_count_half_and_orientation_follows_the_direction():
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([2.0, 2.0, 1.0])
    np.testing.assert_array_equal(better(a, b), [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(better(-a, -b), [1.0, 0.5, 0.0])  # minimised


def test_pairwise_reports_a_minus_b_for_every_pair():
    values = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0]])
    rows = pairwise(values, ["x", "y", "z"], 1.0, np.arange(4))
    assert [(r["a"], r["b"]) for r in rows] == [("x", "y"), ("x", "z"), ("y", "z")]
    xy = rows[0]
    assert xy["mean"] == 1.0 and xy["se"] == 0.0 and xy["p_better"] == 1.0
    assert xy["significant"] and xy["mde"] == 0.0
    # minimised: x's larger values make it the worse option
    assert pairwise(values, ["x", "y", "z"], -1.0, np.arange(4))[0]["p_better"] == 0.0


@pytest.mark.parametrize("delta", [0.0, 0.8])
def test_the_interval_of_a_known_difference_covers_it_95_percent_of_the_time(delta):
    rng = np.random.default_rng(20 + int(10 * delta))
    reps = 1000
    covered = covered_p = 0
    tau, sigma = 1.0, 1.0
    truth_p = stats.norm.cdf(delta / math.hypot(tau, sigma))
    for _ in range(reps):
        a, b, draws = _decision(rng, delta, tau=tau, sigma=sigma)
        r = paired(a, b, 1.0, draws, None)
        covered += r["low"] <= delta <= r["high"]
        covered_p += r["p_better_low"] <= truth_p <= r["p_better_high"]
    # 95 % with 1,000 repetitions: the binomial sd is 0.7 points
    assert 0.93 <= covered / reps <= 0.97
    assert 0.92 <= covered_p / reps <= 0.985


def test_a_difference_as_large_as_the_mde_is_detected_80_percent_of_the_time():
    rng = np.random.default_rng(5)
    draws, seeds, tau, sigma = 20, 2, 1.0, 1.0
    # the standard error of the mean difference, known from the construction
    se = math.sqrt((tau**2 + sigma**2 / seeds) / draws)
    effect = mde(se, draws - 1)
    detected = 0
    for _ in range(1000):
        a, b, clusters = _decision(rng, effect, draws, seeds, tau, sigma)
        detected += paired(a, b, 1.0, clusters, None)["significant"]
    assert 0.76 <= detected / 1000 <= 0.84


def test_futures_needed_scale_with_the_square_of_the_ratio():
    rng = np.random.default_rng(6)
    a, b, draws = _decision(rng, 0.5, draws=40, seeds=2)
    r = paired(a, b, 1.0, draws, r_target := 0.5)
    assert r["futures_for_mde"] is not None
    half = paired(a, b, 1.0, draws, r_target / 2)["futures_for_mde"]
    assert half == pytest.approx(4 * r["futures_for_mde"], rel=0.02)
    # at the MDE itself, about the futures spent (normal instead of t quantiles)
    at_mde = paired(a, b, 1.0, draws, r["mde"])["futures_for_mde"]
    assert 0.85 * 80 <= at_mde <= 80
    assert futures_needed(cluster_mean(np.ones(4), np.arange(4)), 1.0, 1.0) == 2


def test_proportion_of_a_constant_share_within_every_draw():
    y = np.tile([1.0, 0.0], 10)  # each draw: one seed wins, one loses
    p = proportion(y, np.repeat(np.arange(10), 2))
    assert p.value == 0.5 and p.n_effective == 20
