"""The results folder: atomic parts, recovery after a crash, and refusing to overwrite data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import TOY_SPEC

from abm.errors import UserError
from abm.sweep.host import Outcome
from abm.sweep.plan import Plan
from abm.sweep.spec import load_spec
from abm.sweep.store import SweepStore, load_results, load_series, read_manifest


def outcome(run_id: int, status: str = "ok") -> Outcome:
    if status != "ok":
        return Outcome(run_id, status, 0.5, error=f"{status} here", traceback="tb")
    steps = np.arange(1, 5)
    return Outcome(
        run_id,
        "ok",
        0.25,
        finals={"hhi": run_id / 100, "firm_share.daegu": 0.5},
        steps=steps,
        series={"hhi": steps / 10 + run_id},
    )


@pytest.fixture
def setup(write_spec, tmp_path):
    """(plan, open_store, out): the toy spec's plan and a way to open its results folder."""
    spec = load_spec(write_spec())

    def open_store(resume: bool = False, the_spec=spec) -> SweepStore:
        store = SweepStore.open(tmp_path / "out", the_spec, Plan(the_spec), resume)
        if store.runs_schema is None:
            store.set_columns(["hhi", "firm_share.daegu"], ["hhi"])
        return store

    return Plan(spec), open_store, tmp_path / "out"


def test_new_folder_is_self_describing(setup):
    plan, open_store, out = setup
    store = open_store()
    store.add(outcome(0))
    store.close("interrupted")
    manifest = read_manifest(out)
    assert manifest["runs_total"] == plan.n_runs and manifest["state"] == "interrupted"
    assert manifest["columns"]["parameters"] == [
        "centers.site",
        "params.growth",
        "population.firms",
    ]
    assert manifest["columns"]["metrics"] == ["hhi", "firm_share.daegu"]
    resolved = json.loads((out / "spec.json").read_text())
    assert resolved["base"]["name"] == "toy-test" and resolved["design"]["method"] == "lhs"
    assert (out / "spec.toml").read_text().strip() == TOY_SPEC.strip()
    design = pd.read_parquet(out / "design.parquet")
    assert list(design.columns) == ["sample", "params.growth", "population.firms"]
    assert len(design) == plan.n_samples


def test_parts_rows_and_series(setup):
    plan, open_store, out = setup
    store = open_store()
    for run_id in (5, 2, 7):
        store.add(outcome(run_id))
    store.add(outcome(3, "error"))
    store.flush()
    store.add(outcome(0, "timeout"))
    store.close("interrupted")
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    runs = load_results(out)
    assert list(runs["run_id"]) == [0, 2, 3, 5, 7]
    assert list(runs["status"]) == ["timeout", "ok", "error", "ok", "ok"]
    row = runs.set_index("run_id").loc[5]
    assert row["seed"] == plan.seed(5) and row["centers.site"] == plan.params(5)["centers.site"]
    assert row["hhi"] == 0.05 and np.isnan(runs.set_index("run_id").loc[3, "hhi"])
    assert runs.dtypes["population.firms"] == np.int64
    series = load_series(out)
    assert len(series) == 3 * 4 and list(series["run_id"].unique()) == [2, 5, 7]
    # pandas reads the folder directly too (readers sort by run_id)
    direct = pd.read_parquet(out / "runs").sort_values("run_id", ignore_index=True)
    pd.testing.assert_frame_equal(direct, runs)
    manifest = read_manifest(out)
    assert manifest["counts"] == {"ok": 3, "error": 1, "timeout": 1}
    assert manifest["runs_done"] == 5 and manifest["state"] == "interrupted"


def test_resume_drops_leftovers_of_a_crash(setup):
    plan, open_store, out = setup
    store = open_store()
    store.add(outcome(1))
    store.flush()
    store.close("running")
    # what a kill -9 can leave: a temp file, and a series part whose runs part never landed
    (out / "runs" / ".part-00001.parquet.123.tmp").write_bytes(b"partial")
    (out / "series" / "part-00001.parquet").write_bytes(
        (out / "series" / "part-00000.parquet").read_bytes()
    )
    store = open_store(resume=True)
    assert not (out / "runs" / ".part-00001.parquet.123.tmp").exists()
    assert not (out / "series" / "part-00001.parquet").exists()
    assert list(store.missing()) == [r for r in range(plan.n_runs) if r != 1]
    store.add(outcome(4))
    store.close("complete")
    assert list(load_results(out)["run_id"]) == [1, 4]
    # parts 0 and 1 were merged into part 2 when the sweep completed
    assert [p.name for p in (out / "runs").iterdir()] == ["part-00002.parquet"]


def test_refuses_to_overwrite_without_resume(setup):
    _plan, open_store, out = setup
    store = open_store()
    store.add(outcome(1))
    store.close("interrupted")
    before = load_results(out)
    with pytest.raises(UserError, match=r"already holds this sweep .* add --resume"):
        open_store(resume=False)
    pd.testing.assert_frame_equal(load_results(out), before)


def test_refuses_a_different_spec_and_names_what_differs(setup, write_spec):
    _plan, open_store, _out = setup
    store = open_store()
    store.add(outcome(0))
    store.close("interrupted")
    other = load_spec(write_spec(TOY_SPEC.replace("samples = 3", "samples = 4"), "other.toml"))
    with pytest.raises(UserError, match=r"holds a different sweep .*design\.samples"):
        open_store(resume=True, the_spec=other)


def test_refuses_a_foreign_folder_and_a_file(setup):
    _plan, open_store, out = setup
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty and holds no sweep"):
        open_store()
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    out.rmdir()
    out.write_text("a file")
    with pytest.raises(UserError, match="exists and is not a folder"):
        open_store()


def test_a_sweep_that_recorded_nothing_leaves_no_trace(setup):
    _plan, open_store, out = setup
    open_store().close("failed")
    assert not out.exists()
    out.mkdir()
    open_store().close("interrupted")
    assert out.is_dir() and not any(out.iterdir())


def test_one_writer_at_a_time(setup):
    _plan, open_store, _out = setup
    first = open_store()
    with pytest.raises(UserError, match="another sweep is writing to it now"):
        open_store(resume=True)
    first.close("interrupted")
    open_store(resume=True).close("complete")


def test_buffer_is_released_after_each_flush(setup):
    plan, open_store, out = setup
    store = open_store()
    for run_id in range(plan.n_runs):
        store.add(outcome(run_id))
        if store.should_flush(max_rows=3, max_series_rows=10**6, max_age_s=3600):
            store.flush()
        assert len(store._rows) < 3 and len(store._series) < 3
    assert len(list((out / "runs").iterdir())) == plan.n_runs // 3
    store.close("complete")  # merges the parts
    assert len(list((out / "runs").iterdir())) == 1
    assert len(load_results(out)) == plan.n_runs
