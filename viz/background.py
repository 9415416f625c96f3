"""Work the page asks for but must not wait on, in low-priority worker processes.

Why processes and not threads: a model run is pure Python, so a thread in the server
process holds the GIL and a comparison or an ensemble running beside the live run makes
its Step wait (1.5 s a step was measured with a decision on a thread). Worker processes
run beside the server, at a lower priority (``os.nice``), so on a busy machine the live
run's Step is served first. One pool serves every page of the server; its size is
``ABM_APP_WORKERS`` (default 1: on 2 cores one is left for the live run and the page).

The workers are started with "spawn" (a fork of a server with running threads can
deadlock) and live as long as the server, so a job pays the start-up (~1 s, importing
the model) once per worker, not once per job.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

NICE = 10  # how much lower than the server the workers run (0-19)
WORKERS_ENV = "ABM_APP_WORKERS"
IDLE_S = 120.0  # an idle pool's workers end after this long (a worker holds ~200 MB)


def die_with_parent() -> None:
    """End this process when the process that started it ends, however it ends (a server
    killed with SIGKILL runs no exit handler): a daemon thread watches the parent's pid.

    Not Linux's parent-death signal: it fires when the *thread* that started the process
    ends, and the pool starts its workers from whichever page thread submits first.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="abm-parent-watch", daemon=True).start()


def _lower_priority() -> None:
    """Worker start-up: lower this process's priority, keep its libraries single-threaded,
    and never outlive the server."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    with contextlib.suppress(OSError):  # not allowed: run at the server's priority instead
        os.nice(NICE)
    die_with_parent()


def workers() -> int:
    try:
        return max(1, int(os.environ.get(WORKERS_ENV, "1")))
    except ValueError:
        return 1


class Pool:
    """A lazily started, process-wide pool of low-priority workers, ended when idle.

    A worker holds the model's libraries and its last run (~200 MB); the pool ends its
    workers ``IDLE_S`` seconds after its last job and starts them again on the next one.
    """

    def __init__(self, idle_s: float = IDLE_S) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._running = 0
        self._idle_s = idle_s
        self._timer: threading.Timer | None = None

    def _finished(self, _future: Future) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0 and self._pool is not None:
                self._timer = threading.Timer(self._idle_s, self._end_if_idle)
                self._timer.daemon = True
                self._timer.start()

    def _end_if_idle(self) -> None:
        with self._lock:
            if self._running or self._pool is None:
                return
            pool, self._pool = self._pool, None
        pool.shutdown(wait=False)

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=workers(),
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_lower_priority,
                )
            return self._pool

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` in a worker (``fn`` must be importable by name)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._running += 1
        try:
            future = self._get().submit(fn, *args, **kwargs)
        except RuntimeError:  # a broken pool (a worker was killed): start a fresh one
            with self._lock:
                self._pool = None
            future = self._get().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            if self._timer is not None:
                self._timer.cancel()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


POOL = Pool()
atexit.register(POOL.shutdown)


class Jobs:
    """A set of futures one view started; cancelled together (a new request, a closed page)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: list[Future] = []
        self.cancelled = threading.Event()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future = POOL.submit(fn, *args)
        with self._lock:
            self._futures.append(future)
        return future

    def cancel(self) -> None:
        """Cancel what has not started; what runs finishes and is dropped."""
        self.cancelled.set()
        with self._lock:
            futures, self._futures = self._futures, []
        for future in futures:
            future.cancel()
