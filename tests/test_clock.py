"""One clock: every rule and log reads ``model.month`` (issue 19). Ties are stamped, and the
lock-in streak logged, with the month they happen in; the initial ties with the initial
state's month (-1), so tie ages, and every output, are what they were under Mesa's steps."""

from __future__ import annotations

from abm.model import RegionalModel
from tests.conftest import small


def test_ties_are_stamped_with_the_month_they_form_or_renew_in():
    model = RegionalModel(small("baseline", firms=300, steps=4), rng=2)
    assert model.network.n_edges > 0
    assert set(model.network.last.tolist()) == {model.month} == {-1}  # the initial state
    for month in range(4):
        model.step()
        assert model.month == month
        assert model.network.last.max() == month  # formed or renewed this month


def test_the_lock_in_streak_is_logged_in_months():
    model = RegionalModel(small("baseline", firms=400, steps=24), rng=5)
    switched = 0
    for _ in range(24):
        model.step()
        since = model.recorder.streak_since
        assert since <= model.month
        switched += since == model.month  # entrants switched region this month
    assert switched > 0
