"""Sweeps at the edges: bounds, retried failures, compaction after crashes, failed writes,
loopback-only servers, and the project's models only."""

from __future__ import annotations

import errno
import json
import os
import socket
import struct

import pandas as pd
import pytest
from sweep_helpers import TOY_SPEC, abm_main, assert_same_results, results, written_in_parts

from abm.errors import UserError
from abm.sweep import load_results, load_spec, run_sweep
from abm.sweep.spec import MAX_DESIGN_POINTS, MAX_LEVELS, MAX_RUNS, SpecError
from abm.sweep.store import RUNS, SERIES, _parts, folder_state, read_manifest

HEAD = '[sweep]\nscenario = "toy.toml"\nmodel = "abm.sweep.toy"\n'

FLAKY = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
replications = 2

[parameters]
"params.mode" = ["ok", "flaky"]
"centers.site" = ["daegu", "gwangju"]
"""


def spec_problem(write_spec, text: str) -> str:
    with pytest.raises(SpecError) as info:
        load_spec(write_spec(text))
    return str(info.value)


# ------------------------------------------------------------------ bounds and refusals


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("timeout = inf\n", "sweep.timeout"),
        ("timeout = 1e300\n", "sweep.timeout"),
        ("timeout = nan\n", "sweep.timeout"),
        (f"replications = {MAX_RUNS + 1}\n", "sweep.replications"),
        (
            'replications = 100000\n[parameters]\n"params.growth" = [0.1, 0.2, 0.3]\n'
            '"params.noise" = [0.1, 0.2, 0.3, 0.4]\n"centers.site" = ["daegu", "gwangju"]\n'
            '"population.firms" = [10, 20, 30, 40, 50, 60, 70, 80, 90]\n',
            "at most 10,000,000",
        ),
        (
            '[design]\nmethod = "lhs"\nsamples = 1000000000000\n'
            '[parameters]\n"params.growth" = { low = 0.1, high = 0.2 }\n',
            "design.samples",
        ),
        (
            '[design]\nmethod = "morris"\nsamples = 1000000000\n'
            '[parameters]\n"params.growth" = { low = 0.1, high = 0.2 }\n',
            "design.samples",
        ),
        ('[parameters]\n"params.growth" = { low = 0.1, high = 0.2, num = 10000000 }\n', "num"),
        ('[parameters]\n"centers.nacc.site" = {}\n', "empty table"),
        ('model = "os"\n', "--allow-model-import"),
    ],
)
def test_bad_specs_are_refused_fast_with_the_field(write_spec, text, needle):
    head = HEAD.replace('model = "abm.sweep.toy"\n', "") if "model =" in text else HEAD
    message = spec_problem(write_spec, head + text)
    assert needle in message
    assert "--set" not in message
    assert len(message) < 2000


@pytest.mark.parametrize(
    ("parameters", "needle"),
    [
        ('"regions.deagu.lat" = 35', "no region 'deagu'; known: capital, daegu"),
        ('"centers.nacc2.site" = ["daegu"]', "no center 'nacc2'"),
        ("scenario = 1.0", "is a section"),
    ],
)
def test_real_model_overrides_cannot_create_entities(write_spec, parameters, needle):
    text = f'[sweep]\nscenario = "scenarios/baseline.toml"\n[parameters]\n{parameters}\n'
    message = spec_problem(write_spec, text)
    assert needle in message and "--set" not in message


def test_a_list_longer_than_the_maximum_is_refused(write_spec):
    values = ", ".join(str(i) for i in range(MAX_LEVELS + 1))
    message = spec_problem(write_spec, HEAD + f'[parameters]\n"population.firms" = [{values}]\n')
    assert f"at most {MAX_LEVELS:,}" in message


def test_design_points_bound_is_named(write_spec):
    message = spec_problem(
        write_spec,
        HEAD + f'[design]\nmethod = "random"\nsamples = {MAX_DESIGN_POINTS + 1}\n'
        '[parameters]\n"params.growth" = { low = 0.1, high = 0.2 }\n',
    )
    assert "design.samples" in message and f"{MAX_DESIGN_POINTS:,}" in message


def test_fifo_spec_and_fifo_scenario_are_refused_without_blocking(write_spec, tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="not a regular file"):
        load_spec(fifo)
    message = spec_problem(write_spec, HEAD.replace('"toy.toml"', f'"{fifo}"'))
    assert "not a regular file" in message
    message = spec_problem(write_spec, HEAD.replace('"toy.toml"', '"' + "x" * 5000 + '.toml"'))
    assert "sweep.scenario" in message and len(message) < 1000
    message = spec_problem(write_spec, HEAD.replace('"toy.toml"', '"a\\u0000b.toml"'))
    assert "NUL" in message


def test_cli_refuses_a_spec_naming_an_outside_model(write_spec, tmp_path, capsys):
    path = write_spec(HEAD.replace("abm.sweep.toy", "json"))
    assert abm_main("sweep", path, "--out", tmp_path / "o") == 2
    err = capsys.readouterr().err
    assert "--allow-model-import" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ retrying failures


def test_retry_failed_reruns_dead_runs_in_place(write_spec, tmp_path, monkeypatch):
    spec = load_spec(write_spec(FLAKY))
    reference = tmp_path / "reference"
    run_sweep(spec, reference, workers=2, progress=False)
    out = tmp_path / "out"
    monkeypatch.setenv("ABM_TOY_FLAKY", "1")  # flaky runs' processes die this time
    first = run_sweep(spec, out, workers=2, progress=False)
    assert first.counts == {"ok": 4, "error": 4, "timeout": 0}
    monkeypatch.delenv("ABM_TOY_FLAKY")
    # a plain --resume keeps recorded failures; --retry-failed runs them again
    assert run_sweep(spec, out, workers=2, progress=False, resume=True).ran == 0
    report = run_sweep(spec, out, workers=2, progress=False, resume=True, retry_failed=True)
    assert report.retried == 4 and report.ran == 4
    assert report.counts == {"ok": 8, "error": 0, "timeout": 0}
    runs, _ = results(out)
    assert runs["run_id"].is_unique and len(runs) == 8
    assert_same_results(reference, out.resolve())
    assert len(_parts(out / RUNS)) == 1


def test_retry_failed_needs_resume(write_spec, tmp_path):
    with pytest.raises(UserError, match="--retry-failed needs --resume"):
        run_sweep(load_spec(write_spec(FLAKY)), tmp_path / "o", retry_failed=True)


# ------------------------------------------------------------------ compaction and crashes


def _interrupted(write_spec, tmp_path, name="out"):
    """A sweep stopped part-way (many parts, state interrupted) and a full reference."""
    spec = load_spec(write_spec(TOY_SPEC))
    reference = tmp_path / "reference"
    if not reference.exists():
        run_sweep(spec, reference, workers=1, progress=False)
    out = tmp_path / name
    written_in_parts(spec, out, per_part=2)  # one part per two runs, as the store writes them
    return spec, reference, out


def test_compact_command_merges_an_interrupted_sweep(write_spec, tmp_path, capsys):
    _spec, reference, out = _interrupted(write_spec, tmp_path)
    assert len(_parts(out / RUNS)) == 6
    assert abm_main("sweep", "compact", out) == 0
    assert "merged 6 part files; 12 runs" in capsys.readouterr().out
    assert len(_parts(out / RUNS)) == 1 and len(_parts(out / SERIES)) == 1
    assert_same_results(reference, out)
    assert "compaction" not in read_manifest(out)


@pytest.mark.parametrize("stage", ["journal", "series", "runs", "half-deleted"])
def test_a_compaction_killed_at_any_stage_loses_and_duplicates_nothing(write_spec, tmp_path, stage):
    spec, reference, out = _interrupted(write_spec, tmp_path)
    runs, series = _parts(out / RUNS), _parts(out / SERIES)
    into = max(runs) + 1
    manifest = read_manifest(out)
    manifest["compaction"] = {"into": into, "parts": sorted(runs)}
    (out / "manifest.json").write_text(json.dumps(manifest))
    name = f"part-{into:05d}.parquet"
    if stage != "journal":
        pd.concat([pd.read_parquet(p) for p in series.values()]).to_parquet(out / SERIES / name)
    if stage in ("runs", "half-deleted"):
        pd.concat([pd.read_parquet(p) for p in runs.values()]).to_parquet(out / RUNS / name)
    if stage == "half-deleted":
        for number in sorted(runs)[:3]:
            (out / RUNS / f"part-{number:05d}.parquet").unlink()
    assert_same_results(reference, out)  # readers skip superseded parts meanwhile
    run_sweep(spec, out, workers=1, progress=False, resume=True)  # settles it
    assert_same_results(reference, out)
    assert len(_parts(out / RUNS)) == 1
    assert "compaction" not in read_manifest(out)


def test_reading_merged_results_is_one_file(write_spec, tmp_path):
    _spec, _reference, out = _interrupted(write_spec, tmp_path)
    abm_main("sweep", "compact", out)
    assert len(load_results(out)) == 12


# ------------------------------------------------------------------ failed writes, state


def test_a_full_disk_fails_the_sweep_in_one_line_and_says_so(write_spec, tmp_path, monkeypatch):
    import abm.sweep.store as store_module

    real = store_module.pq.write_table
    calls = {"n": 0}

    def full_disk(table, where, *args, **kwargs):
        if "runs" in str(where):
            calls["n"] += 1
            if calls["n"] >= 2:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(store_module.pq, "write_table", full_disk)
    spec = load_spec(write_spec(TOY_SPEC))
    out = tmp_path / "out"
    with pytest.raises(UserError, match=r"No space left on device.*--resume"):
        run_sweep(spec, out, workers=1, progress=False, flush_rows=2, flush_seconds=3600)
    manifest = read_manifest(out)
    assert manifest["state"] == "failed" and "No space left" in manifest["error"]
    assert manifest["runs_done"] == 2
    leftovers = [p for p in (out / RUNS).iterdir() if p.name.startswith(".")]
    assert leftovers == []  # the failed part's temp file is gone
    monkeypatch.setattr(store_module.pq, "write_table", real)
    run_sweep(spec, out, workers=1, progress=False, resume=True)
    assert read_manifest(out)["state"] == "complete"
    assert len(load_results(out)) == 12


def test_a_killed_sweep_reads_as_killed(write_spec, tmp_path):
    _spec, _reference, out = _interrupted(write_spec, tmp_path)
    manifest = read_manifest(out)
    manifest["state"] = "running"  # what SIGKILL leaves
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert folder_state(out) == "killed"


# ------------------------------------------------------------------ servers on loopback


def _listening(pid: int) -> list[tuple[str, int]]:
    """Listening TCP sockets of a process, from /proc (no psutil needed)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for family, table in ((socket.AF_INET, "/proc/net/tcp"), (socket.AF_INET6, "/proc/net/tcp6")):
        try:
            with open(table) as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A = LISTEN
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)
            words = b"".join(
                struct.pack("<I", struct.unpack(">I", raw[i : i + 4])[0])
                for i in range(0, len(raw), 4)
            )
            found.append((socket.inet_ntop(family, words), int(port, 16)))
    return found


@pytest.mark.timeout(120)
def test_a_local_dask_cluster_listens_on_loopback_only():
    from abm.sweep.engines import dask_engine

    before = set(_listening(os.getpid()))
    with dask_engine(2, None) as engine:
        assert engine.capacity() == 2
        opened = set(_listening(os.getpid())) - before
    assert opened, "the cluster's HTTP endpoints should be visible"
    assert {host for host, _ in opened} == {"127.0.0.1"}, opened


def test_dashboard_needs_a_local_cluster():
    from abm.sweep.engines import check_engine_args

    with pytest.raises(UserError, match="--dashboard needs"):
        check_engine_args("local", None, None, "127.0.0.1:8787")


# ------------------------------------------------------------------ a lost scheduler

CLUSTER = """
import sys, time
from distributed import LocalCluster
with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                  dashboard_address="127.0.0.1:0") as cluster:
    print(cluster.scheduler_address, flush=True)
    time.sleep(3600)
"""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_lost_scheduler_is_one_line_with_the_resume_command(write_spec, tmp_path):
    import subprocess
    import sys
    import time

    from sweep_helpers import abm_subprocess

    from tests.procs import part_files, work_units

    # 120 runs of ~0.15 s of CPU each: still running when the first part lands, here or on
    # a faster machine (a fixed amount of work took 0.05 s a run on one)
    slow = TOY_SPEC.replace("replications = 2", "replications = 20").replace(
        '"params.noise" = 0.05', f'"params.noise" = 0.05\n"params.work" = {work_units(0.15)}'
    )
    spec_path = write_spec(slow)
    cluster = subprocess.Popen(
        [sys.executable, "-c", CLUSTER], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        address = cluster.stdout.readline().strip()
        out = tmp_path / "out"
        proc = abm_subprocess(
            "sweep", spec_path, "--out", out, "--engine", "dask", "--scheduler", address
        )
        deadline = time.monotonic() + 300
        # the state it needs, not a time: runs under way on the cluster (a part landed)
        while part_files(out / RUNS) < 1:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        os.killpg(cluster.pid, 9)  # the scheduler and its workers are gone at once
        _, err = proc.communicate(timeout=300)
    finally:
        if cluster.poll() is None:
            os.killpg(cluster.pid, 9)
        cluster.wait()
    assert proc.returncode == 2, err
    errors = [line for line in err.splitlines() if line.startswith("abm:")]
    assert "Traceback" not in err and len(errors) == 1, err  # (and progress log lines)
    assert "the Dask scheduler or its workers were lost" in err
    assert f"--scheduler {address} --resume" in err
    assert read_manifest(out)["state"] == "failed"
