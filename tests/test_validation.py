"""Validation against the anchor models (slow: many seeds; runs in CI).

* Arthur (1990): unbounded agglomeration returns lock one region in with probability -> 1;
  a cap below the preference gap means no lock-in and shares follow preferences.
* Arthur's spin-off model: a Pólya urn; from (1, 1) the final share is Uniform(0, 1).
* Mechanisms over seeds against the baseline: the center's site pulls compute use and firms;
  triadic closure raises clustering (Cowan, Jonard & Zimmermann 2007); universities raise
  innovation (Ahrweiler, Pyka & Gilbert 2011).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from abm.model import RegionalModel
from abm.run import run_scenario
from abm.scenario import load_scenario
from tests.conftest import FUTURE, SCENARIOS, small

pytestmark = pytest.mark.slow

ARTHUR = SCENARIOS / "validation" / "arthur_1990.toml"
POLYA = SCENARIOS / "validation" / "polya_spinoff.toml"


def _entry_logs(scenario, seeds: range) -> list[np.ndarray]:
    logs = []
    for seed in seeds:
        model = RegionalModel(scenario, rng=seed)
        for _ in range(scenario.steps):
            model.step()
        logs.append(np.array(model.entry_log))
    return logs


def _absorbed_at(log: np.ndarray, strength: float, bonus: float) -> int | None:
    """First entrant after which g's gap exceeds every taste: all later entrants follow."""
    gap = np.cumsum(np.where(log == 0, 1, -1))
    hit = np.flatnonzero(np.abs(gap) * strength > bonus)
    return int(hit[0]) + 1 if len(hit) else None


def test_arthur_unbounded_returns_lock_in_with_probability_tending_to_one():
    scenario = load_scenario(ARTHUR)
    p = scenario.params
    logs = _entry_logs(scenario, range(60))
    absorbed = [_absorbed_at(log, p.agglomeration.strength, p.location.type_bonus) for log in logs]
    for log, at in zip(logs, absorbed, strict=True):
        if at is not None:  # lock-in is real: every later entrant joins the leader
            assert (log[at:] == log[at - 1]).all()
    share = {n: np.mean([a is not None and a <= n for a in absorbed]) for n in (25, 100, 400)}
    assert share[25] < share[100] < share[400]
    assert share[400] >= 0.9
    locked = [run for run in logs if (run[-100:] == run[-1]).all()]
    assert len(locked) / len(logs) >= 0.9


def test_arthur_cap_below_preference_gap_means_no_lock_in():
    scenario = load_scenario(ARTHUR, {"params.agglomeration.cap": 0.5})
    logs = _entry_logs(scenario, range(30))
    shares = np.array([np.mean(log == 0) for log in logs])
    longest = [
        max(len(run) for run in np.split(log, np.flatnonzero(np.diff(log)) + 1)) for log in logs
    ]
    assert max(longest) < 40  # entrants keep following their own type
    assert shares.mean() == pytest.approx(0.5, abs=0.03)  # types are half and half
    assert np.all(np.abs(shares - 0.5) < 0.1)


def test_polya_spinoff_shares_are_uniform():
    scenario = load_scenario(POLYA, {"scenario.steps": 200})
    finals = []
    for seed in range(150):
        model = RegionalModel(scenario, rng=seed)
        for _ in range(scenario.steps):
            model.step()
        counts = model.region_firm_counts()
        finals.append(counts[0] / counts.sum())
    finals = np.array(finals)
    assert stats.kstest(finals, "uniform").pvalue > 0.01
    assert np.var(finals) == pytest.approx(1 / 12, rel=0.3)  # not concentrated near 0.5


def _mean_over_seeds(name: str, seeds: int = 4, **overrides) -> dict[str, float]:
    rows = []
    for seed in range(seeds):
        result = run_scenario(small(name, firms=1000, steps=132, **(FUTURE | overrides)), seed=seed)
        regions = result.regions
        used = regions.groupby("region")["compute_effective"].sum()
        rows.append(
            {
                "compute_daegu": used["daegu"],
                "compute_gwangju": used["gwangju"],
                "share_daegu": result.summary["firm_share"]["daegu"],
                "share_gwangju": result.summary["firm_share"]["gwangju"],
                "share_non_capital": 1.0 - result.summary["final"]["capital_share"],
                "clustering": result.model["clustering"].iloc[-1],
                "innovations": result.model["innovations_cum"].iloc[-1],
            }
        )
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def test_moving_the_center_moves_compute_use_and_firms_toward_its_site():
    """Compute use follows the site."""
    base = _mean_over_seeds("baseline")
    daegu = _mean_over_seeds("nacc_daegu")
    gwangju = _mean_over_seeds("nacc_gwangju")
    assert daegu["compute_daegu"] > 1.1 * base["compute_daegu"]
    # Not asserted for Gwangju against the baseline: its NADC and the government GPUs of
    # 2026 already meet its need at the calibrated gpu_per_employee (0.023), so a second
    # center there adds ~0 (measured: -0.6 %); GPUs matter only where they are scarce.
    # Firms: 4 seeds cannot show the center's pull on non-capital firms (~1.7 points of share
    # with a paired sd of ~3 points); the paired test over 8 seeds is in test_levers_stats.py
    # (test_haenam_hosts_a_measurable_effect), and docs/ODD.md section 11 gives 20 seeds.
    assert daegu["compute_daegu"] > gwangju["compute_daegu"]
    # Not asserted: Gwangju's compute under a Daegu center against under a Gwangju one. A
    # Daegu center draws users away from Gwangju's NADC, which then serves Gwangju almost
    # alone; which effect wins depends on the access parameters (to be calibrated to the
    # NADC's 62.4 % local share of projects in 2021, etnews 2022-02-02).


def test_more_triadic_closure_raises_clustering():
    low = _mean_over_seeds("baseline", seeds=2, **{"params.network.triadic_weight": 0.0})
    high = _mean_over_seeds("baseline", seeds=2, **{"params.network.triadic_weight": 0.8})
    assert high["clustering"] > 2 * low["clustering"]


def test_without_universities_innovation_falls():
    with_unis = _mean_over_seeds("baseline")
    without = _mean_over_seeds("baseline", **{"params.switches.universities": False})
    assert without["innovations"] < 0.95 * with_unis["innovations"]
