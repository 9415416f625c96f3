"""The EMA Workbench export: the (experiments, outcomes) pair and its .tar.gz, checked
against EMA Workbench's documented shapes and file format (EMA Workbench itself is not
installed: it brings 31 packages; loading the file with ``ema_workbench.load_results``
3.0.0 was checked once by hand, see docs/decisions.md)."""

from __future__ import annotations

import io
import json
import tarfile

import numpy as np
import pandas as pd
import pytest
from decide_helpers import PLANTED_SPEC, write_spec

from abm.decide import load_decision, run_decision
from abm.decide.ema import EMA_FILE, columns, export, read_ema, to_ema, write_ema


def _toy():
    futures = pd.DataFrame(
        {"future": [1, 0], "params.x": [0.5, 0.25], "params.k": [3, 2], "mode": ["b", "a"]}
    )
    runs = pd.DataFrame(
        {
            "option": ["one", "one", "two", "two"],
            "future": [0, 1, 0, 1],
            "status": ["ok", "ok", "error", "ok"],
            "jobs": [1.0, 2.0, np.nan, 4.0],
        }
    )
    return runs, futures


def test_the_pair_has_emas_shapes_names_and_dtypes():
    runs, futures = _toy()
    x, outcomes = to_ema(
        runs, futures, ["one", "two"], ["jobs"], ["params.x", "params.k", "mode"], "abm"
    )
    # one experiment per option and future; the uncertainties, then scenario, policy, model
    assert list(x.columns) == columns(["params.x", "params.k", "mode"])
    assert len(x) == 4 and set(outcomes) == {"jobs"}
    assert isinstance(outcomes["jobs"], np.ndarray) and outcomes["jobs"].shape == (4,)
    for name in ("scenario", "policy", "model", "mode"):
        assert isinstance(x[name].dtype, pd.CategoricalDtype)
    assert x["params.x"].dtype == np.float64 and x["params.k"].dtype == np.int64
    assert x["policy"].tolist() == ["one", "one", "two", "two"]
    assert x["scenario"].tolist() == [0, 1, 0, 1]
    assert x["params.x"].tolist() == [0.25, 0.5, 0.25, 0.5]  # the future's parameters
    np.testing.assert_array_equal(outcomes["jobs"], [1.0, 2.0, np.nan, 4.0])  # failed: NaN


def test_the_file_is_what_emas_save_results_writes_and_reads_back(tmp_path):
    runs, futures = _toy()
    pair = to_ema(runs, futures, ["one", "two"], ["jobs"], ["params.x", "params.k", "mode"], "abm")
    path = tmp_path / EMA_FILE
    write_ema(path, *pair)
    with tarfile.open(path, "r:gz") as archive:
        assert sorted(archive.getnames()) == ["experiments.csv", "jobs.cls", "metadata.json"]
        metadata = json.loads(archive.extractfile("metadata.json").read())
        # EMA Workbench 3.0: version, [class name, outcome, file] per outcome, dtypes by name
        assert metadata["version"] == 0.1
        assert metadata["outcomes"] == [["ScalarOutcome", "jobs", "jobs.cls"]]
        assert metadata["experiments"]["policy"] == "category"
        assert metadata["experiments"]["params.x"] == "float64"
        cls = pd.read_csv(io.BytesIO(archive.extractfile("jobs.cls").read()), header=None)
        assert cls.shape == (4, 1)  # headerless, one value per experiment
    x, outcomes = read_ema(path)
    pd.testing.assert_frame_equal(x, pair[0], check_categorical=False)
    np.testing.assert_array_equal(outcomes["jobs"], pair[1]["jobs"])
    write_ema(tmp_path / "again.tar.gz", *pair)
    assert (tmp_path / "again.tar.gz").read_bytes() == path.read_bytes()  # no timestamps


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ema")
    spec = load_decision(write_spec(folder, PLANTED_SPEC))
    run_decision(spec, folder / "out", workers=1, progress=False, report=False)
    return folder / "out"


def test_a_decision_folder_holds_its_runs_as_ema_results(decided):
    x, outcomes = read_ema(decided / EMA_FILE)
    futures = pd.read_parquet(decided / "futures.parquet")
    assert len(x) == 3 * len(futures) == 144
    assert set(outcomes) == {"dominant", "planted"}
    assert x["policy"].cat.categories.tolist() == ["capital", "daegu", "gwangju"]
    assert {"params.pull", "params.growth", "params.noise"} <= set(x.columns)
    capital = outcomes["dominant"][(x["policy"] == "capital").to_numpy()]
    assert np.all(capital > 9.9)  # the planted answer: capital dominates
    # the command rewrites the same file from the folder
    before = (decided / EMA_FILE).read_bytes()
    assert export(decided) == decided / EMA_FILE
    assert (decided / EMA_FILE).read_bytes() == before
