"""The location-choice estimator (abm/calibrate/auxiliary.py) and the targets that use it:
it recovers known coefficients, the new targets are parsed and computed on a history run
through the calibration's own keep/extract path, and its agglomeration elasticity rises with
the model's agglomeration strength."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from abm.calibrate import auxiliary
from abm.calibrate.check import keep_for
from abm.calibrate.targets import TargetsError, load_targets
from abm.run import run_scenario
from abm.scenario import load_scenario
from abm.sweep.model import extract, outputs_read
from tests import doc_blocks
from tests.calibrate.calib_helpers import ROOT

HISTORY = ROOT / "scenarios" / "history.toml"
TRUE_SLOPES = np.array([0.8, 2.0, -3.0])
TRUE_CONSTANTS = np.array([0.0, -1.0, -1.5, -1.2, 0.5])


def _synthetic(rng: np.random.Generator, per_month: int = 400, months: int = 84):
    """Entrants drawn from a conditional logit with region constants (5 regions): one log
    regressor and two shares, as the model's panel has."""
    regions = len(TRUE_CONSTANTS)
    x = np.stack(
        [
            np.log1p(rng.uniform(100, 20000, (months, regions))),
            rng.uniform(0, 0.3, (months, regions)),
            rng.uniform(0, 0.3, (months, regions)),
        ],
        axis=2,
    )
    eta = TRUE_CONSTANTS[None, :] + x @ TRUE_SLOPES
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    counts = np.stack([rng.multinomial(per_month, p[t]) for t in range(months)])
    return counts, x


def test_the_estimator_recovers_known_coefficients_and_their_standard_errors():
    """Fixed seed: one large sample lands within 0.05 of every slope and 0.05 of every
    constant; over 60 samples of a replay's size the 95 % intervals cover the truth in
    90-99 % of cases (the standard errors are right, not only the point)."""
    rng = np.random.default_rng(20190101)
    counts, x = _synthetic(rng, per_month=20000)
    fit = auxiliary.conditional_logit(counts, x)
    assert fit.converged
    np.testing.assert_allclose(fit.coef, TRUE_SLOPES, atol=0.05)
    np.testing.assert_allclose(fit.constants, TRUE_CONSTANTS, atol=0.05)
    covered = []
    for _ in range(60):
        counts, x = _synthetic(rng)
        fit = auxiliary.conditional_logit(counts, x)
        covered.append(np.abs(fit.coef - TRUE_SLOPES) < 1.96 * fit.se)
    share = np.mean(covered)
    assert 0.90 <= share <= 0.99, share


def test_without_region_constants_the_estimate_is_biased():
    """The constants matter: the same data without them give a slope far from the truth (the
    model's backed-out amenities are such constants, so the auxiliary model keeps them)."""
    rng = np.random.default_rng(7)
    counts, x = _synthetic(rng, per_month=20000)
    # make the log regressor correlate with the constants, as firm counts do with amenities
    x[:, :, 0] += TRUE_CONSTANTS[None, :] * 2.0
    eta = TRUE_CONSTANTS[None, :] + x @ TRUE_SLOPES
    p = np.exp(eta - eta.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    counts = np.stack([rng.multinomial(20000, row) for row in p])
    with_constants = auxiliary.conditional_logit(counts, x)
    without = auxiliary.conditional_logit(counts, x, constants=False)
    assert abs(with_constants.coef[0] - TRUE_SLOPES[0]) < 0.05
    assert abs(without.coef[0] - TRUE_SLOPES[0]) > 0.2


def _new_targets():
    """The shipped targets this work added, as the calibration reads them."""
    shipped = load_targets(ROOT / "calibration" / "targets.toml")
    ids = (
        "location_incentive_elasticity",
        "ai_staff_shortage_rate_2023",
        "ai_firms_short_of_staff_2020",
        "ai_firms_short_of_staff_2023",
        "capital_share_band_1995_2021",
    )
    return [shipped.get(i) for i in ids]


def test_the_shipped_location_targets_parse_with_their_fields():
    incentive, rate, short20, short23, band = _new_targets()
    assert (incentive.statistic, incentive.covariate) == ("location_logit", "incentives")
    assert incentive.region_outputs == auxiliary.REGION_OUTPUTS
    assert math.isclose(rate.observed, 8579 / (51425 + 8579), abs_tol=5e-4)
    assert (short20.observed, short23.observed) == (0.488, 0.819)
    assert band.statistic == "band_exit" and band.band == (0.72, 0.788)
    assert band.observed == 0.0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"statistic": "location_logit"}, "covariate"),
        ({"statistic": "location_logit", "covariate": "weather"}, "covariate"),
        ({"statistic": "band_exit"}, "band"),
        ({"statistic": "band_exit", "band": [0.8, 0.7]}, "band"),
    ],
)
def test_bad_location_targets_name_the_field(fields, field):
    base = {
        "observed": 0.0,
        "unit": "share",
        "date": "2020-12",
        "output": "capital_share",
        "scope": "model",
        "uncertainty": {"sd": 0.01},
        "definition": "d",
        "source": "s",
    }
    with pytest.raises(TargetsError) as err:
        load_targets({"targets": {"t": base | fields}})
    assert f"targets.t.{field}" in str(err.value)


def _statistics(targets, overrides: dict, seed: int, steps: int) -> dict[str, float]:
    """The targets' statistics of one run, kept and extracted as a calibration batch does."""
    scenario = load_scenario(HISTORY).with_overrides(overrides)
    keep = keep_for(targets)
    result = run_scenario(scenario, seed=seed, steps=steps, outputs=outputs_read(keep))
    kept = extract(result, keep)
    return {t.id: t.compute(kept.steps, kept.series, scenario.start) for t in targets}


def test_the_new_targets_are_computed_on_a_short_history_run():
    """Two years of the replay at 500 agents, the shipped targets moved into that window:
    every statistic is finite and in its range, through the calibration's keep_for/extract."""
    short = []
    for t in _new_targets():
        fields = {
            k: v
            for k, v in t.__dict__.items()
            if k not in ("id", "sd", "uncertainty_note", "mark") and v is not None
        }
        fields |= {"start": "2019-06", "date": "2020-12", "uncertainty": {"sd": t.sd}}
        fields["band"] = list(t.band) if t.band else None
        short.append(load_targets({"targets": {t.id: _clean(fields)}}).get(t.id))
    stats = _statistics(short, {"population.firms": 500}, seed=3, steps=24)
    assert all(math.isfinite(v) for v in stats.values()), stats
    assert 0.0 <= stats["ai_staff_shortage_rate_2023"] <= 1.0
    assert 0.0 <= stats["ai_firms_short_of_staff_2023"] <= 1.0
    assert stats["capital_share_band_1995_2021"] >= 0.0


def _clean(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if v is not None and v != ""}


def test_the_agglomeration_elasticity_rises_with_agglomeration_strength():
    """Paired seeds, 2,000 agents (an approximation), the 2019-2025 replay: raising
    params.agglomeration.strength from 0.1 to 0.5 (its prior range) raises the estimated
    elasticity of entrants to the firms already there in every pair (measured: +0.5 to +0.8
    for seeds 1-4; the logit's own slope moves by 0.8 = 0.4 / temperature 0.5)."""
    target = load_targets(
        {
            "targets": {
                "agglomeration": {
                    "observed": 0.0,
                    "unit": "elasticity",
                    "date": "2025-12",
                    "start": "2019-01",
                    "statistic": "location_logit",
                    "covariate": "agglomeration",
                    "output": "outside_entries",
                    "scope": "model",
                    "uncertainty": {"sd": 1.0},
                    "definition": "d",
                    "source": "s",
                }
            }
        }
    ).get("agglomeration")
    gaps = []
    for seed in range(1, 5):
        low, high = (
            # at the temperature the strength's prior was bounded at (the slope reads
            # strength / temperature, and the calibrated temperature would halve it)
            _statistics(
                [target],
                {"params.agglomeration.strength": s, "params.location.temperature": 0.5},
                seed,
                84,
            )["agglomeration"]
            for s in (0.1, 0.5)
        )
        gaps.append(high - low)
    gaps = np.array(gaps)
    assert np.all(gaps > 0), gaps
    assert gaps.mean() / (gaps.std(ddof=1) / 2) > 2.0, gaps


def test_the_band_exit_is_the_largest_distance_outside_the_band():
    target = load_targets(
        {
            "targets": {
                "b": {
                    "observed": 0.0,
                    "unit": "share",
                    "date": "2025-03",
                    "start": "2025-01",
                    "statistic": "band_exit",
                    "band": [0.72, 0.79],
                    "output": "capital_share",
                    "scope": "model",
                    "uncertainty": {"sd": 0.01},
                    "definition": "d",
                    "source": "s",
                }
            }
        }
    ).get("b")
    steps = np.arange(5)
    inside = {"capital_share": np.array([0.5, 0.75, 0.78, 0.76, 0.9])}
    assert target.compute(steps, inside, dt.date(2025, 1, 1)) == 0.0
    out = {"capital_share": np.array([0.75, 0.75, 0.70, 0.80, 0.75])}
    assert math.isclose(target.compute(steps, out, dt.date(2025, 1, 1)), 0.02)


def test_the_shortage_outputs_record_unmet_hiring():
    """The outputs the tightness targets read: with firms that want to grow fast and a fixed
    labour supply, hiring goes unfilled (shortage rate and share of short firms > 0, tightness
    near 1); outside entrants by region add up to the model's and never exceed all entries."""
    scenario = load_scenario(HISTORY).with_overrides(
        {
            "population.firms": 500,
            "params.firm.growth_rate": 0.2,
            "params.talent.inflow_elasticity": 0.0,
        }
    )
    result = run_scenario(scenario, seed=1, steps=12)
    model, regions = result.model, result.regions
    assert model["unfilled"].iloc[-1] > 0
    assert 0 < model["shortage_rate"].iloc[-1] < 1
    assert model["short_share"].iloc[-1] > 0
    assert regions.loc[regions["step"] == 12, "tightness"].min() > 0.5
    by_step = regions.groupby("step")["outside_entries"].sum()
    np.testing.assert_allclose(by_step.to_numpy(), model["outside_entries"].to_numpy())
    assert (model["outside_entries"] <= model["entries"] + 1e-9).all()


@pytest.mark.slow
def test_the_docs_table_of_location_targets_is_what_the_script_prints():
    """docs/calibration.md shows scripts/location_targets.py's table at its defaults."""
    script = doc_blocks.script("location_targets")
    chosen = script.targets()
    results = [script.run(seed, script.FIRMS, chosen) for seed in script.SEEDS]
    found = doc_blocks.block("docs/calibration.md", script.BLOCK)
    assert found.command == script.COMMAND
    assert found.text == script.table(chosen, results), (
        "docs/calibration.md is out of date: run `.venv/bin/python scripts/location_targets.py "
        "--write`"
    )


def test_the_docs_table_of_location_targets_adds_up():
    """Fast: each printed z is (model mean - observed) / sd of the same row, within the
    printing's rounding, and the observed values and sds are the shipped targets'."""
    shipped = load_targets(ROOT / "calibration" / "targets.toml")
    rows = doc_blocks.block("docs/calibration.md", "location-targets").rows()
    assert len(rows) == 8
    for cells in rows:
        if cells[2] == "none read":
            assert cells[6] == ""
            continue
        target = shipped.get(cells[0].strip("`"))
        observed, sd, mean = (doc_blocks.number(c) for c in cells[2:5])
        assert observed.agrees(target.observed) and sd.agrees(target.sd), cells
        z = doc_blocks.number(cells[6])
        low = (mean.value - mean.slack - observed.value) / sd.value
        high = (mean.value + mean.slack - observed.value) / sd.value
        assert low - z.slack - 1e-9 <= z.value <= high + z.slack + 1e-9, cells
