"""Run each model run in a child process that can be killed at its time limit.

Why a child process: a run over its time limit must really stop, and Python
cannot stop a thread (Dask runs tasks in worker threads, where signals do not
arrive either). So every worker thread, whether a thread of the local engine or
a Dask worker's thread, owns one long-lived child Python process (a *run host*)
and sends it one run at a time over a pipe. If a run exceeds its limit the
host is killed with SIGKILL and the run is recorded as timed out; a run that
raises, or crashes its process, is recorded with its error. The host is started
once per worker thread, so imports are paid once, not per run.

The protocol is length-prefixed pickles over the child's stdin and a private
copy of its stdout (the model's own prints go to stderr). The child ignores
SIGINT (the sweep decides when runs stop) and exits, quietly, when its parent dies: a
watcher thread notices within half a second, and a result it cannot send (the parent's end
of the pipe is closed) ends it at once, without a traceback.

Run ``python -m abm.sweep.host MODULE`` only through :class:`RunHost`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from abm.sweep.plan import RunTask
from abm.sweep.spec import Metrics

STARTUP_TIMEOUT_S = 300.0
_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class Job:
    """What every run of a sweep shares (sent with each run; small)."""

    model: str
    base: Any
    steps: int | None
    metrics: Metrics
    timeout: float | None


@dataclass
class Outcome:
    """The result of one run as it comes back from a worker."""

    run_id: int
    status: str  # "ok", "error" or "timeout"
    elapsed_s: float
    finals: dict[str, float] = field(default_factory=dict)
    steps: np.ndarray | None = None
    series: dict[str, np.ndarray] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None
    traceback: str | None = None


class HostError(RuntimeError):
    """The run host could not be started: an engine problem, not a run's failure."""


def perform(job: Job, task: RunTask) -> Outcome:
    """Do one run in this process and catch whatever the model raises."""
    from abm.sweep.model import extract, load_model, outputs_read

    start = time.perf_counter()
    try:
        api = load_model(job.model)
        scenario = job.base.with_overrides(task.overrides) if task.overrides else job.base
        read = outputs_read(job.metrics)
        result = api.run_scenario(scenario, seed=task.seed, steps=job.steps, outputs=read)
        out = extract(result, job.metrics)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        return Outcome(
            task.run_id,
            "error",
            time.perf_counter() - start,
            error=f"{type(exc).__name__}: {first}".rstrip(": "),
            error_type=type(exc).__name__,
            traceback=traceback.format_exc(),
        )
    return Outcome(
        task.run_id, "ok", time.perf_counter() - start, out.finals, out.steps, out.series
    )


def perform_future(job: Job, tasks: list[RunTask]) -> list[Outcome]:
    """Do the runs of one future (one seed and design point, every option) in this process:
    through the model's ``run_options``, which simulates the months they share once
    (:mod:`abm.branching`). If that raises, each run is done on its own, so every error
    is recorded against the run it belongs to, as without branching."""
    from abm.sweep.model import extract, load_model, outputs_read

    start = time.perf_counter()
    try:
        scenarios = [
            job.base.with_overrides(t.overrides) if t.overrides else job.base for t in tasks
        ]
        read = outputs_read(job.metrics)
        results = load_model(job.model).run_options(scenarios, tasks[0].seed, job.steps, read)
        outs = [extract(r, job.metrics) for r in results]
    except Exception:
        return [perform(job, t) for t in tasks]
    each = (time.perf_counter() - start) / len(tasks)  # the shared months split evenly
    return [
        Outcome(t.run_id, "ok", each, o.finals, o.steps, o.series)
        for t, o in zip(tasks, outs, strict=True)
    ]


def _write_frame(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = stream.write(view)
        view = view[written:]


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    chunks, remaining = [], n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes]) -> bytes | None:
    header = _read_exact(stream, _HEADER.size)
    if header is None:
        return None
    return _read_exact(stream, _HEADER.unpack(header)[0])


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _child_env() -> dict[str, str]:
    """The parent's import path (as multiprocessing's spawn passes it) and a fixed hash seed."""
    env = dict(os.environ)
    paths = [os.getcwd() if p == "" else p for p in sys.path]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in paths if os.path.isdir(p)))
    env.setdefault("PYTHONHASHSEED", "0")
    return env


class RunHost:
    """One child process that does runs for one worker thread, restarted after a kill."""

    def __init__(self, preload: str):
        self.preload = preload
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the child (if not running) and wait until it has imported the model."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._discard()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "abm.sweep.host", self.preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=_child_env(),
            close_fds=True,
        )
        with _running_lock:
            _running.add(self)
        reply = self._receive(STARTUP_TIMEOUT_S)
        if not isinstance(reply, tuple) or reply[0] != "ready":
            code = self._discard()
            why = f"no answer in {STARTUP_TIMEOUT_S:g} s" if reply == "timeout" else None
            raise HostError(f"the run process did not start ({why or _describe_exit(code)})")

    def run(self, job: Job, task: RunTask | list[RunTask]) -> Any:
        """Do one run in the child (or a future's runs, a list: :func:`perform_future`);
        kill it if it is over the job's time limit (a future: the limit of all its runs)."""
        if isinstance(task, list):
            return self._run_future(job, task)
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        began = time.monotonic()
        try:
            _write_frame(self._proc.stdin, (job, task))
        except BrokenPipeError:
            self._discard()
            self.start()
            _write_frame(self._proc.stdin, (job, task))
        reply = self._receive(job.timeout)
        elapsed = time.monotonic() - began
        if isinstance(reply, Outcome):
            return reply
        return self._failed(reply, task, job, elapsed)

    def _failed(self, reply: Any, task: RunTask, job: Job, elapsed: float) -> Outcome:
        """The outcome of a run whose process went over the limit or died."""
        if reply == "timeout":
            self._discard()
            assert job.timeout is not None
            return Outcome(
                task.run_id,
                "timeout",
                elapsed,
                error=f"stopped after the time limit of {job.timeout:g} s",
                error_type="Timeout",
            )
        code = self._discard()
        return Outcome(
            task.run_id,
            "error",
            elapsed,
            error=f"the run's process died ({_describe_exit(code)})",
            error_type="ProcessDied",
        )

    def _run_future(self, job: Job, tasks: list[RunTask]) -> list[Outcome]:
        limit = None if job.timeout is None else job.timeout * len(tasks)
        whole = RunTask(tasks[0].run_id, tasks[0].seed, {})
        timed = dataclasses.replace(job, timeout=limit)
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            _write_frame(self._proc.stdin, (timed, tasks))
        except BrokenPipeError:
            self._discard()
            self.start()
            _write_frame(self._proc.stdin, (timed, tasks))
        began = time.monotonic()
        reply = self._receive(limit)
        if isinstance(reply, list):
            return reply
        # over the limit or dead: one outcome per run, as each would have been recorded
        failed = self._failed(reply, whole, job, time.monotonic() - began)
        return [dataclasses.replace(failed, run_id=t.run_id) for t in tasks]

    def _receive(self, timeout: float | None) -> Any:
        """The next message, "timeout", or None if the child closed its end."""
        assert self._proc is not None and self._proc.stdout is not None
        stream = self._proc.stdout
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([stream], [], [], wait)
            if ready:
                break
            if deadline is not None and time.monotonic() >= deadline:
                return "timeout"
        data = _read_frame(stream)
        return None if data is None else pickle.loads(data)

    def kill(self) -> None:
        """Stop the child now (safe from another thread; the owner sees the run end)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def close(self) -> None:
        """Let the child exit by closing its input; kill it if it does not."""
        if self._proc is None:
            return
        try:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._discard()

    def _discard(self) -> int | None:
        proc, self._proc = self._proc, None
        with _running_lock:
            _running.discard(self)
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        return code


_local = threading.local()
_running: set[RunHost] = set()  # hosts of this process whose child process is alive
_running_lock = threading.Lock()


def running_hosts() -> set[RunHost]:
    """The run hosts of this process that have a live child (engines clean up with it)."""
    with _running_lock:
        return set(_running)


def execute(job: Job, task: RunTask | list[RunTask]) -> Any:
    """Do one run (or a future's runs, a list) on this thread's run host, making one if the
    thread has none.

    This is the function both engines submit. A worker thread keeps its host for
    its lifetime; the host's process ends with the worker process at the latest.
    """
    host = getattr(_local, "host", None)
    if host is None:
        host = _local.host = RunHost(job.model)
    return host.run(job, task)


PARENT_GONE = 3  # the run process's exit status when its parent is gone


def _watch_parent(parent: int) -> None:
    """Exit when the process that started us is gone (e.g. the sweep got SIGKILL)."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(PARENT_GONE)


def _send(channel: IO[bytes], obj: Any) -> None:
    """Send ``obj`` to the parent; if its end of the pipe is closed (the parent died while
    the run went on), exit quietly: no one is left to read a result or a traceback."""
    try:
        _write_frame(channel, obj)
    except (BrokenPipeError, ConnectionResetError):
        os._exit(PARENT_GONE)


def _child_main(preload: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    channel_out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything the model prints goes to stderr, not into the channel
    sys.stdout = sys.stderr
    channel_in = os.fdopen(0, "rb", buffering=0)
    try:
        from abm.sweep.model import load_model

        load_model(preload).import_all()  # pay the imports now, not in the first run's time
    except Exception:
        pass  # each run reports its own import error
    _send(channel_out, ("ready", os.getpid()))
    while True:
        data = _read_frame(channel_in)
        if data is None:
            return
        try:
            job, task = pickle.loads(data)
        except Exception as exc:
            _send(
                channel_out,
                Outcome(-1, "error", 0.0, error=f"cannot read the run: {exc}", error_type="Host"),
            )
            continue
        _send(
            channel_out, perform_future(job, task) if isinstance(task, list) else perform(job, task)
        )


if __name__ == "__main__":
    # Use the importable module, not __main__, so pickled Outcomes name abm.sweep.host.
    from abm.sweep.host import _child_main as main

    main(sys.argv[1] if len(sys.argv) > 1 else "abm")
