"""Run a calibration's batches on one sweep engine that stays open for the whole calibration.

Each batch is an ordinary sweep folder (plan, store, resume: :mod:`abm.sweep`), but
``abm.sweep.run_sweep`` opens and closes an engine per call, which costs a few seconds
per batch (starting a run process per worker and importing the model). A calibration
runs tens of batches, so it opens the engine once (:func:`abm.sweep.engines.open_engine`)
and drives each batch's plan into its store with the sweep runner's own loop
(:func:`abm.sweep.runner.drive`): at most two runs per worker in flight, finished runs
streamed to Parquet parts, a run that fails or times out recorded as such, an engine
failure stopping with what was written kept. What differs from ``run_sweep`` is only
what a batch does not need: no trial run (the calibration names the series it keeps)
and no report.
"""

from __future__ import annotations

from pathlib import Path

from abm.errors import UserError
from abm.sweep.engines import Engine
from abm.sweep.host import Job
from abm.sweep.plan import Plan
from abm.sweep.progress import Progress
from abm.sweep.runner import EngineLost, drive
from abm.sweep.spec import SweepSpec
from abm.sweep.store import SweepStore


def run_batch(
    eng: Engine,
    spec: SweepSpec,
    out: Path,
    series: list[str],
    *,
    resume: bool,
    progress: bool | None,
    flush_seconds: float = 5.0,
) -> int:
    """Run (or finish) one batch sweep into ``out`` on the open engine; runs done now."""
    SweepStore.check(out, spec, resume)
    plan = Plan(spec)
    store = SweepStore.open(out, spec, plan, resume)
    state = "failed"
    try:
        if store.runs_schema is None:
            store.set_columns([], series)
        failed = store.counts["error"] + store.counts["timeout"]
        bar = Progress(spec.name, plan.n_runs, store.n_done, failed, progress)
        job = Job(spec.model, spec.base, spec.steps, spec.metrics, spec.timeout)
        try:
            ran = drive(eng, job, plan, store, bar, (1000, 200_000, flush_seconds))
        except EngineLost as lost:
            cause = lost.cause
            raise UserError(
                f"the {eng.name} engine failed ({type(cause).__name__}: {cause}); the runs "
                "finished so far are saved, and --resume continues"
            ) from cause
        finally:
            bar.close()
        state = "complete"
        return ran
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            state = "interrupted"
        eng.kill_running()
        raise
    finally:
        store.close(state)
