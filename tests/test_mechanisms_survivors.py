"""Fast tests of the location choice's congestion and compute terms, as functions.

Issue 21 named four mechanisms whose removal left every fast test green. Compute's effect
on innovation and knowledge spillover are pinned in test_mechanisms_channels.py through
the innovation block; so are the congestion term and the value of public compute there,
through the model's ``location_terms`` and ``ComputeMarket.access_value``. Removing the
compute term from :func:`abm.location.utilities` (which every location choice calls:
entrants, movers, branches, recruits, funds) still left them green, and the tightness
itself was only read through a model. The tests below pin both rules on hand-set arrays:
the sign and the size the mechanism implies, so that dropping or altering it fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from abm import location
from abm.rules import labour
from abm.schema import Location


def test_tightness_is_demand_over_demand_and_pool():
    demand = np.array([0.0, 5.0, 5.0, 3.0, 0.0])
    pool = np.array([4.0, 5.0, 0.0, 1.0, 0.0])
    assert labour.tightness(demand, pool).tolist() == [0.0, 0.5, 1.0, 0.75, 0.0]


def test_tightness_rises_with_demand_and_falls_with_the_pool():
    demand = np.linspace(0.0, 10.0, 11)
    tight = labour.tightness(demand, np.full(11, 5.0))
    assert (np.diff(tight) > 0).all()
    slack = labour.tightness(np.full(11, 5.0), demand + 1.0)
    assert (np.diff(slack) < 0).all()


def test_compute_term_adds_weight_times_intensity_times_value():
    weight = Location().compute_weight
    assert weight > 0
    base = np.array([0.2, -0.1, 0.0])
    taste = np.array([[0.0, 0.3, 0.0], [0.1, 0.0, 0.0], [0.0, 0.0, 0.0]])
    intensity = np.array([0.0, 0.5, 1.0])
    value = np.array([0.8, 0.4, 0.0])  # the compute a firm reaches: site, near, far
    u = location.utilities(base, taste, intensity, value, weight)
    assert u.shape == (3, 3)
    # a firm that needs no compute weighs the regions by the shared terms and its taste only
    assert u[0].tolist() == pytest.approx((base + taste[0]).tolist())
    # the others gain weight x intensity x value in each region, more where compute is nearer
    gain = u - (base[None, :] + taste)
    np.testing.assert_allclose(gain, weight * np.outer(intensity, value), atol=1e-12)
    assert (np.diff(gain[2]) < 0).all()


def test_compute_intensive_entrants_choose_the_region_near_public_compute():
    weight = Location().compute_weight
    base = np.array([0.0, 0.0, 0.5 * weight])  # the far region is otherwise a little better
    value = np.array([1.0, 0.2, 0.0])
    intensity = np.array([0.0, 1.0])
    u = location.utilities(base, np.zeros((2, 3)), intensity, value, weight)
    assert location.choose(u, 0.0, np.zeros(2)).tolist() == [2, 0]
    # by the logit, the intensive firm's odds of the site over the far region are
    # exp((weight x 1.0 - 0.5 weight) / temperature), the other firm's exp(-0.5 weight / tau)
    tau = 0.5
    u_many = np.tile(u, (20000, 1))  # rows alternate: firm 0, firm 1, ...
    picks = location.choose(u_many, tau, np.random.default_rng(3).random(len(u_many)))
    for firm, gap in [(0, -0.5 * weight), (1, 0.5 * weight)]:
        p = np.exp((u[firm] - u[firm].max()) / tau)
        p /= p.sum()
        got = np.bincount(picks[firm::2], minlength=3) / 20000
        assert got == pytest.approx(p, abs=0.015)
        assert np.log(p[0] / p[2]) == pytest.approx(gap / tau)
