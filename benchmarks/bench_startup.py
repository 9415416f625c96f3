"""Start-up: CPU of ``abm run scenarios/baseline.toml --steps 1`` and of the imports under it.

Each command runs in a fresh process; its CPU (user + system, from the children's
rusage) is taken run by run, the commands interleaved, and the minimum and median of
the repetitions reported: on a shared machine the minimum is the closest to the
quiet-machine cost. The floors show what no change to this project can remove:
the interpreter, numpy, pandas with pyarrow (the results are parquet files) and
``import mesa`` (the model is a ``mesa.Model``; Mesa's package ``__init__`` imports
its grid, network, batch-runner and data-collection modules, which pull scipy,
networkx, tqdm and asyncio, whether or not a model uses them). ``--attribute`` adds
``python -X importtime`` self-time of ``abm run`` by top-level package.

Target (issue 12): ``abm run scenarios/baseline.toml --steps 1`` under 0.8 s of CPU.

Run:  .venv/bin/python benchmarks/bench_startup.py [--reps 7] [--tree /tmp/perf-base] [--attribute]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.8

FLOORS = {
    "python -c pass": "pass",
    "import numpy": "import numpy",
    "import pandas, pyarrow.parquet": "import pandas, pyarrow.parquet",
    "import mesa": "import mesa",
    "import mesa, pandas, pyarrow.parquet": "import mesa, pandas, pyarrow.parquet",
}


def cpu_of(cmd: list[str], cwd: Path, env: dict | None) -> float:
    """CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_command(out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "abm.cli",
        "run",
        "scenarios/baseline.toml",
        "--steps",
        "1",
        "--out",
        str(out),
        "--overwrite",
    ]


def attribute(cwd: Path, env: dict | None) -> list[tuple[str, float]]:
    """Import self-time (ms) of ``abm run --steps 1`` by top-level package."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *run_command(Path(tmp) / "o")[1:]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    by = collections.Counter()
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if m:
            by[m[2].split(".")[0]] += int(m[1]) / 1000
    return by.most_common(12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--tree", type=Path, help="also time `abm run` of this checkout")
    parser.add_argument("--attribute", action="store_true", help="import self-time by package")
    args = parser.parse_args()

    trees = {"abm run --steps 1": (ROOT, None)}
    if args.tree:
        trees[f"abm run --steps 1 at {args.tree}"] = (
            args.tree,
            dict(os.environ, PYTHONPATH=str(args.tree)),
        )
    times: dict[str, list[float]] = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):
            items = list(FLOORS.items()) + list(trees.items())
            for label, what in items if rep % 2 == 0 else items[::-1]:
                if isinstance(what, str):
                    cmd, cwd, env = [sys.executable, "-c", what], ROOT, None
                else:
                    (cwd, env), cmd = what, run_command(Path(tmp) / f"o{rep}")
                times[label].append(cpu_of(cmd, cwd, env))
    load = os.getloadavg()
    print(
        f"CPU seconds per process, min / median of {args.reps} (load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f})"
    )
    for label, values in times.items():
        print(f"  {label:<44} {min(values):6.3f} / {statistics.median(values):6.3f}")
    best = min(times["abm run --steps 1"])
    floor = min(times["import mesa, pandas, pyarrow.parquet"])
    print(
        f"\nabm run --steps 1: {best:.3f} s (target < {TARGET_S}); of it, the imports no "
        f"project change removes: {floor:.3f} s"
    )
    if args.attribute:
        print("\nimport self-time of `abm run --steps 1` by package (ms, one run):")
        for name, ms in attribute(ROOT, None):
            print(f"  {name:<24} {ms:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
