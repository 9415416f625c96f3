"""Process helpers the tests of resumable commands share (sweep, calibrate, decide): run
``abm`` in this process or as a real child, find a process's children, wait for a state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def work_units(seconds: float) -> int:
    """How many units of the toy models' ``params.work`` take ``seconds`` of CPU here.

    The kill tests need runs long enough that every kill lands before the end, on a
    fast machine as on a slow one: a fixed 300,000 units, meant as ~1 s, took 0.05 s on
    one machine, and a kill missed there. Outputs do not depend on it."""
    from abm.sweep.toy import _burn

    units = 100_000
    start = time.process_time()
    _burn(units)
    return max(units, int(units * seconds / max(time.process_time() - start, 1e-6)))


def abm_main(*args: object) -> int:
    """Run the ``abm`` command in this process (what the console script does)."""
    from abm.cli import main

    return main([str(a) for a in args])


def abm_subprocess(*args: object, path: Iterable[Path] = (), **kwargs) -> subprocess.Popen:
    """Start ``python -m abm.cli ...`` as a real child process (``path``: more folders it
    imports from, e.g. a test's planted model); ``kwargs`` go to Popen (its output is
    piped unless they say otherwise)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, [ROOT, *path])))
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE} | kwargs
    return subprocess.Popen(
        [sys.executable, "-m", "abm.cli", *map(str, args)], cwd=ROOT, env=env, text=True, **options
    )


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(_stat(entry)[1])
            except OSError:
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


def wait_for(condition: Callable[[], object], timeout: float, what: str = "the command") -> None:
    """Poll ``condition`` every 50 ms; AssertionError naming ``what`` after ``timeout`` s."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def part_files(runs: Path) -> int:
    """How many result part files a runs folder holds (0 before it exists)."""
    return len([p for p in runs.iterdir() if p.name.startswith("part-")]) if runs.is_dir() else 0


def kill_at(
    args: list[object],
    moments: list[Callable[[], object]],
    settle: float,
    start: Callable[..., subprocess.Popen] = abm_subprocess,
) -> None:
    """Start ``abm ARGS`` once per moment (with ``--resume`` from the second on), SIGKILL it
    when the moment's wait returns, and give its run processes ``settle`` seconds to notice
    their parent is gone and stop."""
    for i, wait in enumerate(moments):
        proc = start(*args, *(["--resume"] if i else []))
        wait()
        assert proc.poll() is None, proc.communicate()
        hosts = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.communicate()
        gone = lambda hosts=hosts: not any(alive(p) for p in hosts)  # noqa: E731
        wait_for(gone, settle, "the run processes to stop")
