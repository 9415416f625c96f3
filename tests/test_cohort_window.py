"""The 1-year survival cohort is kept as a running sum: it must equal the direct sum of the
twelve months' entries, every month of a long run with entries and exits."""

from __future__ import annotations

import numpy as np
import pytest

from abm.metrics import CohortWindow, Recorder
from abm.model import RegionalModel
from tests.conftest import FUTURE, small


def _direct(history: dict[int, np.ndarray], month: int) -> np.ndarray | None:
    window = range(month - 23, month - 11)
    if window.start < 0 or any(m not in history for m in window):
        return None
    return np.sum([history[m] for m in window], axis=0)


def test_the_running_sum_is_the_direct_sum_over_two_hundred_months():
    rng = np.random.default_rng(0)
    window, history = CohortWindow(4), {}
    for month in range(-1, 200):
        want = _direct(history, month)
        got = window.born(month)
        assert (got is None) == (want is None), month
        if want is not None:
            assert np.array_equal(got, want), month  # mutant: the leaving month not subtracted
            assert np.array_equal(window.born(month), want)  # asking twice changes nothing
        entries = rng.integers(0, 50, 4)
        history[month] = entries
        window.push(month, entries)
    assert window.born(199) is not None and len(window._inside) == 12


def test_a_gap_in_the_months_leaves_the_cohorts_it_touches_unknown():
    window = CohortWindow(2)
    for month in [*range(0, 10), *range(11, 60)]:  # month 10 was never recorded
        window.push(month, np.ones(2, dtype=np.int64))
    unknown = [m for m in range(23, 60) if window.born(m) is None]
    assert unknown == list(range(23, 23 + 11))  # every window that holds month 10


def test_months_must_come_in_order():
    window = CohortWindow(1)
    window.push(3, np.zeros(1))
    with pytest.raises(ValueError, match="month 3 recorded after month 3"):
        window.push(3, np.zeros(1))


def test_the_recorder_s_cohort_equals_the_direct_sum_through_a_long_run(monkeypatch):
    history: dict[int, np.ndarray] = {}
    checked = []
    record, cohort = Recorder.record, Recorder._cohort

    def record_and_keep(self, model, compute_network):
        record(self, model, compute_network)
        history[model.month] = model.tally.entries.copy()

    def cohort_checked(self, model, firms, region, n):
        born, alive = cohort(self, model, firms, region, n)
        want = _direct(history, model.month)
        np.testing.assert_array_equal(born, np.zeros(n) if want is None else want)
        checked.append(want is not None and want.sum() > 0)
        return born, alive

    monkeypatch.setattr(Recorder, "record", record_and_keep)
    monkeypatch.setattr(Recorder, "_cohort", cohort_checked)
    model = RegionalModel(small("baseline", firms=200, steps=60, **FUTURE), rng=3)
    for _ in range(60):
        model.step()
    frame, _ = model.history()
    assert frame["exits"].sum() > 0 and frame["entries"].sum() > 0
    assert sum(checked) >= 30  # months 23..59 with a cohort that entered
    assert 0.3 < frame["survival_1y"].iloc[-1] < 1.0
