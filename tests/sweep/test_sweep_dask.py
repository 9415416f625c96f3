"""The Dask engine on a real LocalCluster with worker processes gives the local engine's results."""

from __future__ import annotations

import pytest
from sweep_helpers import abm_main, assert_same_results, write_files

from abm.sweep import load_results, load_spec, run_sweep

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

FAILING = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
timeout = 1.5
replications = 2

[parameters]
"params.mode" = ["ok", "hang", "crash", "fail"]
"""


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask")
    spec_path = write_files(folder)
    run_sweep(load_spec(spec_path), folder / "local", workers=2, progress=False)
    return spec_path, folder


def test_dask_scheduler_equals_local_engine(cluster, local_reference, capsys):
    spec_path, folder = local_reference
    out = folder / "dask"
    code = abm_main(
        "sweep",
        spec_path,
        "--out",
        out,
        "--engine",
        "dask",
        "--scheduler",
        cluster.scheduler_address,
    )
    assert code == 0, capsys.readouterr().err
    assert "Dask scheduler" in capsys.readouterr().out
    assert_same_results(folder / "local", out)


def test_dask_records_failures_and_time_limits_like_local(cluster, tmp_path):
    spec = load_spec(write_files(tmp_path, FAILING))
    run_sweep(spec, tmp_path / "local", workers=2, progress=False)
    run_sweep(
        spec,
        tmp_path / "dask",
        engine="dask",
        scheduler=cluster.scheduler_address,
        progress=False,
    )
    local, dask = load_results(tmp_path / "local"), load_results(tmp_path / "dask")
    assert list(dask["status"]) == ["ok"] * 2 + ["timeout"] * 2 + ["error"] * 4
    for column in ("run_id", "seed", "status", "error", "hhi"):
        assert dask[column].equals(local[column]), column


def test_dask_engine_starts_its_own_local_cluster(local_reference):
    spec_path, folder = local_reference
    report = run_sweep(
        load_spec(spec_path), folder / "own", engine="dask", workers=2, progress=False
    )
    assert report.engine == "Dask LocalCluster, 2 workers, on 127.0.0.1"
    assert_same_results(folder / "local", folder / "own")


def test_unreachable_scheduler_is_a_clear_error(local_reference, capsys, tmp_path):
    spec_path, _ = local_reference
    code = abm_main(
        "sweep",
        spec_path,
        "--out",
        tmp_path / "x",
        "--engine",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x").exists()  # nothing written, so the same --out works next time
