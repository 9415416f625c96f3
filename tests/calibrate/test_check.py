"""The predictive check reads a run's series through the sweep's extraction, and shows targets
of another universe than the model's apart from the table of fitted and compared targets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from calib_helpers import BASELINE

from abm.calibrate.check import keep_for, markdown
from abm.calibrate.targets import TargetsError, load_targets
from abm.run import run_scenario
from abm.scenario import load_scenario
from abm.sweep.model import extract

START = "2025-01"
STEPS = 14


def _every_column(result):
    """What the check read before it used the sweep's extraction: every numeric column of
    the run, wide (``name``, ``name.place``). The oracle the extraction is held to."""
    model = result.model
    cols = {c: model[c].to_numpy(dtype=float) for c in model.columns if c not in ("step", "date")}
    for frame, key in ((result.regions, "region"), (result.districts, "district")):
        if frame is None or not len(frame):
            continue
        for c in frame.columns:
            if c in ("step", "date", "region", "district") or frame[c].dtype == object:
                continue
            wide = frame.pivot(index="step", columns=key, values=c).reindex(model["step"])
            for place in wide.columns:
                cols[f"{c}.{place}"] = wide[place].to_numpy(dtype=float)
    return model["step"].to_numpy(), cols


def _target(**fields):
    base = {"observed": 1.0, "unit": "", "date": "2026-02", "uncertainty": {"sd": 1.0},
            "definition": "d", "source": "s"}  # fmt: skip
    return base | fields


TARGETS = {
    "firms_end": _target(output="firms", scope="model"),
    "birth": _target(output="entries", scope="model", statistic="annual_rate", denominator="firms"),
    "over": _target(output="oversubscription", scope="model", statistic="mean", start="2025-03"),
    "gj": _target(output="firms", scope="region", region="gwangju"),
    "gj_growth": _target(
        output="employment", scope="region", region="gwangju", statistic="growth", start="2025-06"
    ),
    "dg_exits": _target(
        output="exits", scope="region", region="daegu", statistic="cumulative", start="2025-02"
    ),
    "alpha": _target(output="firms", scope="district", district="suseong_alpha_city"),
    "alpha_in": _target(
        output="relocations_in",
        scope="district",
        district="suseong_alpha_city",
        statistic="cumulative",
        start="2025-01",
    ),
}


@pytest.fixture(scope="module")
def run():
    scenario = load_scenario(
        BASELINE, {"population.firms": 150, "scenario.steps": STEPS, "scenario.start": START}
    )
    return scenario, run_scenario(scenario, seed=7, steps=STEPS)


def test_every_statistic_is_the_one_read_from_every_column(run):
    scenario, result = run
    targets = list(load_targets({"targets": TARGETS}))
    keep = keep_for(targets)
    assert keep.series == ("entries", "firms", "oversubscription")
    assert keep.region_series == ("employment", "exits", "firms")
    assert keep.district_series == ("firms", "relocations_in")
    kept = extract(result, keep)
    steps, cols = _every_column(result)
    assert set(kept.series) < set(cols)  # only what the targets read
    checked = 0
    for t in targets:
        want = t.compute(steps, cols, scenario.start)
        got = t.compute(kept.steps, kept.series, scenario.start)
        assert got == want or (math.isnan(got) and math.isnan(want)), t.id
        checked += not math.isnan(want)
    assert checked >= 6


def test_a_run_without_regions_targets_reads_model_series_only(run):
    _, result = run
    targets = list(load_targets({"targets": {"f": TARGETS["firms_end"]}}))
    kept = extract(result, keep_for(targets))
    assert list(kept.series) == ["firms"]
    np.testing.assert_array_equal(kept.steps, result.model["step"].to_numpy())


def _row(**extra):
    return {"fitted": False, "observed": 1365.0, "sd": 136.5, "unit": "firms", "date": "2021-12",
            "simulated_median": 9000.0, "simulated_q05": 8000.0, "simulated_q95": 10000.0,
            "z": 56.0, "within": False, "note": ""} | extra  # fmt: skip


def test_targets_of_another_universe_get_a_short_section_of_their_own():
    result = {"runs": 3, "targets": {"firms_end": _row(fitted=True, within=True),
                                     "ai_firms_2021": _row(universe="AI firms")}}  # fmt: skip
    text = markdown(result)
    main, other = text.split("Compared only")
    assert "`firms_end`" in main and "`ai_firms_2021`" not in main
    assert "| `ai_firms_2021` | AI firms | 2021-12 | 1365 | 9000 [8000, 1e+04] |" in other
    assert "z" not in other.split("\n")[3]  # no z or within: it is not a fit
    plain = markdown({"runs": 3, "targets": {"firms_end": _row(fitted=True, within=True)}})
    assert "Compared only" not in plain and plain == main.rstrip("\n")


def test_universe_needs_use_false_and_a_name(tmp_path):
    ok = load_targets({"targets": {"ai": _target(output="firms", scope="model", use=False,
                                                 universe="AI firms")}})  # fmt: skip
    assert ok.get("ai").universe == "AI firms"
    assert "universe" in ok.to_dict()["targets"]["ai"]
    plain = load_targets({"targets": {"f": TARGETS["firms_end"]}})
    assert "universe" not in plain.to_dict()["targets"]["f"]  # digests of old specs unchanged
    for bad, message in (
        (
            {"universe": "AI firms"},
            "a target of another universe is compared only: set use = false",
        ),
        ({"universe": "", "use": False}, 'expected the population it counts, e.g. "AI firms"'),
        ({"universe": 3, "use": False}, 'expected the population it counts, e.g. "AI firms"'),
    ):
        with pytest.raises(TargetsError) as err:
            load_targets({"targets": {"ai": _target(output="firms", scope="model") | bad}})
        assert str(err.value).count("\n") == 0
        assert "targets.ai.universe" in str(err.value) and message in str(err.value)


def test_marking_a_compared_only_target_s_universe_keeps_the_calibration_s_digest(tmp_path):
    from calib_helpers import write_spec, write_synthetic

    from abm.calibrate.spec import load_calibration_spec

    targets = write_synthetic(tmp_path, firms=120, steps=12)
    text = targets.read_text()
    targets.write_text(text.replace("[targets.daegu_firms]", "[targets.daegu_firms]\nuse = false"))
    before = load_calibration_spec(write_spec(tmp_path, targets=targets)).digest()
    marked = text.replace(
        "[targets.daegu_firms]", '[targets.daegu_firms]\nuse = false\nuniverse = "AI firms"'
    )
    targets.write_text(marked)
    spec = load_calibration_spec(write_spec(tmp_path, targets=targets))
    assert spec.targets.get("daegu_firms").universe == "AI firms"
    assert spec.digest() == before  # an unfinished calibration still resumes
    targets.write_text(text)  # fitting the target instead does change it
    assert load_calibration_spec(write_spec(tmp_path, targets=targets)).digest() != before
