"""The SBC's machinery on the real model at a toy budget (4 synthetic calibrations of the
recovery example at 60 firm agents): ranks in range, the files, bad folders refused in one
line, and a ``kill -9`` then ``--resume`` that gives the uninterrupted result, bit for bit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from calib_helpers import ROOT

from abm.calibrate import sbc
from tests.procs import kill_at, wait_for

SPEC = ROOT / "examples" / "calibrate" / "recovery.toml"
TOY = ["--n", "4", "--particles", "8", "--generations", "1", "--max-runs", "40"]
TOY += ["--firms", "60", "--seed", "5", "--workers", "2"]
_wait_for = partial(wait_for, what="the SBC")


def _start(*args: object) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "abm.calibrate.sbc", *map(str, args)],
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _files(out: Path) -> dict[str, bytes]:
    names = [sbc.SUMMARY, *(f"units/{p.name}" for p in sorted((out / "units").glob("*.json")))]
    return {n: (out / n).read_bytes() for n in names}


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_toy_sbc_ranks_files_and_resume_after_kill(tmp_path, capsys):
    reference = tmp_path / "reference"
    assert sbc.main([str(SPEC), "--out", str(reference), *TOY]) == 0
    summary = json.loads((reference / sbc.SUMMARY).read_text())
    assert summary["units"] == 4 and not summary["full"]
    assert summary["budget"]["firms"] == 60 and summary["budget"]["particles"] == 8
    assert (reference / sbc.FIGURE).stat().st_size > 0
    keys = list(summary["parameters"])
    assert len(keys) == 3
    for key, p in summary["parameters"].items():
        assert len(p["ranks"]) == summary["calibrated"]
        assert all(0 <= r <= sbc.DRAWS for r in p["ranks"]), (key, p["ranks"])
        assert sum(p["histogram"]) == summary["calibrated"]
    for i in range(4):
        unit = json.loads((reference / "units" / f"{i:03d}.json").read_text())
        assert set(unit["truth"]) == set(keys)
        if unit["status"] == "ok":
            assert unit["runs"] <= 40 and unit["generations"] >= 1

    # the same folder again without --resume, or with another budget: one line, status 2
    capsys.readouterr()
    assert sbc.main([str(SPEC), "--out", str(reference), *TOY]) == 2
    assert sbc.main([str(SPEC), "--out", str(reference), *TOY, "--firms", "80", "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("abm: error: --out") for line in err), err

    # killed mid-way through the first unit's calibration, then between units: --resume
    # finishes with the same units and summary as the run never killed
    out = tmp_path / "out"
    moments = [
        lambda: _wait_for(lambda: (out / "units" / "000" / "calibration" / "runs").is_dir(), 300),
        lambda: _wait_for(lambda: (out / "units" / "001.json").is_file(), 600),
    ]
    kill_at([SPEC, "--out", out, *TOY], moments, settle=10, start=_start)
    assert not (out / sbc.SUMMARY).exists()
    proc = _start(SPEC, "--out", out, *TOY, "--resume")
    _, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 0, stderr
    assert _files(out) == _files(reference)


def test_bad_flags_are_one_line_and_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert sbc.main([str(SPEC), "--out", str(out), "--particles", "50", "--max-runs", "40"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["abm: error: --max-runs 40 cannot fill one generation of 50 particles"]
    with pytest.raises(SystemExit) as exit_:  # argparse's own one line
        sbc.main([str(SPEC), "--out", str(out), "--firms", "0"])
    assert exit_.value.code == 2 and "--firms" in capsys.readouterr().err
    assert not out.exists()


def test_a_file_as_out_and_a_missing_spec_are_refused(tmp_path, capsys):
    busy = tmp_path / "file"
    busy.write_text("x")
    assert sbc.main([str(SPEC), "--out", str(busy)]) == 2
    assert sbc.main([str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "exists and is not a folder" in err[0], err
    assert "none.toml" in err[1] and busy.read_text() == "x"


def test_a_second_sbc_on_the_same_folder_stops_in_one_line(tmp_path, capsys):
    from abm.calibrate.smc import lock_folder

    out = tmp_path / "out"
    out.mkdir()
    held = lock_folder(out, "SBC")  # as a running SBC holds it
    try:
        assert sbc.main([str(SPEC), "--out", str(out), "--n", "1"]) == 2
    finally:
        held.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"abm: error: --out {out}: another SBC is writing to it now"]
    assert not (out / "units").exists()


def test_a_batch_killed_before_its_sweep_manifest_runs_afresh(tmp_path):
    """A kill as a batch's sweep folder opened leaves it without a manifest; the sweep store
    refuses such a folder, so the resumed SBC (or calibration) stopped for good. Found by the
    kill test above."""
    import numpy as np

    from abm.calibrate.sbc import Settings, reduced
    from abm.calibrate.smc import simulate
    from abm.calibrate.spec import load_calibration_spec
    from abm.sweep.engines import open_engine

    spec = reduced(load_calibration_spec(SPEC), Settings(particles=4, max_runs=4, firms=40))
    targets, _ = spec.targets.split(
        spec.base.start, spec.steps, list(spec.base.regions), list(spec.base.districts)
    )
    out = tmp_path / "truth"
    out.mkdir()
    (out / ".manifest.json.123.tmp").write_text("{")  # an atomic write cut short
    theta = spec.prior.sample(1, np.random.default_rng(1))
    with open_engine("local", 1, None) as eng:
        stats, ok = simulate(eng, spec, targets, out, theta, seed=1, title="t", progress=False)
    assert ok.all() and np.isfinite(stats).all()
