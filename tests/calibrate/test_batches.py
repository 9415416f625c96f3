"""A calibration batch runs through the sweep runner's own loop on an engine kept open:
the results of ``abm sweep``, the same engine-failure line, the same resume after a stop."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future

import pandas as pd
import pytest

from abm.calibrate.batches import run_batch
from abm.errors import UserError
from abm.sweep import load_spec, run_sweep
from abm.sweep.engines import Engine, open_engine
from abm.sweep.store import load_series, read_manifest
from tests.sweep.sweep_helpers import TOY_SPEC, results, write_files

# what a calibration batch keeps: per-step series only, no final values (2 sites x 3
# points x 3 replications)
RUNS = 18
BATCH_SPEC = TOY_SPEC.replace("replications = 2", "replications = 3") + "final = []\nregions = []\n"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The batch's spec run by ``run_sweep`` (its own engine, trial run and all)."""
    folder = tmp_path_factory.mktemp("batch")
    spec = load_spec(write_files(folder, BATCH_SPEC))
    out = folder / "sweep"
    run_sweep(spec, out, workers=2, progress=False)
    series = [c for c in load_series(out).columns if c not in ("run_id", "step")]
    return spec, out, series


class _Executor:
    """The engine's executor for the first ``after`` runs; from then on ``broken(executor,
    fn, *args)`` stands for the engine (it may raise, or return a future that fails)."""

    def __init__(self, executor, after: int, broken):
        self._executor, self._after, self._broken = executor, after, broken
        self.submitted = 0

    def submit(self, fn, *args, **kwargs) -> Future:
        self.submitted += 1
        if self.submitted <= self._after:
            return self._executor.submit(fn, *args, **kwargs)
        return self._broken(self._executor, fn, *args)


def _answer_with(exc: BaseException):
    """A run that does its work in the engine's thread, whose future then fails with ``exc``."""

    def run(fn, *args):
        fn(*args)
        raise exc

    return lambda executor, fn, *args: executor.submit(run, fn, *args)


def _refuse(executor, fn, *args):
    raise RuntimeError("scheduler gone")


class _Noted(Future):
    """A run's future that notes when the runner has taken its result."""

    def __init__(self, taken: list[int]):
        super().__init__()
        self._taken = taken

    def result(self, timeout=None):
        value = super().result(timeout)
        self._taken.append(1)
        return value


def _lost_after_a_result(eng: Engine, workers: int) -> dict:
    """An engine that cannot count its workers once the runner has recorded a run: the
    failure then comes with runs saved, however slow the machine (a fixed count of calls
    could come before any run finished, and nothing would be saved)."""
    taken: list[int] = []

    class Watch:
        def submit(self, fn, *args, **kwargs) -> Future:
            real, mine = eng.executor.submit(fn, *args, **kwargs), _Noted(taken)

            def relay(done: Future) -> None:
                if mine.done():  # cancelled by the runner as it stopped
                    return
                if done.cancelled():
                    mine.cancel()
                elif done.exception() is not None:
                    mine.set_exception(done.exception())
                else:
                    mine.set_result(done.result())

            real.add_done_callback(relay)
            return mine

    def capacity() -> int:
        if taken:
            raise RuntimeError("no workers")
        return workers

    return {"executor": Watch(), "capacity": capacity}


def _broken(eng: Engine, **changes) -> tuple[Engine, list[int]]:
    """``eng`` with ``changes``, and a list that records each call of its kill_running."""
    killed: list[int] = []

    def kill() -> None:
        killed.append(1)
        eng.kill_running()

    return dataclasses.replace(eng, kill_running=kill, **changes), killed


def test_a_batch_gives_the_results_of_the_same_sweep(reference, tmp_path):
    spec, sweep_out, series = reference
    out = tmp_path / "batch"
    with open_engine("local", 2, None) as eng:
        assert run_batch(eng, spec, out, series, resume=False, progress=False) == RUNS
        # a finished batch: resumed, nothing runs again
        assert run_batch(eng, spec, out, series, resume=True, progress=False) == 0
    assert read_manifest(out)["state"] == "complete"
    for a, b in zip(results(sweep_out), results(out), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize(
    ("what", "wording"),
    [
        ("result", "RuntimeError: worker lost"),  # a run's future fails, not the run
        ("submit", "RuntimeError: scheduler gone"),  # the engine refuses a run
        ("capacity", "RuntimeError: no workers"),  # the engine cannot count its workers
    ],
)
def test_an_engine_failure_is_one_line_keeps_the_runs_and_resume_finishes(
    reference, tmp_path, what, wording
):
    spec, sweep_out, series = reference
    out = tmp_path / "batch"
    with open_engine("local", 2, None) as eng:
        if what == "result":
            change = {
                "executor": _Executor(eng.executor, 5, _answer_with(RuntimeError("worker lost")))
            }
        elif what == "submit":
            change = {"executor": _Executor(eng.executor, 5, _refuse)}
        else:
            change = _lost_after_a_result(eng, 2)
        bad, killed = _broken(eng, **change)
        with pytest.raises(UserError) as caught:
            run_batch(bad, spec, out, series, resume=False, progress=False)
        assert str(caught.value) == (
            f"the local engine failed ({wording}); the runs finished so far are saved, "
            "and --resume continues"
        )
        manifest = read_manifest(out)
        assert manifest["state"] == "failed" and killed
        done = manifest["runs_done"]
        assert run_batch(eng, spec, out, series, resume=True, progress=False) == RUNS - done
    for a, b in zip(results(sweep_out), results(out), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_an_interrupted_batch_reads_interrupted_and_resume_finishes(reference, tmp_path):
    spec, sweep_out, series = reference
    out = tmp_path / "batch"
    with open_engine("local", 2, None) as eng:
        executor = _Executor(eng.executor, 6, _answer_with(KeyboardInterrupt()))
        bad, killed = _broken(eng, executor=executor)
        with pytest.raises(KeyboardInterrupt):
            run_batch(bad, spec, out, series, resume=False, progress=False)
        manifest = read_manifest(out)
        assert manifest["state"] == "interrupted" and killed
        assert 0 < manifest["runs_done"] < RUNS
        assert run_batch(eng, spec, out, series, resume=True, progress=False) == (
            RUNS - manifest["runs_done"]
        )
    assert read_manifest(out)["state"] == "complete"
    for a, b in zip(results(sweep_out), results(out), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
