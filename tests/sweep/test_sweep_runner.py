"""Sweeps on the toy model: workers, failures, time limits, resume, the CLI and the Python API."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from sweep_helpers import (
    TOY_SPEC,
    abm_main,
    assert_same_results,
    results,
    write_files,
    written_in_parts,
)

from abm.sweep import load_results, load_series, load_spec, run_sweep, sweep
from abm.sweep.spec import SpecError
from abm.sweep.store import read_manifest
from tests.procs import wait_for


@pytest.fixture(scope="module")
def one_and_two_workers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workers")
    spec = load_spec(write_files(folder))
    one = run_sweep(spec, folder / "one", workers=1, progress=False)
    two = run_sweep(spec, folder / "two", workers=2, progress=False)
    return spec, folder, one, two


def test_every_run_is_recorded_once(one_and_two_workers):
    _, folder, one, _ = one_and_two_workers
    runs, series = results(folder / "one")
    assert one.runs_total == one.ran == len(runs) == 12
    assert list(runs["run_id"]) == list(range(12)) and (runs["status"] == "ok").all()
    assert list(runs.columns[:8]) == [
        "run_id",
        "setting",
        "sample",
        "replication",
        "seed",
        "centers.site",
        "params.growth",
        "population.firms",
    ]
    assert {"hhi", "firms", "firm_share.daegu", "firm_share.capital"} <= set(runs.columns)
    assert len(series) == 12 * 4
    assert set(series.columns) == {"run_id", "step", "hhi"} | {
        f"firm_share.{r}" for r in ("capital", "daegu", "gwangju", "jeonnam")
    }
    assert read_manifest(folder / "one")["state"] == "complete"


def test_one_and_two_workers_give_identical_results(one_and_two_workers):
    folder = one_and_two_workers[1]
    assert_same_results(folder / "one", folder / "two")


def test_a_run_equals_a_direct_model_run(one_and_two_workers):
    from abm.sweep import toy
    from abm.sweep.plan import Plan

    spec, folder, _, _ = one_and_two_workers
    task = Plan(spec).task(7)
    direct = toy.run_scenario(spec.base.with_overrides(task.overrides), seed=task.seed)
    runs = load_results(folder / "one").set_index("run_id")
    assert runs.loc[7, "hhi"] == direct.model["hhi"].iloc[-1]
    series = load_series(folder / "one")
    assert series[series["run_id"] == 7]["hhi"].tolist() == direct.model["hhi"].tolist()


FAILING = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
timeout = 1.5

[parameters]
"params.mode" = ["hang", "crash", "fail", "ok"]
"""


def test_failing_crashing_and_hanging_runs_are_recorded(write_spec, tmp_path):
    report = run_sweep(load_spec(write_spec(FAILING)), tmp_path / "out", workers=2, progress=False)
    runs = load_results(tmp_path / "out")
    assert list(runs["status"]) == ["timeout", "error", "error", "ok"]
    assert report.counts == {"ok": 1, "error": 2, "timeout": 1}
    assert list(runs["error"].fillna("")) == [
        "stopped after the time limit of 1.5 s",
        "the run's process died (killed by SIGKILL)",
        "RuntimeError: toy model failed at step 2 as asked",
        "",
    ]
    assert "Traceback" in runs["traceback"][2]
    assert runs["elapsed_s"][0] < 10
    assert runs["hhi"][:3].isna().all()
    # the run that follows killed runs on a restarted process is still exact
    from abm.sweep import toy

    spec = load_spec(tmp_path / "spec.toml")
    direct = toy.run_scenario(spec.base, seed=int(runs["seed"][3]))
    assert runs["hhi"][3] == direct.model["hhi"].iloc[-1]
    assert read_manifest(tmp_path / "out")["counts"] == report.counts


def test_no_run_process_outlives_the_sweep(one_and_two_workers):
    mine = str(os.getpid())

    def hosts() -> list[str]:
        return [
            p
            for p in os.listdir("/proc")
            if p.isdigit() and _ppid(p) == mine and "abm.sweep.host" in _cmdline(p)
        ]

    wait_for(lambda: not hosts(), 30, "the run processes to exit")  # (a state, not a time)


def _ppid(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[1]
    except OSError:
        return ""


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as fh:
            return fh.read()
    except OSError:
        return ""


def test_resume_runs_only_what_is_missing(one_and_two_workers, tmp_path):
    spec, folder, _, _ = one_and_two_workers
    out = tmp_path / "partial"
    written_in_parts(spec, out, per_part=3, runs=7)  # a sweep stopped after 7 runs
    assert len(load_results(out)) == 7
    report = run_sweep(spec, out, workers=2, progress=False, resume=True)
    assert report.ran == 5
    assert_same_results(folder / "one", out)


def test_unknown_metric_is_a_spec_error_naming_the_field(write_spec, tmp_path):
    spec = load_spec(write_spec(TOY_SPEC + 'final = ["hhi", "wealth"]\n'))
    with pytest.raises(SpecError, match=r"metrics\.final: the model reports no numeric output"):
        run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out").exists()  # nothing recorded: the corrected spec can use it


def test_cli_sweep_refuse_and_resume(write_spec, tmp_path, capsys):
    path = write_spec()
    out = tmp_path / "out"
    assert abm_main("sweep", path, "--out", out, "--workers", "2") == 0
    captured = capsys.readouterr()
    assert "12 runs, 12 ok, 0 failed, 0 timed out" in captured.out
    assert "sweep spec: 12/12 runs (100%), 0 failed" in captured.err  # plain log lines
    before = load_results(out)
    assert abm_main("sweep", path, "--out", out) == 2
    err = capsys.readouterr().err
    assert "already holds this sweep (complete, 12 of 12 runs); add --resume" in err
    assert abm_main("sweep", path, "--out", out, "--resume") == 0
    assert "(0 run now" in capsys.readouterr().out
    pd.testing.assert_frame_equal(load_results(out), before)


def test_python_api_takes_a_dict_and_returns_a_frame(tmp_path, monkeypatch):
    write_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    spec = {
        "sweep": {"scenario": "toy.toml", "model": "abm.sweep.toy", "replications": 3},
        "parameters": {"centers": {"site": ["daegu", "jeonnam"]}},
    }
    frame = sweep(spec, out="api", workers=2, progress=False, as_frame=True)
    assert list(frame["run_id"]) == list(range(6))
    assert list(frame["centers.site"]) == ["daegu"] * 3 + ["jeonnam"] * 3
    assert sweep(spec, out="api", resume=True, progress=False) == Path("api")
