"""A real ``kill -9`` of a running ``abm calibrate``, then ``--resume``: the same posterior."""

from __future__ import annotations

import signal
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from calib_helpers import abm_main, abm_subprocess, write_spec

from abm.calibrate.smc import read_manifest
from tests.procs import kill_at, wait_for

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

    # kill: while the prior's batch runs, just after generation 0 is stored, mid-generation 1
    moments = [
        lambda: _wait_for(lambda: _batch_parts(out) >= 1 or (out / "runs").is_dir(), 120),
        lambda: (_wait_for(lambda: _generations(out) >= 1, 300), time.sleep(0.2)),
        lambda: (_wait_for(lambda: _batch_parts(out) >= 3, 300), time.sleep(0.5)),
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


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigterm_stops_and_says_how_to_resume(tmp_path):
    spec = write_spec(tmp_path, firms=150, steps=12, particles=24, generations=2)
    out = tmp_path / "out"
    proc = abm_subprocess("calibrate", spec, "--out", out, "--workers", "2")
    _wait_for(lambda: _generations(out) >= 1, 300)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "calibration interrupted" in stderr and "--resume" in stderr
    assert "Traceback" not in stderr
    assert read_manifest(out)["state"] == "interrupted"
