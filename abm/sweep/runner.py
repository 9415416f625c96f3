"""The sweep runner: submit missing runs to an engine, stream finished ones to Parquet.

Memory stays flat: at most a few runs per worker are in flight, finished rows
are written out every few seconds (or every ``flush_rows`` runs), and the only
per-run state kept is one boolean "done" flag. A run that raises or times out
is a recorded result; an exception from the engine itself (a worker that
cannot start, a lost cluster) stops the sweep, keeping what was written.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any

import pandas as pd

from abm.errors import Problem, UserError
from abm.sweep.engines import Engine, check_engine_args, open_engine
from abm.sweep.host import Job, execute
from abm.sweep.plan import Plan, RunTask
from abm.sweep.progress import Progress
from abm.sweep.spec import SpecError, SweepSpec, load_spec
from abm.sweep.store import SweepStore, load_results


@dataclass
class SweepReport:
    """What a call to :func:`run_sweep` did (figures for logs and benchmarks)."""

    out: Path
    runs_total: int
    ran: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    engine: str = ""
    setup_s: float = 0.0  # opening the folder, starting the engine, the trial run
    wall_s: float = 0.0


def _trial(engine: Engine, spec: SweepSpec, store: SweepStore) -> None:
    """Run one step of the base scenario on every worker: start them, learn the output columns."""
    job = Job(spec.model, spec.base, 1, spec.metrics, spec.timeout)
    task = RunTask(-1, store.plan.seed(0), {f.key: f.value for f in spec.fixed})
    outcome = engine.prepare(job, task)[0]
    if outcome.status != "ok":
        message = outcome.error or outcome.status
        if outcome.error_type == "MetricError":
            raise SpecError([Problem(spec.source, "", message.split(": ", 1)[1])])
        raise UserError(
            f"{spec.source}: a one-step trial run of the base scenario failed, so the sweep "
            f"did not start: {message}"
        )
    if store.runs_schema is None:
        store.set_columns(list(outcome.finals), list(outcome.series))


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    *,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool | None = None,
    flush_rows: int = 1000,
    flush_series_rows: int = 200_000,
    flush_seconds: float = 5.0,
) -> SweepReport:
    """Run (or finish, with ``resume``) a sweep into the folder ``out``."""
    began = monotonic()
    out = Path(out)
    check_engine_args(engine, workers, scheduler)
    SweepStore.check(out, spec, resume)  # refuse before starting an engine
    plan = Plan(spec)
    report = SweepReport(out, plan.n_runs)
    with open_engine(engine, workers, scheduler) as eng:
        report.engine = eng.describe
        store = SweepStore.open(out, spec, plan, resume)  # nothing is written before this
        state = "failed"
        try:
            _trial(eng, spec, store)
            report.setup_s = monotonic() - began
            failed = store.counts["error"] + store.counts["timeout"]
            bar = Progress(spec.name, plan.n_runs, store.n_done, failed, progress)
            try:
                report.ran = _drive(
                    eng,
                    Job(spec.model, spec.base, spec.steps, spec.metrics, spec.timeout),
                    plan,
                    store,
                    bar,
                    (flush_rows, flush_series_rows, flush_seconds),
                )
            finally:
                bar.close()
            state = "complete"
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                state = "interrupted"
            eng.kill_running()  # do not wait for runs whose results will not be kept
            raise
        finally:
            store.close(state)
            report.counts = {k: store.counts.get(k, 0) for k in ("ok", "error", "timeout")}
            report.wall_s = monotonic() - began
    return report


def _drive(
    eng: Engine,
    job: Job,
    plan: Plan,
    store: SweepStore,
    bar: Progress,
    flush: tuple[int, int, float],
) -> int:
    todo = store.missing()
    pending: dict[Future[Any], int] = {}
    ran = 0
    exhausted = False
    try:
        while True:
            window = 2 * eng.capacity()
            while not exhausted and len(pending) < window:
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
                        f"the {eng.name} engine failed ({type(exc).__name__}: {exc}); "
                        "the runs finished so far are saved, and --resume continues"
                    ) from exc
                outcome.run_id = run_id
                store.add(outcome)
                bar.advance(outcome.status)
                ran += 1
            if store.should_flush(*flush):
                store.flush()
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def sweep(
    spec: str | Path | dict[str, Any] | SweepSpec,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool | None = None,
    as_frame: bool = False,
) -> Path | pd.DataFrame:
    """Run a sweep from Python (e.g. a notebook).

    ``spec`` is a TOML file, a dict with the same tables, or a loaded spec.
    Results go to ``out`` (default ``results/<spec name>``). Returns the folder,
    or with ``as_frame=True`` the runs table sorted by ``run_id``.
    """
    loaded = spec if isinstance(spec, SweepSpec) else load_spec(spec)
    folder = Path(out) if out is not None else Path("results") / loaded.name
    run_sweep(
        loaded,
        folder,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
    )
    return load_results(folder) if as_frame else folder
