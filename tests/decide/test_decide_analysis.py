"""The statistics of a decision on matrices with known answers (no runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm.decide.analysis import compare, prim_box, regret, rule_text, winners


def test_an_option_that_dominates_in_every_future_has_p_best_1_and_no_regret():
    rng = np.random.default_rng(0)
    others = rng.normal(0.0, 1.0, (3, 200))
    best = others.max(axis=0) + rng.uniform(0.1, 2.0, 200)  # better in every future
    values = np.vstack([others[:1], best, others[1:]])
    stats = compare(values, sign=1.0, threshold=None)
    assert stats["p_best"][1] == 1.0
    assert stats["regret_mean"][1] == 0.0 and stats["regret_max"][1] == 0.0
    assert np.all(stats["p_best"][[0, 2, 3]] == 0.0)
    assert np.all(stats["regret_mean"][[0, 2, 3]] > 0)
    # minimising the negated outcome is the same decision
    flipped = compare(-values, sign=-1.0, threshold=None)
    np.testing.assert_array_equal(flipped["p_best"], stats["p_best"])
    np.testing.assert_allclose(flipped["regret_mean"], stats["regret_mean"])


def test_ties_split_the_win_and_cost_no_regret():
    values = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 0.0], [0.0, 5.0, 3.0]])
    w = winners(values)
    np.testing.assert_allclose(w[:, 0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(w[:, 1], [0.0, 0.5, 0.5])
    np.testing.assert_allclose(w[:, 2], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(w.sum(axis=0), 1.0)
    r = regret(values)
    np.testing.assert_allclose(r, [[0, 3, 0], [0, 0, 3], [1, 0, 0]])
    stats = compare(values, 1.0, threshold=2.5)
    np.testing.assert_allclose(stats["p_best"], [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(stats["regret_max"], [3, 3, 1])
    np.testing.assert_allclose(stats["satisficing"], [1 / 3, 1 / 3, 2 / 3])


def test_satisficing_of_a_minimised_objective_counts_values_at_or_below_the_threshold():
    values = np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 4.0, 4.0, 4.0]])
    stats = compare(values, -1.0, threshold=2.0)
    np.testing.assert_allclose(stats["satisficing"], [0.5, 0.0])
    np.testing.assert_allclose(stats["p_best"], [0.875, 0.125])  # ties at 4.0 split


@pytest.mark.parametrize("n", [300, 1000])
def test_prim_finds_a_planted_box(n):
    rng = np.random.default_rng(7)
    x = pd.DataFrame({"a": rng.random(n), "b": rng.random(n), "c": rng.random(n)})
    inside = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    # noisy labels: 90 % wins inside the box, 5 % outside
    wins = np.where(inside, rng.random(n) < 0.9, rng.random(n) < 0.05)
    box = prim_box(x, wins, density=0.8)
    cuts = {c["parameter"]: c for c in box["limits"]}
    assert set(cuts) >= {"a", "b"}
    # the planted edges are found; the other ends stay (nearly) open
    assert 0.5 < cuts["a"]["low"] < 0.7 and (cuts["a"]["high"] or 1.0) > 0.9
    assert 0.2 < cuts["b"]["high"] < 0.4 and (cuts["b"]["low"] or 0.0) < 0.1
    assert "c" not in cuts or (cuts["c"]["low"] or 0) < 0.1
    assert box["density"] >= 0.8 and box["coverage"] >= 0.6 and box["meets_density"]
    assert box["rule"].startswith("b <=") or box["rule"].startswith("a >=")


def test_prim_says_when_no_box_reaches_the_density():
    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.random(400), "b": rng.random(400)})
    wins = rng.random(400) < 0.2  # no structure
    box = prim_box(x, wins, density=0.95)
    assert not box["meets_density"]


def test_rule_text_reads_like_a_condition():
    cuts = [
        {"parameter": "a", "low": 0.61, "high": None},
        {"parameter": "b", "low": 0.1, "high": 0.3},
        {"parameter": "c", "low": None, "high": None},
    ]
    assert rule_text(cuts) == "a >= 0.61 and 0.1 <= b <= 0.3"
    assert rule_text([]) == "anywhere in the ranges explored"


def _result(model_rows, region_rows=None):
    from types import SimpleNamespace

    return SimpleNamespace(model=pd.DataFrame(model_rows), regions=pd.DataFrame(region_rows or []))


def test_objectives_read_values_sums_over_regions_and_ratios():
    from abm.decide.objectives import Objective, Term, evaluate

    result = _result(
        [{"step": s, "cost": 10.0 * s} for s in range(4)],
        [
            {"step": s, "region": r, "jobs": base + s * growth}
            for s in range(4)
            for r, base, growth in (("a", 5.0, 1.0), ("b", 3.0, -2.0))
        ],
    )

    def objective(term, per=None):
        return Objective("x", "x", "", term, per, "min", None, "3")

    jobs = Term("jobs", ("a", "b"), 3, "value")
    assert evaluate(result, objective(jobs)) == 8.0 + 3.0 - 6.0
    assert evaluate(result, objective(Term("jobs", ("a",), 2, "cumulative"))) == 6.0 + 7.0
    assert evaluate(result, objective(Term("jobs", ("a",), 3, "change"))) == 3.0
    per_a = objective(Term("cost", None, 3), Term("jobs", ("a",), 3, "change"))
    assert evaluate(result, per_a) == 30.0 / 3.0
    # no job gained (b loses 6): the cost per job gained is undefined, not negative
    per_ab = objective(Term("cost", None, 3), Term("jobs", ("a", "b"), 3, "change"))
    assert np.isnan(evaluate(result, per_ab))
    # measured from a start month (since = the step before it): history stays out
    assert evaluate(result, objective(Term("jobs", ("a",), 3, "change", since=1))) == 2.0
    assert evaluate(result, objective(Term("jobs", ("a",), 3, "cumulative", since=1))) == 15.0
    since = objective(Term("cost", None, 3, "change", 2), Term("jobs", ("a",), 3, "change", 2))
    assert evaluate(result, since) == 10.0 / 1.0


def test_p_best_sums_to_one_and_regret_is_zero_exactly_where_an_option_is_best():
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    matrices = st.tuples(st.integers(2, 5), st.integers(1, 30)).flatmap(
        lambda shape: arrays(np.float64, shape, elements=st.integers(-3, 3).map(float))
    )

    @settings(max_examples=100, deadline=None)
    @given(matrices, st.sampled_from([1.0, -1.0]))
    def check(values, sign):
        stats = compare(values, sign, threshold=0.0)
        np.testing.assert_allclose(stats["p_best"].sum(), 1.0)
        assert np.all(stats["regret_mean"] >= 0) and np.all(stats["regret_max"] >= 0)
        w, r = winners(sign * values), regret(sign * values)
        np.testing.assert_array_equal(w > 0, r == 0)  # best (or tied best) <=> no regret
        best_everywhere = np.all(w > 0, axis=1)
        assert np.all(stats["regret_max"][best_everywhere] == 0)

    check()
