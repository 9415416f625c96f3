"""The flags and the interruption the three resumable commands share (abm/cliutil.py): the
same flags with the same checks, and on Ctrl-C or SIGTERM status 130 with where the results
are and how to finish, word for word as each command said it before."""

from __future__ import annotations

import argparse
import os
import signal
import time
import types

import pytest

from abm import cliutil
from abm.cli import main


def test_run_flags_parse_and_check_alike():
    p = argparse.ArgumentParser()
    cliutil.add_run_flags(p, "finish it", max_workers=4)
    args = p.parse_args(["--out", "d", "--workers", "3", "--engine", "dask", "--resume"])
    assert (args.out, args.workers, args.engine, args.resume) == ("d", 3, "dask", True)
    assert p.parse_args(["--out", "d"]).engine == "local"
    for bad in (["--out", "d", "--workers", "5"], ["--out", "d", "--engine", "x"], []):
        with pytest.raises(SystemExit) as exc:
            p.parse_args(bad)
        assert exc.value.code == 2
    optional = argparse.ArgumentParser()
    cliutil.add_run_flags(optional, "finish it", out_required=False)
    assert optional.parse_args([]).out is None
    assert "results folder (required)" in optional.format_help()


def test_sigterm_is_ctrl_c():
    previous = signal.getsignal(signal.SIGTERM)
    try:
        cliutil.interrupt_on_sigterm()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts the sleep
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.fixture
def no_sigterm_change(monkeypatch):
    monkeypatch.setattr(cliutil, "interrupt_on_sigterm", lambda: None)
    for module in ("abm.sweep.cli", "abm.calibrate.cli", "abm.decide.cli"):
        monkeypatch.setattr(f"{module}.interrupt_on_sigterm", lambda: None)


def test_an_interrupted_sweep_says_how_to_continue(
    tmp_path, monkeypatch, capsys, no_sigterm_change
):
    spec = types.SimpleNamespace(name="s")
    monkeypatch.setattr("abm.sweep.spec.load_spec", lambda *a, **k: spec)
    monkeypatch.setattr("abm.sweep.runner.run_sweep", _interrupt)
    monkeypatch.setattr(
        "abm.sweep.store.read_manifest", lambda out: {"runs_done": 3, "runs_total": 10}
    )
    out = tmp_path / "out"
    assert main(["sweep", "spec.toml", "--out", str(out), "--engine", "dask"]) == 130
    assert capsys.readouterr().err == (
        f"abm: sweep interrupted; 3 of 10 runs are saved in {out}; "
        f"continue with: abm sweep spec.toml --out {out} --engine dask --resume\n"
    )


def test_an_interrupted_calibration_counts_its_generations(
    tmp_path, monkeypatch, capsys, no_sigterm_change
):
    class Calibrator:
        def __init__(self, *a, **k):
            pass

        run = _interrupt

    monkeypatch.setattr("abm.calibrate.spec.load_calibration_spec", lambda path: None)
    monkeypatch.setattr("abm.calibrate.smc.Calibrator", Calibrator)
    monkeypatch.setattr("abm.calibrate.smc.read_manifest", lambda out: {"generations_done": 2})
    out = tmp_path / "cal"
    assert main(["calibrate", "spec.toml", "--out", str(out)]) == 130
    assert capsys.readouterr().err == (
        f"abm: calibration interrupted; 2 finished generations are saved in {out}; "
        "run the same command with --resume to finish\n"
    )


def test_an_interrupted_decision_counts_its_runs(tmp_path, monkeypatch, capsys, no_sigterm_change):
    from abm.decide.run import SWEEP_DIR

    out = tmp_path / "dec"
    (out / SWEEP_DIR).mkdir(parents=True)
    monkeypatch.setattr("abm.decide.spec.load_decision", lambda path: None)
    monkeypatch.setattr("abm.decide.run.run_decision", _interrupt)
    monkeypatch.setattr("abm.sweep.store.read_manifest", lambda folder: {"runs_done": 7})
    assert main(["decide", "spec.toml", "--out", str(out)]) == 130
    assert capsys.readouterr().err == (
        f"abm: decision interrupted; 7 of ? runs are saved in {out}; "
        "run the same command with --resume to finish\n"
    )
