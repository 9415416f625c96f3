"""Targets: each statistic computed as documented, validation of targets files, the shipped file."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from abm.calibrate.targets import TargetsError, load_targets
from abm.outputs import names

ROOT_TARGETS = "calibration/targets.toml"
START = dt.date(2025, 1, 1)


def _target(**fields):
    base = {
        "observed": 1.0,
        "unit": "firms",
        "date": "2025-12",
        "output": "firms",
        "scope": "model",
        "uncertainty": {"sd": 1.0},
        "definition": "d",
        "source": "s",
    }
    return load_targets({"targets": {"t": base | fields}}).get("t")


# steps 0..24: step s is the month START + s - 1 (step 0 = 2024-12)
STEPS = np.arange(25)
SERIES = {
    "firms": 100.0 + 10 * STEPS,
    "entries": np.full(25, 2.0),
    "firms.gwangju": np.full(25, 5.0),
    "firms.suseong_alpha_city": np.full(25, 7.0),
}


def test_value_reads_the_month_of_date():
    t = _target(date="2025-03")
    assert t.compute(STEPS, SERIES, START) == 100 + 10 * 3


def test_mean_and_cumulative_cover_start_to_date():
    assert _target(statistic="mean", start="2025-01", date="2025-03").compute(
        STEPS, SERIES, START
    ) == pytest.approx(np.mean([110, 120, 130]))
    t = _target(statistic="cumulative", output="entries", start="2025-01", date="2025-12")
    assert t.compute(STEPS, SERIES, START) == 24.0


def test_annual_rate_divides_the_years_flow_by_the_mean_stock():
    t = _target(statistic="annual_rate", output="entries", denominator="firms", date="2025-12")
    assert t.compute(STEPS, SERIES, START) == pytest.approx(24 / np.mean(100 + 10 * STEPS[1:13]))


def test_growth_is_annualised_from_the_month_before_start():
    t = _target(statistic="growth", start="2025-01", date="2025-12")
    assert t.compute(STEPS, SERIES, START) == pytest.approx(220 / 100 - 1)


def test_region_targets_read_the_region_column():
    t = _target(scope="region", region="gwangju", date="2025-06")
    assert t.column == "firms.gwangju" and t.compute(STEPS, SERIES, START) == 5.0


def test_district_targets_read_the_district_column():
    t = _target(scope="district", district="suseong_alpha_city", date="2025-06")
    assert t.column == "firms.suseong_alpha_city" and t.compute(STEPS, SERIES, START) == 7.0


def test_a_district_the_scenario_lacks_is_left_out_with_a_reason():
    ts = load_targets({"targets": {"d": _raw(scope="district", district="pangyo")}})
    used, skipped = ts.split(START, 24, ["capital"], ["suseong_alpha_city"])
    assert not used and "district 'pangyo' is not in the scenario" in skipped["d"]
    used, _ = ts.split(START, 24, ["capital"], ["pangyo"])
    assert [t.id for t in used] == ["d"]


def test_targets_outside_the_run_or_not_modelled_are_left_out_with_a_reason():
    ts = load_targets(
        {
            "targets": {
                "early": _raw(date="2019-12"),
                "district": _raw(scope="district", district="suseong_alpha_city", requires="mous"),
                "kept": _raw(date="2025-06", use=False, note="conflict"),
                "ok": _raw(date="2025-06"),
            }
        }
    )
    used, skipped = ts.split(START, 24, ["capital", "gwangju"])
    assert [t.id for t in used] == ["ok"]
    assert "outside the simulated period" in skipped["early"]
    assert "requires mous" in skipped["district"]
    assert "use = false" in skipped["kept"]


def _raw(**fields):
    return {
        "observed": 1.0,
        "unit": "u",
        "date": "2025-12",
        "output": "firms",
        "scope": "model",
        "uncertainty": {"relative": 0.1},
        "definition": "d",
        "source": "s",
    } | fields


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"observed": "many"}, "targets.t.observed", "expected a number"),
        ({"date": "2021"}, "targets.t.date", "YYYY-MM"),
        ({"statistic": "median"}, "targets.t.statistic", "expected one of"),
        ({"output": "unicorns"}, "targets.t.output", "abm/outputs.py"),
        ({"scope": "district", "district": "x", "output": "hhi"}, "targets.t.output", "district"),
        ({"uncertainty": {"sd": 1, "relative": 0.1}}, "targets.t.uncertainty", "exactly one"),
        ({"uncertainty": {"sd": -1}}, "targets.t.uncertainty.sd", "expected a number in (0,"),
        ({"uncertainty": {"sd": 1, "mean": 2}}, "targets.t.uncertainty.mean", "relative, sd, why"),
        (
            {"uncertainty": {"relative": 0.1}, "observed": 0},
            "targets.t.uncertainty.relative",
            "non-zero",
        ),
        ({"statistic": "annual_rate"}, "targets.t.denominator", "statistic annual_rate needs"),
        ({"statistic": "growth"}, "targets.t.start", 'statistic growth needs start = "YYYY-MM"'),
        ({"statistic": "mean", "start": "2026-01"}, "targets.t.start", "not be after date"),
        ({"scope": "district"}, "targets.t.district", "scope district needs district ="),
        ({"colour": "red"}, "targets.t.colour", "unknown field"),
        ({"scope": "region"}, "targets.t.region", 'scope region needs region = "<region id>"'),
    ],
)
def test_malformed_targets_name_the_field(fields, field, words):
    with pytest.raises(TargetsError) as info:
        load_targets({"targets": {"t": _raw(**fields)}}, "f.toml")
    problems = [str(p) for p in info.value.problems]
    assert any(p.startswith(f"f.toml: {field}: ") and words in p for p in problems), problems


def test_missing_fields_are_named():
    with pytest.raises(TargetsError) as info:
        load_targets({"targets": {"t": {"observed": 1.0}}}, "f.toml")
    fields = {p.field for p in info.value.problems}
    assert {"targets.t.source", "targets.t.uncertainty", "targets.t.date"} <= fields


def test_the_shipped_targets_file_loads_and_maps_to_declared_outputs():
    ts = load_targets(ROOT_TARGETS)
    assert len(ts) >= 25
    for t in ts:
        assert t.source and t.definition and t.sd > 0 and math.isfinite(t.observed)
        if not t.requires:
            assert t.output in names(t.scope), t.id
    ids = {t.id for t in ts}
    # what the issue asks for, MOU and realised kept apart, the 71 vs 114 conflict visible
    for needed in (
        "alpha_city_firms_2019",
        "alpha_city_firms_2021",
        "alpha_city_firms_2021_71",
        "alpha_city_firms_2023_02",
        "gwangju_realised_2020_11",
        "gwangju_realised_2021_07",
        "gwangju_mou_2020_11",
        "nadc_oversubscription_2025",
        "capital_share_sw_2016",
        "capital_share_sw_2021",
    ):
        assert needed in ids, needed
    assert ts.get("alpha_city_firms_2021_71").conflicts_with == "alpha_city_firms_2021"
    assert ts.get("gwangju_realised_2020_11").observed == 32
    assert ts.get("gwangju_realised_2021_07").observed == 61
    assert ts.get("nadc_oversubscription_2025").observed == 2.69
    # the history replay compares districts, 1-year survival and the recruited set-ups
    start = dt.date(2019, 1, 1)
    used, skipped = ts.split(start, 84, ["capital", "gwangju"], ["suseong_alpha_city"])
    assert {"alpha_city_firms_2019", "survival_1y_2021"} <= {t.id for t in used}
    assert "gwangju_realised_2021_07" in {t.id for t in used}
    assert "requires" in skipped["gwangju_mou_2020_11"]
