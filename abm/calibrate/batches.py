"""Run a calibration's batches on one sweep engine that stays open for the whole calibration.

Each batch is an ordinary sweep folder (plan, store, resume: :mod:`abm.sweep`), but
``abm.sweep.run_sweep`` opens and closes an engine per call, which costs a few seconds
per batch (starting a run process per worker and importing the model). A calibration
runs tens of batches, so it opens the engine once (:func:`abm.sweep.engines.open_engine`)
and drives each batch's plan into its store here, the same way the sweep runner does:
at most two runs per worker in flight, finished runs streamed to Parquet parts, a run
that fails or times out recorded as such, an engine failure stopping with what was
written kept. (With a ``run_sweep`` that accepted an open engine, this module would be
one call.)
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

from abm.errors import UserError
from abm.sweep.engines import Engine
from abm.sweep.host import Job, execute
from abm.sweep.plan import Plan
from abm.sweep.progress import Progress
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
        try:
            ran = _drive(eng, Job(spec.model, spec.base, spec.steps, spec.metrics, spec.timeout),
                         plan, store, bar, flush_seconds)  # fmt: skip
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


def _drive(
    eng: Engine, job: Job, plan: Plan, store: SweepStore, bar: Progress, flush_s: float
) -> int:
    todo = store.missing()
    pending: dict[Future[Any], int] = {}
    ran = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < 2 * eng.capacity():
                run_id = next(todo, None)
                if run_id is None:
                    exhausted = True
                    break
                pending[eng.executor.submit(execute, job, plan.task(run_id))] = run_id
            if not pending:
                return ran
            finished, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                run_id = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:
                    raise UserError(
                        f"the {eng.name} engine failed ({type(exc).__name__}: {exc}); the runs "
                        "finished so far are saved, and --resume continues"
                    ) from exc
                outcome.run_id = run_id
                store.add(outcome)
                bar.advance(outcome.status)
                ran += 1
            if store.should_flush(1000, 200_000, flush_s):
                store.flush()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
