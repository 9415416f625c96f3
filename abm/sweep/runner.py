"""The sweep runner: submit missing runs to an engine, stream finished ones to Parquet.

Memory stays flat: at most a few runs per worker are in flight, finished rows
are written out every few seconds (or every ``flush_rows`` runs), and the only
per-run state kept is one boolean "done" flag. A run that raises or times out
is a recorded result; an exception from the engine itself (a worker that
cannot start, a lost cluster) stops the sweep, keeping what was written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any

import pandas as pd

from abm.errors import Problem, UserError
from abm.scenario import safe_name
from abm.sweep.engines import Engine, check_engine_args, open_engine
from abm.sweep.host import Job, execute
from abm.sweep.plan import Plan, RunTask
from abm.sweep.progress import Progress
from abm.sweep.spec import SpecError, SweepSpec, load_spec
from abm.sweep.store import SweepStore, load_results


class EngineLost(UserError):
    """The engine itself failed (a lost Dask scheduler, a dead cluster): not a run's fault.
    What was written is kept; the message says so, and the CLI adds the --resume command.
    ``cause`` is the engine's own exception (for callers that word the failure their way)."""

    def __init__(self, message: str, cause: BaseException | None = None):
        super().__init__(message)
        self.cause = cause


@dataclass
class SweepReport:
    """What a call to :func:`run_sweep` did (figures for logs and benchmarks)."""

    out: Path
    runs_total: int
    ran: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    engine: str = ""
    retried: int = 0  # failed runs dropped to run again (--retry-failed)
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
    retry_failed: bool = False,
    dashboard: str | None = None,
    progress: bool | None = None,
    flush_rows: int = 1000,
    flush_series_rows: int = 200_000,
    flush_seconds: float = 5.0,
) -> SweepReport:
    """Run (or finish, with ``resume``) a sweep into the folder ``out``.

    ``retry_failed`` (with ``resume``) runs again the runs recorded as failed or timed
    out. The manifest ends ``complete``, ``interrupted`` or ``failed`` (with the error).
    """
    began = monotonic()
    out = Path(out)
    check_engine_args(engine, workers, scheduler, dashboard)
    if retry_failed and not resume:
        raise UserError("--retry-failed needs --resume (it retries runs of an existing sweep)")
    SweepStore.check(out, spec, resume)  # refuse before starting an engine
    plan = Plan(spec)
    report = SweepReport(out, plan.n_runs)
    with open_engine(engine, workers, scheduler, dashboard) as eng:
        report.engine = eng.describe
        try:
            store = SweepStore.open(out, spec, plan, resume, retry_failed)  # first write
        except OSError as exc:
            raise UserError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
        report.retried = store.retried
        state, error = "failed", None
        try:
            _trial(eng, spec, store)
            report.setup_s = monotonic() - began
            failed = store.counts["error"] + store.counts["timeout"]
            bar = Progress(spec.name, plan.n_runs, store.n_done, failed, progress)
            try:
                report.ran = drive(
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
        except KeyboardInterrupt:
            state = "interrupted"
            eng.kill_running()  # do not wait for runs whose results will not be kept
            raise
        except OSError as exc:
            error = f"cannot write results: {exc.strerror or exc}"
            eng.kill_running()
            raise UserError(
                f"--out {out}: {error}; the runs written before are kept: fix that, then --resume"
            ) from None
        except BaseException as exc:
            error = str(exc)[:500] or type(exc).__name__
            eng.kill_running()
            raise
        finally:
            try:
                store.close(state, error)
            finally:
                report.counts = {k: store.counts.get(k, 0) for k in ("ok", "error", "timeout")}
                report.wall_s = monotonic() - began
    return report


def _engine(eng: Engine, what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the engine; its own failure (not a run's) becomes :class:`EngineLost`."""
    try:
        return call(*args, **kwargs)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # asyncio.CancelledError is a BaseException
        reason = f"{type(exc).__name__}: {exc}".rstrip(": ")[:200]
        lost = "the Dask scheduler or its workers were lost" if eng.name == "dask" else what
        raise EngineLost(
            f"the {eng.name} engine failed while {what}: {lost} ({reason}); the runs "
            "finished so far are saved",
            exc,
        ) from None


def drive(
    eng: Engine,
    job: Job,
    plan: Plan,
    store: SweepStore,
    bar: Progress,
    flush: tuple[int, int, float],
) -> int:
    """Run the plan's runs that ``store`` misses on the open engine; returns how many ran.

    At most two runs per worker are in flight; each finished run is recorded in ``store``
    (a failed or timed-out run is a result like any other) and written out whenever
    ``flush`` (rows, series rows, seconds: :meth:`SweepStore.should_flush`) says. A
    failure of the engine itself is :class:`EngineLost`; on any exception the runs not
    yet started are cancelled and what was recorded stays in ``store`` (the caller
    closes it). The sweep runner and the calibration's batches
    (:mod:`abm.calibrate.batches`) both run their runs through this loop.
    """
    todo = _futures(plan, store) if _branches(job, plan) else ([i] for i in store.missing())
    pending: dict[Future[Any], list[int]] = {}
    ran = 0
    exhausted = False
    try:
        while True:
            window = 2 * _engine(eng, "counting its workers", eng.capacity)
            while not exhausted and len(pending) < window:
                ids = next(todo, None)
                if ids is None:
                    exhausted = True
                    break
                task: Any = [plan.task(i) for i in ids] if len(ids) > 1 else plan.task(ids[0])
                future = _engine(eng, "submitting a run", eng.executor.submit, execute, job, task)
                pending[future] = ids
            if not pending:
                return ran
            finished, _ = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                ids = pending.pop(future)
                outcomes = _engine(eng, "waiting for a run", future.result)
                for run_id, outcome in zip(ids, _listed(outcomes), strict=True):
                    outcome.run_id = run_id
                    store.add(outcome)
                    bar.advance(outcome.status)
                    ran += 1
            if store.should_flush(*flush):
                store.flush()
    except BaseException:
        for future in pending:
            with contextlib.suppress(Exception):
                future.cancel()
        raise


def _branches(job: Job, plan: Plan) -> bool:
    """Run each future's settings together? When the sweep has several (a decision's
    options) and its model runs them together (:meth:`ModelAPI.branches`)."""
    from abm.sweep.model import load_model

    return len(plan.settings) > 1 and load_model(job.model).branches()


def _futures(plan: Plan, store: SweepStore) -> Iterator[list[int]]:
    """The missing runs in groups of one future each: a design point and replication
    (one seed) at every setting, runs not done yet only; in the order of their first run."""
    stride = plan.n_samples * plan.replications  # run_id = setting * stride + point
    seen: set[int] = set()
    for run_id in store.missing():
        key = int(run_id) % stride
        if key not in seen:
            seen.add(key)
            ids = range(key, plan.n_runs, stride)
            yield [i for i in ids if not store.done[i]]


def _listed(outcomes: Any) -> list[Any]:
    return outcomes if isinstance(outcomes, list) else [outcomes]


def sweep(
    spec: str | Path | dict[str, Any] | SweepSpec,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    retry_failed: bool = False,
    progress: bool | None = None,
    as_frame: bool = False,
    allow_model_import: bool = False,
) -> Path | pd.DataFrame:
    """Run a sweep from Python (e.g. a notebook).

    ``spec`` is a TOML file, a dict with the same tables, or a loaded spec.
    Results go to ``out`` (default ``results/<spec name>``). Returns the folder,
    or with ``as_frame=True`` the runs table sorted by ``run_id``.
    """
    loaded = (
        spec
        if isinstance(spec, SweepSpec)
        else load_spec(spec, allow_model_import=allow_model_import)
    )
    folder = Path(out) if out is not None else Path("results") / safe_name(loaded.name)
    run_sweep(
        loaded,
        folder,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        resume=resume,
        retry_failed=retry_failed,
        progress=progress,
    )
    return load_results(folder) if as_frame else folder
