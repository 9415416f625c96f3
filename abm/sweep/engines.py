"""Engines: where runs execute. Both give the runner a ``concurrent.futures`` executor.

* ``local``: a thread pool in this process whose threads each drive one run
  host (a child process, see :mod:`abm.sweep.host`). The threads only wait on
  pipes, so N threads keep N cores busy with model runs, and each run stays
  killable at its time limit.
* ``dask``: Dask distributed's ``Client.get_executor()``, against an existing
  scheduler (``--scheduler``; SLURM via dask-jobqueue, Kubernetes, or
  ``dask scheduler``/``dask worker`` by hand) or a LocalCluster started here.
  Each Dask worker thread drives its own run host the same way.

Servers: a LocalCluster started here listens on 127.0.0.1 only (scheduler, workers
and their HTTP endpoints); its dashboard is off unless ``dashboard`` names an address.

Both submit the same function (:func:`abm.sweep.host.execute`) with the same
arguments, so results are identical bit for bit.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from abm.errors import UsageError, UserError
from abm.sweep.host import HostError, Job, Outcome, execute, running_hosts
from abm.sweep.plan import RunTask

ENGINES = ("local", "dask")
MAX_WORKERS = 256  # each worker is a process: a typo must not start thousands


@dataclass
class Engine:
    name: str
    executor: Executor
    capacity: Callable[[], int]  # how many runs can execute at once right now
    describe: str
    # Do a (trial) run on every worker: starts and warms each run process before the sweep.
    prepare: Callable[[Job, RunTask], list[Outcome]]
    kill_running: Callable[[], None]  # stop runs now (Ctrl-C): their results are not kept


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _results(futures: list) -> list[Outcome]:
    """Outcomes of the trial runs; a run process that cannot start is the engine's failure."""
    try:
        return [future.result() for future in futures]
    except HostError as exc:
        raise UserError(f"cannot start a worker's run process: {exc}") from None


@contextmanager
def _own_hosts() -> Iterator[Callable[[], None]]:
    """The run hosts that worker threads of this process start meanwhile: yields a function
    that kills their runs, and closes them at the end (exit this after the threads are done)."""
    before = running_hosts()

    def kill() -> None:
        for host in running_hosts() - before:
            host.kill()

    try:
        yield kill
    finally:
        for host in running_hosts() - before:
            host.close()


@contextmanager
def local_engine(workers: int) -> Iterator[Engine]:
    """A thread per worker, each with its own run host."""
    with _own_hosts() as kill, ThreadPoolExecutor(workers, thread_name_prefix="abm-sweep") as ex:

        def prepare(job: Job, task: RunTask) -> list[Outcome]:
            # Each first run blocks its thread while its process imports the model, so each
            # submit gets a new thread: all processes start (and warm up) at once.
            return _results([ex.submit(execute, job, task) for _ in range(workers)])

        describe = f"local engine, {workers} worker process{'es' if workers > 1 else ''}"
        yield Engine("local", ex, lambda: workers, describe, prepare, kill)


LOOPBACK = "127.0.0.1"


def local_cluster_options(workers: int, dashboard: str | None = None) -> dict:
    """LocalCluster arguments: thread workers, every listening socket on loopback.

    Dask's nodes always start an HTTP server (health and metrics); given no address it
    listens on every interface, so each gets an explicit loopback one. The scheduler's
    dashboard pages are served only when ``dashboard`` is given (an address, e.g.
    ``127.0.0.1:8787``; another host is the user's explicit choice).
    """
    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": False,
        "dashboard_address": dashboard,
        "worker_dashboard_address": f"{LOOPBACK}:0",  # health endpoint only, on loopback
        "scheduler_kwargs": {
            "dashboard": dashboard is not None,
            "dashboard_address": dashboard or f"{LOOPBACK}:0",
        },
        "silence_logs": logging.ERROR,
    }


@contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Dask and asyncio log lost connections with tracebacks on stderr; the sweep reports
    them itself, in one line (see :class:`EngineLost`)."""
    names = ("distributed", "asyncio", "tornado")
    loggers = [logging.getLogger(n) for n in names]
    loggers += [  # Dask gives some of its loggers levels of their own (distributed.client)
        logging.getLogger(n)
        for n in list(logging.root.manager.loggerDict)
        if n.startswith(tuple(f"{p}." for p in names))
    ]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextmanager
def dask_engine(
    workers: int, scheduler: str | None, dashboard: str | None = None
) -> Iterator[Engine]:
    """A Dask client: to ``scheduler`` if given, else to a LocalCluster of ``workers`` workers.

    The LocalCluster started here has thread workers without the profiler: the runs
    happen in run processes anyway, and worker processes and the statistical profiler
    would only take CPU from them (about 15 % of a core for two workers, measured).
    It listens on loopback only (see :func:`local_cluster_options`).
    """
    import dask
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        stack.enter_context(_quiet_dask_logs())
        kill = stack.enter_context(_own_hosts())  # the LocalCluster's workers are threads here
        try:
            if scheduler:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
                where = f"Dask scheduler {scheduler}"
            else:
                stack.enter_context(dask.config.set({"distributed.worker.profile.enabled": False}))
                cluster = stack.enter_context(
                    LocalCluster(**local_cluster_options(workers, dashboard))
                )
                client = stack.enter_context(Client(cluster))
                where = f"Dask LocalCluster, {workers} workers, on {LOOPBACK}"
                if dashboard:
                    where += f", dashboard {cluster.dashboard_link}"
        except (OSError, TimeoutError, ValueError, RuntimeError) as exc:
            target = f"the Dask scheduler at {scheduler}" if scheduler else "a Dask LocalCluster"
            raise UserError(f"cannot connect to {target}: {str(exc)[:200]}") from None

        cached = {"at": 0.0, "threads": 1}

        def capacity() -> int:
            if time.monotonic() - cached["at"] > 10:  # clusters can grow and shrink
                cached["threads"] = max(1, sum(client.nthreads().values()))
                cached["at"] = time.monotonic()
            return int(cached["threads"])

        executor = client.get_executor(pure=False)

        def prepare(job: Job, task: RunTask) -> list[Outcome]:
            # one trial per worker (on its first thread), pinned to it
            pinned = [
                executor.submit(execute, job, task, workers=[address], allow_other_workers=False)
                for address in client.scheduler_info()["workers"]
            ]
            return _results(pinned or [executor.submit(execute, job, task)])

        yield Engine("dask", executor, capacity, where, prepare, kill)


def check_engine_args(
    name: str, workers: int | None, scheduler: str | None, dashboard: str | None = None
) -> None:
    """Reject bad engine options before anything is written."""
    if name not in ENGINES:
        raise UsageError(f"--engine {name!r} is not allowed; choose {' or '.join(ENGINES)}")
    if scheduler and name != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if dashboard and (name != "dask" or scheduler):
        raise UsageError("--dashboard needs --engine dask without --scheduler (a LocalCluster)")
    for flag, text in (("--scheduler", scheduler), ("--dashboard", dashboard)):
        if text is not None and (not text.strip() or "\0" in text or len(text) > 1000):
            raise UsageError(f"{flag}: expected an address such as 127.0.0.1:8786")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise UsageError(f"--workers {workers} is not allowed; expected 1 to {MAX_WORKERS}")


@contextmanager
def open_engine(
    name: str, workers: int | None, scheduler: str | None, dashboard: str | None = None
) -> Iterator[Engine]:
    """The engine asked for on the command line or from Python."""
    check_engine_args(name, workers, scheduler, dashboard)
    workers = workers or default_workers()
    if name == "local":
        with local_engine(workers) as engine:
            yield engine
    else:
        with dask_engine(workers, scheduler, dashboard) as engine:
            yield engine
