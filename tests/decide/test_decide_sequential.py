"""The sequential design's stopping rule on constructed decisions (no runs)."""

from __future__ import annotations

import numpy as np

from abm.decide.analysis import winners
from abm.decide.sequential import (
    INDISTINGUISHABLE,
    OPEN,
    PRECISE,
    StopRule,
    assess_objective,
    describe,
    over_budget,
    settled,
)

NAMES = ("a", "b", "c")


def _assess(values, width=0.05, mde=None, seeds=2):
    futures = values.shape[1]
    clusters = np.repeat(np.arange(futures // seeds), seeds)
    w = winners(values)
    leader = int(np.argmax(w.mean(axis=1)))
    return assess_objective(values, w, leader, NAMES, 1.0, clusters, width, mde)


def test_a_leader_winning_every_future_is_precise_once_there_are_enough_draws():
    rng = np.random.default_rng(0)
    for draws, status in ((10, OPEN), (40, PRECISE)):
        others = rng.normal(0.0, 1.0, (2, 2 * draws))
        values = np.vstack([others.max(axis=0) + 1.0, others])
        s = _assess(values)
        assert s["leader"] == "a" and s["p_best"] == 1.0 and s["status"] == status
    assert "known to +/- 5 points" in describe(s)


def test_options_equal_on_average_are_indistinguishable_once_the_mde_is_reached():
    """b and c equal a on average (paired noise sd 1): with 200 draws x 2 seeds the MDE
    of each difference is about 2.8 x 1 / sqrt(400) = 0.14."""
    rng = np.random.default_rng(1)
    common = rng.normal(10.0, 5.0, 400)
    values = common + rng.normal(0.0, 1 / np.sqrt(2), (3, 400))
    # (400 futures know P(best) = 1/3 to +/- 4.6 points: ask for 2, which they do not)
    loose = _assess(values, width=0.02, mde=0.5)
    assert loose["status"] == INDISTINGUISHABLE
    assert {c["option"] for c in loose["contenders"]} == {"b", "c"}
    assert all(0.1 < c["mde"] < 0.2 for c in loose["contenders"])
    assert "indistinguishable from" in describe(loose) and "0.5" in describe(loose)
    assert _assess(values, 0.02, mde=0.05)["status"] == OPEN  # below what 400 futures see
    assert _assess(values, 0.02)["status"] == OPEN  # no mde: only P(best)'s width settles it
    assert _assess(values, 0.05)["status"] == PRECISE


def test_a_leader_better_than_every_other_with_an_uncertain_p_best_stays_open():
    """a beats b and c by 0.3 on average (significant) but wins only ~60 % of futures:
    neither criterion holds, so more runs are needed for P(best)."""
    rng = np.random.default_rng(2)
    common = rng.normal(0.0, 1.0, 200)
    values = common + np.array([[0.3], [0.0], [0.0]]) + rng.normal(0.0, 1.0, (3, 200))
    s = _assess(values, mde=1.0)
    assert s["contenders"] == [] and s["status"] == OPEN


def test_the_budget_stops_before_a_batch_that_would_pass_it():
    rule = StopRule(max_runs=100, max_minutes=10.0)
    assert over_budget(rule, 60, 40, 1.0, 1.0) is None
    assert "run budget" in over_budget(rule, 80, 40, 1.0, 1.0)
    assert "time budget" in over_budget(rule, 20, 40, 9.5, 1.0)
    assert over_budget(StopRule(max_runs=None, max_minutes=None), 10**9, 40, 1e9, 1e9) is None


def test_settled_needs_every_objective():
    assert settled([{"status": PRECISE}, {"status": INDISTINGUISHABLE}])
    assert not settled([{"status": PRECISE}, {"status": OPEN}])
    assert not settled([])


def test_equality_is_not_declared_on_a_pilot_of_too_few_draws():
    """A standard error from 8 draws is itself uncertain by ~27 %: equal at the MDE needs
    MIN_DRAWS draws, however small the MDE computed from fewer."""
    from abm.decide.sequential import MIN_DRAWS

    rng = np.random.default_rng(4)
    for draws, status in ((MIN_DRAWS // 2, OPEN), (MIN_DRAWS, INDISTINGUISHABLE)):
        common = rng.normal(10.0, 5.0, 2 * draws)
        values = common + rng.normal(0.0, 0.01, (3, 2 * draws))
        assert _assess(values, width=0.01, mde=1.0)["status"] == status
