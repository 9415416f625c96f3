"""Compute only what is read (issue 25): a batch run that names the outputs it reads computes
those and what their formulas read, and records the same values a full run records."""

from __future__ import annotations

import pandas as pd
import pytest

from abm import outputs
from abm.model import RegionalModel
from abm.sweep.model import ModelAPI, outputs_read
from abm.sweep.spec import Metrics
from tests.conftest import FUTURE, ROOT, small

# the network analytics worked out every month, districts recorded, ties formed
CASE = {"params.network.metrics_every": 1, **FUTURE}


def _run(keep):
    model = RegionalModel(small("nacc_split", firms=400, steps=14, **CASE), rng=7, outputs=keep)
    for _ in range(14):
        model.step()
    return model


@pytest.fixture(scope="module")
def full():
    return _run(None)


def test_a_run_that_reads_no_network_output_skips_the_analytics_and_records_the_same(full):
    read = ("hhi_norm", "firm_share", "employment", "survival_1y", "gpu_utilisation")
    kept = _run(read)
    assert full.recorder.analytics  # clustering, giant component, triangles: every month
    assert kept.recorder.analytics == {}  # never computed
    model, regions = kept.history()
    want_model, want_regions = full.history()
    assert list(model.columns) == [
        "step",
        "date",
        *[n for n in outputs.names("model") if n in read],
    ]
    pd.testing.assert_frame_equal(model, want_model[model.columns])
    pd.testing.assert_frame_equal(regions, want_regions[regions.columns])
    districts, want_districts = kept.district_history(), full.district_history()
    assert len(districts) and list(districts.columns) == [
        "step",
        "date",
        "district",
        "region",
        "employment",
    ]
    pd.testing.assert_frame_equal(districts, want_districts[districts.columns])


def test_a_network_output_read_is_computed_on_its_schedule_and_alone(full):
    kept = _run(("clustering",))
    assert set(kept.recorder.analytics) == {"clustering"}
    model, regions = kept.history()
    pd.testing.assert_frame_equal(model, full.history()[0][["step", "date", "clustering"]])
    assert regions.empty and kept.district_history().empty  # no output of theirs was read


def test_no_selection_and_an_unknown_name_record_everything(full):
    for keep in (None, ("hhi", "no_such_output")):
        assert outputs.kept(keep) is None
    assert list(full.history()[0].columns) == outputs.names("model")
    assert list(full.history()[1].columns) == outputs.names("region")


def test_the_sweep_passes_what_it_keeps_down_to_the_model():
    keep = Metrics(final=("hhi",), regions=("firm_share",), series=("firms",))
    assert outputs_read(keep) == ("hhi", "firm_share", "firms")
    assert outputs_read(Metrics(final=None)) is None  # every model column is kept
    scenario = small("baseline", firms=150, steps=2)
    result = ModelAPI("abm.scenario", "abm.run").run_scenario(
        scenario, seed=1, steps=2, outputs=outputs_read(keep)
    )
    assert list(result.model.columns) == ["step", "date", "firms", "hhi"]
    # a name is kept at every scope it is recorded at
    assert list(result.regions.columns) == ["step", "date", "region", "firms", "firm_share"]
    from abm.sweep.toy import ToyScenario

    toy = ModelAPI("abm.sweep.toy", "abm.sweep.toy")  # takes no outputs: runs as before
    assert len(toy.run_scenario(ToyScenario.from_dict({}), seed=1, steps=2, outputs=("x",)).model)


def test_a_decision_computes_what_its_objectives_read():
    from abm.decide import load_decision
    from abm.decide.model import outputs_read as read_by

    spec = load_decision(ROOT / "examples" / "decide_sites.toml")
    read = read_by(spec.scenario)
    # public_cost_cum is derived: its parts are read
    assert set(read) == {
        "employment",
        "capital_share",
        "innovations_cum",
        "public_spending_cum",
        "tax_expenditure_cum",
    }
    assert outputs.kept(read) is not None  # all declared: the network analytics are skipped
