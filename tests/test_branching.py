"""Branching options from a shared history (abm/branching.py): the month two scenarios
first differ, read from the declarations, and runs continued from a snapshot there that
equal, byte for byte, the same options run from the start."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm import branching
from abm.model import RegionalModel
from abm.nodes import COLUMNS
from abm.run import result_of, write_outputs
from abm.scenario import Scenario, load_scenario
from abm.schema import Program

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"population.firms": 200}
SEED = 7


def shipped(name: str, **extra) -> Scenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.toml", {**SMALL, **extra})


def from_start(scenario: Scenario, steps: int, seed: int = SEED) -> RegionalModel:
    model = RegionalModel(scenario.with_overrides({"scenario.steps": steps}), rng=seed)
    while model.steps < steps:
        model.step()
    return model


def firm_table(model: RegionalModel) -> pd.DataFrame:
    """Every live firm's row at the end (every column of the node table), and its ties."""
    rows = model.firm_rows()
    return pd.DataFrame({name: getattr(model.nodes, name)[rows] for name in COLUMNS})


def written(model: RegionalModel, scenario: Scenario, folder: Path) -> dict[str, bytes]:
    """The files ``abm run`` writes for this model, as bytes."""
    write_outputs(result_of(model, scenario, SEED), folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def months(scenario: Scenario, month: str) -> int:
    from abm.dates import months_between
    from abm.scenario import parse_month

    return months_between(scenario.start, parse_month(month))


# ------------------------------------------------------------------ the month they differ
def test_shipped_options_differ_from_their_instruments_start():
    base = shipped("baseline")
    for name, month, path in (
        ("nacc_haenam", "2026-09", "centers.nacc"),
        ("nacc_gwangju", "2026-09", "centers.nacc"),
        ("nacc_split", "2026-09", "centers.nacc"),
        ("gpu_vouchers", "2026-01", "government.vouchers"),
    ):
        found = branching.first_difference(base, shipped(name))
        assert (found.month, found.path) == (month, path), name
    # the same policy under another name, seed or length: no difference
    assert branching.first_difference(base, base.with_overrides({"scenario.seed": 3})) is None
    same = base.with_overrides(
        {"scenario.name": "x", "scenario.steps": 12, "regions.daegu.sources.firms_real": "y"}
    )
    assert branching.first_difference(base, same) is None


def test_an_undeclared_difference_acts_from_the_first_month():
    """A rate, a district, a parameter: no declared start, so nothing is shared."""
    base = shipped("baseline")
    for change in (
        {"regions.daegu.incentives.subsidy_rate": 0.1},
        {"params.compute.gpu_per_employee": 0.2},
        {"regions.daegu.lat": 36.0},
    ):
        found = branching.first_difference(base, base.with_overrides(change))
        assert found is not None and found.month == "2019-01", change
    assert branching.shared_months([base, base.with_overrides(change)]) == 0


def test_a_zone_acts_from_its_designation_and_a_programme_from_its_start():
    base = shipped("baseline")
    zone = base.with_overrides(
        {
            "regions.rest.incentives.special_zone": True,
            "regions.rest.incentives.zone_since": "2027-03",
        }
    )
    assert branching.first_difference(base, zone).month == "2027-03"
    late = Program(amount_krw=1e10, start="2027-05", end="2029-12", region="daegu")
    central = dataclasses.replace(
        base.government.central, programs=(*base.government.central.programs, late)
    )
    funded = dataclasses.replace(
        base, government=dataclasses.replace(base.government, central=central)
    )
    assert branching.first_difference(base, funded).month == "2027-05"


def test_a_rule_that_reads_centers_ahead_makes_them_differ_from_the_start():
    """Under the 'concentrate' rule grants follow the largest planned public center from the
    first month, whenever it is built (READ_AHEAD): the runs differ from the first month,
    and the split says so."""
    rule = {"government.central.allocation": "concentrate"}
    base, haenam = shipped("baseline", **rule), shipped("nacc_haenam", **rule)
    assert branching.first_difference(base, haenam).month == "2019-01"
    a, b = from_start(base, 2), from_start(haenam, 2)
    assert not firm_table(a).equals(firm_table(b))  # the look-ahead is real


def test_the_split_is_never_later_than_the_runs_first_difference():
    """Run from the start, each option equals the baseline through the month before the
    split and differs from it later (so the split is where the model's runs part)."""
    base = shipped("baseline")
    steps = 100
    ref = from_start(base, steps).history()[0]
    for name in ("nacc_haenam", "gpu_vouchers"):
        other = shipped(name)
        split = branching.shared_months([base, other])
        frame = from_start(other, steps).history()[0]
        numbers = [c for c in ref.columns if c not in ("date",)]
        same = (ref[numbers].fillna(-1) == frame[numbers].fillna(-1)).all(axis=1).to_numpy()
        assert same[: split + 1].all(), name  # row 0 is the initial state
        assert not same.all(), name


# ------------------------------------------------------------------ continued runs
def test_options_continued_from_the_shared_history_equal_runs_from_the_start(tmp_path):
    """Baseline and the four shipped options of a future, the months they share run once:
    the files ``abm run`` writes and every firm's end row equal those of each option run
    from the start, byte for byte."""
    names = ["baseline", "nacc_haenam", "nacc_gwangju", "nacc_split", "gpu_vouchers"]
    scenarios = [shipped(n) for n in names]
    steps = months(scenarios[0], "2026-09") + 4  # past the centers' split (vouchers: 2026-01)
    assert branching.shared_months(scenarios) == months(scenarios[0], "2026-01")
    for i, (scenario, model) in enumerate(branching.continued(scenarios, SEED, steps)):
        alone = from_start(scenario, steps)
        assert model.steps == alone.steps == steps
        got = written(model, scenario, tmp_path / f"branched{i}")
        want = written(alone, scenario, tmp_path / f"alone{i}")
        assert got == want, scenario.name
        pd.testing.assert_frame_equal(firm_table(model), firm_table(alone))
        assert np.array_equal(model.network.csr()[1], alone.network.csr()[1])


def _branching_pairs() -> list[str]:
    """Every shipped scenario that shares months with the baseline (a new option with a
    dated instrument is tested here without an edit)."""
    from abm.errors import ScenarioError

    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    found = []
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        try:  # (a file meant to be layered on another is no option)
            other = load_scenario(path)
        except ScenarioError:
            continue
        if path.stem != "baseline" and branching.shared_months([base, other]) > 0:
            found.append(path.stem)
    return found


@pytest.mark.parametrize("name", _branching_pairs())
def test_each_shipped_option_continued_from_the_baseline_equals_its_run_from_the_start(
    tmp_path, name
):
    base, other = shipped("baseline"), shipped(name)
    steps = branching.shared_months([base, other]) + 3
    (_, _), (_, branched) = branching.continued([base, other], SEED, steps)
    alone = from_start(other, steps)
    assert written(branched, other, tmp_path / "b") == written(alone, other, tmp_path / "c")
    pd.testing.assert_frame_equal(firm_table(branched), firm_table(alone))


@pytest.mark.parametrize(
    "change",
    [
        {
            "regions.rest.incentives.special_zone": True,
            "regions.rest.incentives.zone_since": "2019-05",
        },
    ],
)
def test_a_zone_continued_from_its_designation_equals_the_run_from_the_start(tmp_path, change):
    base = load_scenario(ROOT / "scenarios" / "baseline.toml", SMALL).with_overrides(
        {"scenario.start": "2019-01"}
    )
    other = base.with_overrides(change)
    assert branching.shared_months([base, other]) == 4
    (_, a), (_, b) = branching.continued([base, other], SEED, 8)
    assert written(b, other, tmp_path / "b") == written(from_start(other, 8), other, tmp_path / "c")
    assert written(a, base, tmp_path / "a") != written(b, other, tmp_path / "d")


def test_run_options_returns_run_scenarios_results():
    from abm.run import run_scenario

    scenarios = [shipped("baseline"), shipped("gpu_vouchers")]
    steps = months(scenarios[0], "2026-01") + 2
    for scenario, got in zip(
        scenarios, branching.run_options(scenarios, SEED, steps, ("firms",)), strict=True
    ):
        want = run_scenario(scenario, seed=SEED, steps=steps, outputs=("firms",))
        pd.testing.assert_frame_equal(got.model, want.model)
        assert got.summary == want.summary


def test_continue_as_refuses_other_regions_or_districts():
    base = shipped("baseline")
    model = RegionalModel(base, rng=SEED)
    fewer = dataclasses.replace(base, districts={})
    with pytest.raises(ValueError, match="regions and districts"):
        model.continue_as(fewer)


# ------------------------------------------------------------------ decide's tasks
DECISION = """
[decision]
name = "mini"
horizon = "2026-12"
reference = "haenam"
set = {{ "population.firms" = 200, "scenario.start" = "2025-01" }}

[[options]]
name = "none"
scenario = "{root}/scenarios/baseline.toml"

[[options]]
name = "haenam"
scenario = "{root}/scenarios/nacc_haenam.toml"

[[options]]
name = "vouchers"
scenario = "{root}/scenarios/gpu_vouchers.toml"

[[objectives]]
name = "noncapital_jobs"
output = "employment"
regions = "noncapital"
direction = "max"

[[objectives]]
name = "public_cost"
output = "public_cost_cum"
direction = "min"

[uncertainty]
posterior = ""  # a point run: seeds only

[seeds]
count = 2
"""


def mini_decision(tmp_path):
    from abm.decide import load_decision

    path = tmp_path / "mini.toml"
    path.write_text(DECISION.format(root=ROOT), encoding="utf-8")
    return load_decision(path)


def test_a_decisions_future_runs_its_options_together_with_the_same_objectives(tmp_path):
    from abm.decide import model as decision_model

    base = mini_decision(tmp_path).scenario
    options = [base.with_overrides({"option": n}) for n, _ in base.options]
    assert branching.shared_months([o.run_scenario_of() for o in options]) == 12  # 2026-01
    together = decision_model.run_options(options, SEED)
    for option, got in zip(options, together, strict=True):
        want = decision_model.run_scenario(option, SEED)
        pd.testing.assert_frame_equal(got.model, want.model)


def test_the_sweep_gives_each_future_one_task_of_its_missing_runs(tmp_path):
    """A decision's sweep submits one task per future (a draw and a seed): every option's
    run of it that is not done yet, each missing run exactly once."""
    from abm.decide.run import sweep_spec
    from abm.sweep.host import Job
    from abm.sweep.plan import Plan
    from abm.sweep.runner import _branches, _futures
    from abm.sweep.store import SweepStore

    sweep = sweep_spec(mini_decision(tmp_path))
    plan = Plan(sweep)
    job = Job(sweep.model, sweep.base, sweep.steps, sweep.metrics, sweep.timeout)
    assert _branches(job, plan)
    store = SweepStore.open(tmp_path / "out", sweep, plan, False)
    store.done[[0, 3]] = True  # option "none" of the first future; "haenam" of the second
    groups = list(_futures(plan, store))
    assert sorted(i for g in groups for i in g) == [
        i for i in range(plan.n_runs) if i not in (0, 3)
    ]
    for group in groups:
        seeds = {plan.task(i).seed for i in group}
        points = {plan.locate(i)[1:] for i in group}
        assert len(seeds) == 1 and len(points) == 1  # one future
    assert [2, 4] in groups and [1, 5] in groups  # the rest of the two futures
    store.close("interrupted", None)
