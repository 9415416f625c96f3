"""A real ``kill -9`` of a running ``abm decide``, then ``--resume``: the same decision.json."""

from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path

import pytest
from decide_helpers import PLANTED_SPEC, abm_subprocess, write_spec

from abm.sweep.store import read_manifest
from tests.procs import kill_at, part_files, wait_for, work_units

_wait_for = partial(wait_for, what="the decision")


def _parts(out: Path) -> int:
    return part_files(out / "sweep" / "runs")


def slow_spec() -> str:
    """3 options x 20 draws x 2 seeds = 120 runs of ~0.2 s of CPU work each: ~15 s on 2
    cores, long enough that the kills below land before the end."""
    work = f'"params.work" = {work_units(0.2)}'
    spec = PLANTED_SPEC.replace("draws = 24", "draws = 20")
    for site in ("capital", "daegu", "gwangju"):
        spec = spec.replace(
            f'set = {{ "centers.site" = "{site}" }}',
            f'set = {{ "centers.site" = "{site}", {work} }}',
        )
    assert spec.count(work) == 3
    return spec


def _run(*args: object) -> tuple[int, str, str]:
    proc = abm_subprocess(*args)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sigkill_then_resume_gives_the_same_decision(tmp_path):
    spec = write_spec(tmp_path, slow_spec())
    code, _, err = _run("decide", spec, "--out", tmp_path / "reference", "--workers", "2")
    assert code == 0, err
    out = tmp_path / "out"
    moments = [
        lambda: (_wait_for(lambda: _parts(out) >= 1, 120), time.sleep(0.2)),
        lambda: (_wait_for(lambda: _parts(out) >= 2, 120), time.sleep(1.5)),
    ]
    kill_at(["decide", spec, "--out", out, "--workers", "2"], moments, 20, abm_subprocess)
    manifest = read_manifest(out / "sweep")
    assert manifest is not None and 0 < manifest["runs_done"] < manifest["runs_total"]
    assert not (out / "decision.json").exists()

    code, stdout, err = _run("decide", spec, "--out", out, "--workers", "2", "--resume")
    assert code == 0, err
    assert f"({manifest['runs_total'] - manifest['runs_done']} run now" in stdout
    reference = json.loads((tmp_path / "reference" / "decision.json").read_text())
    assert json.loads((out / "decision.json").read_text()) == reference
    assert (out / "decision.json").read_bytes() == (
        tmp_path / "reference" / "decision.json"
    ).read_bytes()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_killed_sequential_decision_continues_where_it_was(tmp_path):
    """Four batches (the budget), killed in batch 1 and again in batch 2: --resume finishes
    the batch it was in, runs the rest, and writes the decision an unbroken run writes."""
    spec = slow_spec().replace("draws = 20", "draws = 4")
    spec += "\n[sequential]\nwidth = 0.001\nmax_runs = 96\n"  # 24 runs a batch, 4 batches
    path = write_spec(tmp_path, spec)
    code, _, err = _run("decide", path, "--out", tmp_path / "reference", "--workers", "2")
    assert code == 0, err
    out = tmp_path / "out"
    moments = [
        lambda: _wait_for(lambda: part_files(out / "sweep-001" / "runs") >= 1, 300),
        lambda: _wait_for(lambda: (out / "sweep-002" / "manifest.json").is_file(), 300),
    ]
    kill_at(["decide", path, "--out", out, "--workers", "2"], moments, 20, abm_subprocess)
    assert not (out / "decision.json").exists()
    assert read_manifest(out / "sweep")["state"] == "complete"

    code, _, err = _run("decide", path, "--out", out, "--workers", "2", "--resume")
    assert code == 0, err
    assert "batch 3: 24 runs" in err and "run budget" in err
    reference = tmp_path / "reference" / "decision.json"
    assert (out / "decision.json").read_bytes() == reference.read_bytes()
    assert json.loads((out / "decision.json").read_text())["futures"]["batches"] == 4
