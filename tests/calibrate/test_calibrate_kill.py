"""A real ``kill -9`` of a running ``abm calibrate``, then ``--resume``: the same posterior;
SIGTERM: a clean stop that says how to resume."""

from __future__ import annotations

import signal
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from calib_helpers import abm_main, abm_subprocess, write_spec

from abm.calibrate.smc import read_manifest
from abm.sweep.store import read_manifest as sweep_manifest
from tests.procs import alive, children, kill_at, wait_for

_wait_for = partial(wait_for, what="the calibration")


def _generations(out: Path) -> int:
    folder = out / "generations"
    return len(list(folder.glob("gen-*.parquet"))) if folder.is_dir() else 0


def _batch_parts(out: Path) -> int:
    return len(list((out / "runs").glob("*/runs/part-*.parquet"))) if (out / "runs").is_dir() else 0


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_sigkill_then_resume_gives_the_uninterrupted_posterior(tmp_path):
    spec = write_spec(tmp_path, firms=150, steps=12, particles=24, generations=2)
    reference = tmp_path / "reference"
    assert abm_main("calibrate", spec, "--out", reference, "--workers", "2") == 0
    out = tmp_path / "out"

    # kill at states, not times: while the prior's batch runs, once generation 0 is stored,
    # mid-generation 1 (a third batch part landed)
    moments = [
        lambda: _wait_for(lambda: _batch_parts(out) >= 1 or (out / "runs").is_dir(), 120),
        lambda: _wait_for(lambda: _generations(out) >= 1, 300),
        lambda: _wait_for(lambda: _batch_parts(out) >= 3, 300),
    ]
    kill_at(["calibrate", spec, "--out", out, "--workers", "2"], moments, settle=20)

    manifest = read_manifest(out)
    assert manifest is not None and manifest["state"] == "running"
    assert not (out / "posterior.parquet").exists()

    proc = abm_subprocess("calibrate", spec, "--out", out, "--workers", "2", "--resume")
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    pd.testing.assert_frame_equal(
        pd.read_parquet(reference / "posterior.parquet"),
        pd.read_parquet(out / "posterior.parquet"),
        check_exact=True,
    )
    for t in range(_generations(reference)):
        name = f"gen-{t:02d}.parquet"
        pd.testing.assert_frame_equal(
            pd.read_parquet(reference / "generations" / name),
            pd.read_parquet(out / "generations" / name),
            check_exact=True,
        )


def _batch_folders(out: Path) -> list[Path]:
    """The batch sweep folders opened so far (each holds its manifest)."""
    runs = out / "runs"
    return [p.parent for p in runs.glob("*/manifest.json")] if runs.is_dir() else []


def _run_hosts(proc) -> list[int]:
    """The run processes (``abm.sweep.host``) the calibration's engine has started."""
    hosts = []
    for pid in children(proc.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"abm.sweep.host" in command:
            hosts.append(pid)
    return hosts


def _finish(proc, timeout: float) -> str:
    """The command's stderr once it exits; killed if it runs past ``timeout`` s (an endless
    calibration must not outlive a failed test)."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except BaseException:
        _kill(proc)
        raise


def _kill(proc) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigterm_stops_and_says_how_to_resume(tmp_path):
    # A budget no machine uses up within the test (the budget is not part of what a
    # calibration is, so the folder resumes below with a small one): the signal lands
    # while the calibration runs, however fast or loaded the machine is.
    endless = write_spec(
        tmp_path, firms=150, steps=12, particles=24, generations=1000, max_runs=10**7,
        min_acceptance=0.0, name="endless.toml",
    )  # fmt: skip
    out = tmp_path / "out"
    began = time.monotonic()
    proc = abm_subprocess("calibrate", endless, "--out", out, "--workers", "2")
    try:
        # under way, with runs in flight: the first batch's sweep folder is open and both
        # run processes exist (a run process starts with its first run)
        _wait_for(lambda: _batch_folders(out), 300)
        _wait_for(lambda: len(_run_hosts(proc)) == 2 or proc.poll() is not None, 300)
        assert proc.poll() is None, proc.communicate()
        hosts = _run_hosts(proc)
    except BaseException:
        _kill(proc)
        raise
    proc.send_signal(signal.SIGTERM)
    stderr = _finish(proc, 120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr
    said = [line for line in stderr.splitlines() if line.startswith("abm:")]  # (and progress)
    assert len(said) == 1 and "calibration interrupted" in said[0], stderr
    assert f"saved in {out}" in said[0] and "--resume" in said[0]
    assert read_manifest(out)["state"] == "interrupted"
    # every batch folder says it was stopped or finished, none is left "running"
    states = [sweep_manifest(folder)["state"] for folder in _batch_folders(out)]
    assert set(states) <= {"interrupted", "complete"}, states
    _wait_for(lambda: not any(alive(p) for p in hosts), 20)  # the run processes stopped
    print(f"SIGTERM to exit 130: {time.monotonic() - began:.1f} s")

    # --resume (with a budget that ends after the prior sample) finishes the folder
    spec = write_spec(
        tmp_path, firms=150, steps=12, particles=24, generations=0,
        targets=tmp_path / "targets.toml",
    )  # fmt: skip
    proc = abm_subprocess("calibrate", spec, "--out", out, "--workers", "2", "--resume")
    stderr = _finish(proc, 600)
    assert proc.returncode == 0, stderr
    manifest = read_manifest(out)
    assert manifest["state"] == "complete" and manifest["generations_done"] >= 1
    assert len(pd.read_parquet(out / "posterior.parquet")) == 24
    print(f"and --resume to complete: {time.monotonic() - began:.1f} s")
