"""The levers' effects over paired seeds (slow: many full runs; runs in CI).

Runs are paired: option A and option B share a seed, so the seed's own luck cancels in the
difference. Each test states what it can detect.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from abm.run import run_scenario
from abm.scenario import load_scenario
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.slow

BASE = SCENARIOS / "baseline.toml"


def _final(path, seeds, metric="firm_share", region=None, **overrides) -> np.ndarray:
    scenario = load_scenario(path, overrides)
    out = []
    for seed in seeds:
        summary = run_scenario(scenario, seed=seed).summary
        out.append(summary[metric][region] if region else summary["final"][metric])
    return np.array(out)


def test_a_subsidy_rate_attracts_firms_only_with_money_behind_it():
    """Daegu at 50 % against 4 %: < 1 point with no budget, > 1 point with an ample one.

    6 paired seeds; the paired sd of the difference is ~3.5 points with money, so the
    test detects an effect of 1 point with the ample budget only if it is much larger,
    which it is (~13 points); with no budget the runs are identical (no draw depends on
    a rate that pays nothing).
    """
    seeds = range(1, 7)
    for budget, check in ((0.0, "none"), (1e13, "some")):
        low, high = (
            _final(
                BASE,
                seeds,
                region="daegu",
                **{
                    "regions.daegu.incentives.budget_krw_per_year": budget,
                    "regions.daegu.incentives.subsidy_rate": rate,
                },
            )
            for rate in (0.04, 0.5)
        )
        diff = high - low
        if check == "none":
            assert abs(diff.mean()) < 0.01
        else:
            assert diff.mean() > 0.01
            assert stats.ttest_1samp(diff, 0.0).pvalue < 0.01


def test_two_half_centers_at_one_site_act_like_one_full_center():
    seeds = range(1, 7)
    one = _final(SCENARIOS / "nacc_daegu.toml", seeds, region="daegu")
    two = _final(
        SCENARIOS / "nacc_split.toml",
        seeds,
        region="daegu",
        **{"centers.nacc_b.site": "daegu", "centers.nacc_b.district": "suseong_alpha_city"},
    )
    assert abs((two - one).mean()) < 0.01


@pytest.mark.xfail(
    strict=True,
    reason="known defect since the refit of 2026-12-08: at the new posterior medians Daegu holds "
    "2.66 % of firms in 2035 at 1,000 agents against 2.26 % at 4,000 (p = 3.3e-5; the other "
    "regions pass). Daegu's Alpha City (44 firms in 2019: 1.8 agents at 1,000) has a pull of "
    "1.16 now (0.81 before); the district's quantisation is the first suspect. Strict: the day "
    "it passes, this mark must go",
)
def test_every_region_s_share_is_the_same_at_1000_and_4000_agents():
    """Real units everywhere: the agent count must not move results beyond seed noise.

    20 seeds at each size (independent samples). Per region, a Mann-Whitney test at
    0.01 / 5 regions and the difference of means within 1.5 points. It caught the old
    per-agent agglomeration (Jeonnam 0.46 % vs 0.07 %, p = 0.002 at 10 seeds) and the
    districts' on/off switch at one agent's worth of free lots (capital 87.8 % vs 89.4 %,
    Jeonnam 1.11 % vs 0.84 %, rest 7.6 % vs 6.6 %: p = 0.0016-0.0028 at 20 seeds). With
    the free-space weighting, at the refitted parameters, the largest difference is
    Gwangju's 0.11 points (p = 0.039). From 2026-12-07 it failed on Gwangju (3.0 % at 1,000
    agents against 2.6 % at 4,000, p = 0.0006; the gap went with the labour inflow off or a
    budget that never binds) and was marked a known defect; it passes again since the
    market price moves by default and its level enters entry (2026-12-08), without the cause
    of the gap having been found. After the refit of 2026-12-08 it fails on Daegu (see the
    mark).
    """
    path = SCENARIOS / "nacc_haenam.toml"  # 2025-2035, the period the power was stated for
    small = [_final_all(path, 1000, s) for s in range(1, 21)]
    large = [_final_all(path, 4000, s) for s in range(101, 121)]
    for region in small[0]:
        a = np.array([r[region] for r in small])
        b = np.array([r[region] for r in large])
        p = stats.mannwhitneyu(a, b).pvalue
        assert p > 0.01 / len(small[0]), (region, a.mean(), b.mean(), p)
        assert abs(a.mean() - b.mean()) < 0.015, region


def _final_all(path, firms: int, seed: int) -> dict:
    scenario = load_scenario(
        path, {"population.firms": firms, "scenario.start": "2025-01", "scenario.steps": 132}
    )
    return run_scenario(scenario, seed=seed).summary["firm_share"]


DEMOGRAPHY_SEEDS = range(1, 13)


def _yearly_rates(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Years, exits and entries per year over the year's mean firms: one baseline run."""
    m = run_scenario(load_scenario(BASE), seed=seed, outputs=["exits", "entries", "firms"]).model
    m = m[m["step"] > 0].assign(year=[d.year for d in m["date"][m["step"] > 0]])
    g = m.groupby("year")
    firms = g["firms"].mean()
    return (
        firms.index.to_numpy(),
        (g["exits"].sum() / firms).to_numpy(),
        (g["entries"].sum() / firms).to_numpy(),
    )


def test_the_baseline_demography_stays_in_the_sourced_band_every_year():
    """Exits 10.3-15.8 % a year (national death rate 2021; SW start-ups' 5-year closure
    share 57.6 %, i.e. 1 - 0.424 ** (1/5) = 15.8 % a year) and entries 13.6-24.8 % (birth
    rate 2022; ICT + finance 2011), in each year 2026-2035, as the mean of 12 seeds at 2,000
    agents: the mean itself must lie in the band, with no allowance for noise.

    Power: across 12 seeds a year's rate has sd 0.4-0.95 points (measured; the largest year
    0.95). A year whose true exit rate is 0.5 points above the ceiling (16.3 %) gives a
    12-seed mean above 15.8 % with probability Phi(0.5 sqrt(12) / 0.95) = 0.97, and 0.90
    even if the sd were 1.35 (the upper 90 % bound of the sd from 11 degrees of freedom);
    the drift this test missed before (16.7 % in 2035, 0.9 above) is caught with probability
    Phi(3.3) > 0.999. A false alarm needs a 12-seed mean 2.9 sd of the mean away from the
    model's highest year (12.9 %): probability below 1e-9. Every year is checked, so a
    model that leaves the band in any year is caught at least as often as in that year.
    The 2026-2035 least-squares slope of the exit rate must stay below 0.2 points a year
    (its standard error: 0.95 / sqrt(12) / sqrt(82.5) = 0.03 points a year; the old drift
    was +0.4).
    This test passed at 3 seeds with a two-standard-error allowance while 2035 was at 16.7 %
    and fails on that model (before the knowledge catch-up and entrants at today's level).
    """
    runs = [_yearly_rates(seed) for seed in DEMOGRAPHY_SEEDS]
    years = runs[0][0]
    exit_rate = np.mean([r[1] for r in runs], axis=0)
    entry_rate = np.mean([r[2] for r in runs], axis=0)
    future = years >= 2026
    for year, x, e in zip(years[future], exit_rate[future], entry_rate[future], strict=True):
        assert 0.103 <= x <= 0.158, ("exit", year, x)
        assert 0.136 <= e <= 0.248, ("entry", year, e)
    # no decline before the horizon: the exit rate does not trend up over 2026-2035
    slope = np.polyfit(years[future], exit_rate[future], 1)[0]
    assert slope < 0.002, slope


def test_initial_shares_match_the_national_ones():
    scenario = load_scenario(BASE)
    shares = run_scenario(scenario, seed=1, steps=0).summary["firm_share"]
    # 2019-01: 78.0 %, interpolated between 78.8 % (2016) and 77.5 % (2021)
    assert shares["capital"] == pytest.approx(0.780, abs=0.01)
    non_capital = {k: v for k, v in shares.items() if k != "capital"}
    assert sum(non_capital.values()) == pytest.approx(0.220, abs=0.01)


def test_haenam_hosts_a_measurable_effect():
    """The 2026 decision can be evaluated: the center at Haenam raises Jeonnam's share."""
    seeds = range(1, 9)
    base = _final(BASE, seeds, region="jeonnam")
    host = _final(SCENARIOS / "nacc_haenam.toml", seeds, region="jeonnam")
    diff = host - base
    assert diff.mean() > 0
    # the paired differences are skewed (one seed's gain is 15x another's): a signed-rank
    # test, whose smallest two-sided p with 8 seeds is 0.0078 (all gains positive)
    assert stats.wilcoxon(diff).pvalue < 0.05


def test_dawid_2014_a_subsidy_in_the_lagging_region_narrows_the_gap():
    """Dawid, Harting & Neugart (2014): subsidies for investment in the weaker region raise
    its output and lower the stronger region's, so regions converge. Here: Gwangju's
    subsidy at 30 % with an ample budget, paired with the baseline; Gwangju's employment
    share rises and the gap to the capital region narrows."""
    seeds = range(1, 7)
    over = {
        "regions.gwangju.incentives.subsidy_rate": 0.3,
        "regions.gwangju.incentives.budget_krw_per_year": 1e13,
    }

    def employment_shares(**o):
        scenario = load_scenario(BASE, o)
        out = []
        for seed in seeds:
            regions = run_scenario(scenario, seed=seed).summary["final_regions"]
            total = sum(r["employment"] for r in regions.values())
            out.append({k: r["employment"] / total for k, r in regions.items()})
        return out

    base, policy = employment_shares(), employment_shares(**over)
    gw = np.array([p["gwangju"] - b["gwangju"] for p, b in zip(policy, base, strict=True)])
    cap = np.array([p["capital"] - b["capital"] for p, b in zip(policy, base, strict=True)])
    assert gw.mean() > 0 and stats.ttest_1samp(gw, 0.0).pvalue < 0.05
    # the gap between the leading and the lagging region narrows (the capital region's own
    # share moves within seed noise: its labour market is not the one the subsidy draws on)
    assert (cap - gw).mean() < 0
