"""Random SIGKILLs across ``abm run --overwrite``, ``abm sweep`` and ``abm sweep --resume``.

After every kill the results on disk are checked against references computed without
kills:

* ``abm run --overwrite`` alternates two seeds into one folder: the folder must hold
  exactly the complete files of one reference (never a mix, never a part);
* ``abm sweep`` / ``--resume`` on a toy sweep: no duplicated run ids, and every recorded
  row equal to the reference's; a finished sweep equals the reference.

Only the main process is killed (as a batch system or ``kill -9 PID`` does): its run
processes must notice and exit without a word; a traceback on stderr (theirs or its own)
is counted.

Leftovers (staging folders, temp parts) are allowed right after a kill (SIGKILL gives
no chance to clean), but the next command into the same place must remove them: the
script counts what remains after the last command of each folder. Usage::

    python scripts/kill_soak.py --kills 100 [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sweep"))

import pandas as pd  # noqa: E402
from sweep_helpers import TOY_SPEC, write_files  # noqa: E402

from abm.sweep import load_results, load_spec, run_sweep  # noqa: E402
from abm.sweep.store import read_manifest  # noqa: E402
from tests.procs import abm_subprocess  # noqa: E402

RUN_FILES = ("model.parquet", "regions.parquet", "summary.json", "scenario.toml")
RUN_ARGS = ["scenarios/baseline.toml", "--steps", "12", "--set", "population.firms=150"]
SWEEP_SPEC = TOY_SPEC.replace("replications = 2", "replications = 6").replace(
    '"params.noise" = 0.05', '"params.noise" = 0.05\n"params.work" = 120000'
)


def abm(*args: str) -> subprocess.Popen:
    return abm_subprocess(*args, stdout=subprocess.DEVNULL)


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL the main process (only) after ``delay`` s; False if it ended first."""
    end = time.monotonic() + delay
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    return True


def tracebacks(proc: subprocess.Popen) -> int:
    """Tracebacks on the command's stderr, read to its end: the run processes hold it open
    until they exit, so this also waits for them."""
    _, err = proc.communicate(timeout=120)
    return err.count("Traceback")


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def soak_run(kills: int, rng: random.Random, work: Path, stats: dict) -> None:
    refs = {}
    for seed in (1, 2):
        out = work / f"ref{seed}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "abm.cli",
                "run",
                *RUN_ARGS,
                "--seed",
                str(seed),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        refs[seed] = folder_bytes(out)
    t0 = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "abm.cli", "run", *RUN_ARGS, "--out", str(work / "timing")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    duration = time.monotonic() - t0
    out = work / "run"
    done, ever_complete = 0, False
    while done < kills:
        seed = 1 + done % 2
        proc = abm("run", *RUN_ARGS, "--seed", seed, "--out", out, "--overwrite")
        if kill_after(proc, rng.uniform(0.2, duration * 1.1)):
            done += 1
            stats["run kills"] += 1
            print(f"run kill {done}: {dict(stats)}", flush=True)
        else:
            stats["run finished before the kill"] += 1
        stats["run TRACEBACKS"] += tracebacks(proc)
        if out.exists():
            now = folder_bytes(out)
            if now not in refs.values():
                stats["run MIXED OR PARTIAL"] += 1
                print("mixed folder:", sorted(now), file=sys.stderr)
            ever_complete = True
        elif ever_complete:
            stats["run LOST"] += 1  # the old complete results must stay until replaced
    # the last command into the folder removes what killed runs left
    subprocess.run(
        [
            sys.executable,
            "-m",
            "abm.cli",
            "run",
            *RUN_ARGS,
            "--seed",
            "1",
            "--out",
            str(out),
            "--overwrite",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    if folder_bytes(out) != refs[1]:
        stats["run MIXED OR PARTIAL"] += 1
    stray = [p.name for p in work.iterdir() if p.name.startswith(".")]
    stats["run stray files at the end"] += len(stray)


def soak_sweep(kills: int, rng: random.Random, work: Path, stats: dict) -> None:
    spec_path = write_files(work, SWEEP_SPEC)
    reference = work / "sweep-ref"
    run_sweep(load_spec(spec_path), reference, workers=2, progress=False)
    ref = load_results(reference).drop(columns=["elapsed_s", "traceback"]).set_index("run_id")
    done, generation = 0, 0
    out = work / f"sweep{generation}"
    while done < kills:
        resume = out.exists() and read_manifest(out) is not None
        args = ["sweep", spec_path, "--out", out, "--workers", "2"]
        proc = abm(*args, *(["--resume"] if resume else []))
        if kill_after(proc, rng.uniform(0.5, 12.0)):
            done += 1
            stats["sweep kills (resume)" if resume else "sweep kills (new)"] += 1
            print(f"sweep kill {done}: {dict(stats)}", flush=True)
        else:
            stats["sweep finished before the kill"] += 1
        stats["sweep TRACEBACKS (main or run processes)"] += tracebacks(proc)
        if not out.exists() or read_manifest(out) is None:
            continue
        runs = load_results(out).drop(columns=["elapsed_s", "traceback"], errors="ignore")
        if runs.empty:
            continue
        if not runs["run_id"].is_unique:
            stats["sweep DUPLICATED"] += 1
        runs = runs.set_index("run_id")
        try:
            pd.testing.assert_frame_equal(runs, ref.loc[runs.index], check_exact=True)
        except AssertionError:
            stats["sweep CHANGED"] += 1
        if proc.returncode == 0 or read_manifest(out).get("state") == "complete":
            finish(out, spec_path, ref, stats)
            generation += 1
            out = work / f"sweep{generation}"
    if out.exists() and read_manifest(out) is not None:
        finish(out, spec_path, ref, stats)


def finish(out: Path, spec_path: Path, ref: pd.DataFrame, stats: dict) -> None:
    """Resume to the end; the data must equal the reference; nothing stray is left."""
    proc = abm("sweep", spec_path, "--out", out, "--workers", "2", "--resume")
    _, err = proc.communicate(timeout=600)
    if proc.returncode != 0 and "already holds this sweep" not in err:
        stats["sweep RESUME FAILED"] += 1
        print(err, file=sys.stderr)
    runs = load_results(out).drop(columns=["elapsed_s", "traceback"]).set_index("run_id")
    if len(runs) != len(ref):
        stats["sweep LOST"] += 1
    else:
        try:
            pd.testing.assert_frame_equal(runs.sort_index(), ref, check_exact=True)
        except AssertionError:
            stats["sweep CHANGED"] += 1
    stray = [p for p in out.rglob(".*") if p.name != ".lock"]
    stats["sweep stray files at the end"] += len(stray)
    stats["sweeps completed and checked"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("run", "sweep"), help="one half (run in parallel)")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    class Counter(dict):
        def __missing__(self, key):
            return 0

    stats = Counter()
    work = Path(tempfile.mkdtemp(prefix="abm-kill-soak-"))
    began = time.monotonic()
    try:
        (work / "runs").mkdir()
        (work / "sweeps").mkdir()
        runs = {None: args.kills // 2, "run": args.kills, "sweep": 0}[args.only]
        if runs:
            soak_run(runs, rng, work / "runs", stats)
            print(dict(stats), flush=True)
        if args.kills - runs if args.only is None else args.only == "sweep":
            soak_sweep(args.kills - runs, rng, work / "sweeps", stats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for key in sorted(stats):
        print(f"{key:>36}: {stats[key]}")
    print(f"{'wall time':>36}: {time.monotonic() - began:.0f} s")
    bad = [k for k in stats if stats[k] and (any(w.isupper() for w in k.split()) or "stray" in k)]
    print("OK" if not bad else f"FAILED: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
