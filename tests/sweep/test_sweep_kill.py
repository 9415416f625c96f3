"""A real ``kill -9`` of a running ``abm sweep``, then ``--resume``: the uninterrupted result."""

from __future__ import annotations

import signal
from functools import partial
from pathlib import Path

import pytest
from sweep_helpers import TOY_SPEC, abm_subprocess, assert_same_results, write_files

from abm.sweep import load_spec, run_sweep
from abm.sweep.store import read_manifest
from tests.procs import kill_at, part_files, wait_for, work_units

_wait_for = partial(wait_for, what="the sweep")


def _parts(out: Path) -> int:
    return part_files(out / "runs")


def slow_spec() -> str:
    """2 sites x 5 points x 12 replications = 120 runs of ~0.15 s of CPU work each: long
    enough (~10 s on 2 cores) that none of the three kills below can land after the end."""
    work = work_units(0.15)
    return (
        TOY_SPEC.replace("replications = 2", "replications = 12")
        .replace("samples = 3", "samples = 5")
        .replace('"params.noise" = 0.05', f'"params.noise" = 0.05\n"params.work" = {work}')
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tmp_path):
    spec_path = write_files(tmp_path, slow_spec())
    reference = tmp_path / "reference"
    run_sweep(load_spec(spec_path), reference, workers=2, progress=False)
    out = tmp_path / "out"

    # Kill at three states (never after a time: a loaded machine is slower at everything):
    # the folder opened (start-up, the trial run), a part landed, one more part landed.
    moments = [
        lambda: _wait_for(lambda: read_manifest(out) is not None, 120),
        lambda: _wait_for(lambda: _parts(out) >= 1, 120),
        lambda: _wait_for(lambda: _parts(out) >= 2, 120),
    ]
    kill_at(["sweep", spec_path, "--out", out, "--workers", "2"], moments, settle=10)

    manifest = read_manifest(out)
    assert manifest is not None and manifest["state"] == "running"
    assert 0 < manifest["runs_done"] < manifest["runs_total"]
    done_before = manifest["runs_done"]

    proc = abm_subprocess("sweep", spec_path, "--out", out, "--workers", "2", "--resume")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert f"({manifest['runs_total'] - done_before} run now" in stdout
    assert read_manifest(out)["state"] == "complete"
    assert_same_results(reference, out)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigterm_saves_finished_runs_and_says_how_to_resume(tmp_path):
    spec_path = write_files(tmp_path, slow_spec())
    out = tmp_path / "out"
    proc = abm_subprocess("sweep", spec_path, "--out", out, "--workers", "2")
    # the state the test needs: runs recorded (a part landed), not a time after the start
    # (with 2 s, a loaded machine had finished no run yet: issue 24)
    _wait_for(lambda: _parts(out) >= 1 or proc.poll() is not None, 300)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "sweep interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    manifest = read_manifest(out)
    assert manifest["state"] == "interrupted" and manifest["runs_done"] > 0
