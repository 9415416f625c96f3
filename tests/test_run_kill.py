"""``abm run`` stopped by SIGTERM cleans up as it does on Ctrl-C: exit status 130, one line,
no staging folder left (issue 24, defect 8)."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from tests.procs import abm_subprocess, wait_for


@pytest.mark.timeout(300)
def test_sigterm_stops_abm_run_like_ctrl_c(tmp_path):
    out = tmp_path / "out"
    # long enough (20,000 firms) that the signal lands during the run on any machine
    proc = abm_subprocess(
        "run", "scenarios/baseline.toml", "--set", "population.firms=20000", "--out", out
    )
    try:
        staging = lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".out.abm-")]  # noqa: E731
        wait_for(lambda: staging() or proc.poll() is not None, 120, "the run's staging folder")
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.strip() == "abm: interrupted", stderr
    assert list(tmp_path.iterdir()) == []  # no staging folder, no results


def test_an_interrupt_while_publishing_waits_until_the_folder_is_in_place(tmp_path, monkeypatch):
    """Where there is no atomic swap, the old folder is moved aside before the new one is
    renamed into place: Ctrl-C (or SIGTERM) between the two renames would leave no results,
    so the interrupt waits until both are done."""
    import os

    from abm import run as run_module

    out, staging = tmp_path / "out", tmp_path / ".out.abm-1-x"
    out.mkdir()
    (out / "summary.json").write_text("old")
    staging.mkdir()
    (staging / "summary.json").write_text("new")
    monkeypatch.setattr(run_module, "_exchange", lambda a, b: False)  # a file system without it
    real = os.replace
    calls = []

    def replace(a, b):
        real(a, b)
        calls.append(b)
        if len(calls) == 1:  # the old folder is aside now: Ctrl-C
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(run_module.os, "replace", replace)
    # Python's own Ctrl-C handler, whatever an earlier test (a server, a Dask cluster) left
    # installed: publish re-raises a held signal to the handler that was there before it
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    # another thread, as numpy's or a pool's: a signal to the process may go to it
    done = threading.Event()
    other = threading.Thread(target=done.wait)
    other.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            run_module.publish(staging, out)
            # the kernel may hand the signal to the other thread, whose handler then runs in
            # the main thread only once that thread is scheduled (late on a loaded machine):
            # wait for the interrupt itself, never for a fixed time
            for _ in range(6000):
                time.sleep(0.005)
    finally:
        signal.signal(signal.SIGINT, previous)
        done.set()
        other.join()
    assert len(calls) == 2 and (out / "summary.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
