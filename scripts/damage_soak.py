"""Damaged and duplicated part files, each followed by a command that reads the folder.

Every case copies a sweep folder, damages one part file and runs one of ``abm sweep
--resume``, ``abm sweep compact``, ``abm analyze`` or ``load_results``/``load_series``:

* damage: a part **duplicated** under another number (for series: the series part and its
  runs part, so the copy is read), **truncated** at a random length, one byte
  **bit-flipped** at a random offset, or emptied (**zero-length**); in ``runs/`` or
  ``series/``;
* folders: a finished sweep (one merged part), one interrupted with every run recorded in
  4 parts, one interrupted with 9 of 12 runs; and ``unrecorded``: the 4-part folder with
  its manifest's part records removed (as parts copied in by hand, or a folder from before
  digests were kept: only Parquet's page checksums and the column and run-id checks guard
  those, so a silent wrong result there is counted but does not fail the soak; a bad exit
  does).

Each case must end in **correct** results (``--resume``: the complete sweep, equal to an
uninterrupted one; ``compact`` and the readers: the recorded runs, unchanged; ``analyze``:
the same bands as the undamaged folder) or be **refused**: exit status 2 (a UserError for
the readers) in one line naming the damaged file. Anything else counts as SILENT WRONG (a
zero exit with other results) or BAD EXIT (a traceback, exit 1, a message not naming the
file). Usage::

    python scripts/damage_soak.py [--repeats 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sweep"))

import pandas as pd  # noqa: E402
from sweep_helpers import TOY_SPEC, write_files, written_in_parts  # noqa: E402

from abm.cli import main as abm_main  # noqa: E402
from abm.errors import UserError  # noqa: E402
from abm.sweep import load_results, load_series, load_spec, run_sweep  # noqa: E402
from abm.sweep.store import MANIFEST, RECORDS, RUNS, SERIES, _parts  # noqa: E402

KINDS = ("duplicated", "truncated", "bit-flipped", "zero-length")
COMMANDS = ("resume", "compact", "analyze", "load")
WALL = ["elapsed_s", "traceback"]


def runs_of(folder: Path) -> pd.DataFrame:
    with contextlib.redirect_stderr(io.StringIO()), _quiet_warnings():
        return load_results(folder).drop(columns=WALL).reset_index(drop=True)


def series_of(folder: Path) -> pd.DataFrame:
    with contextlib.redirect_stderr(io.StringIO()), _quiet_warnings():
        return load_series(folder).reset_index(drop=True)


@contextlib.contextmanager
def _quiet_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def bands(folder: Path, report: Path) -> str:
    code, _, err = cli("analyze", folder, "--report", report)
    assert code == 0, err
    return (report / "bands.csv").read_text()


def cli(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = abm_main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def damage(folder: Path, which: str, kind: str, rng: random.Random) -> list[Path]:
    """Damage one part of ``folder/which``; the files a refusal may name (the damaged one;
    for a copy, the copy or the part it repeats)."""
    parts = _parts(folder / which)
    number = rng.choice(sorted(parts))
    path = parts[number]
    if kind == "duplicated":
        new = f"part-{max(_parts(folder / RUNS)) + rng.randint(1, 20):05d}.parquet"
        shutil.copyfile(path, folder / which / new)
        if which == SERIES:  # the pair, so that the copy is read
            shutil.copyfile(folder / RUNS / path.name, folder / RUNS / new)
        return [folder / which / new, path]
    data = path.read_bytes()
    if kind == "truncated":
        data = data[: rng.randint(1, len(data) - 1)]
    elif kind == "bit-flipped":
        at = rng.randrange(len(data))
        data = data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]
    else:
        data = b""
    path.write_bytes(data)
    return [path]


def check(case: Path, command: str, spec: Path, named: list[Path], truth: dict) -> str:
    """Run ``command`` on the damaged folder ``case``: "correct", "refused" (naming a file
    of ``named``), "SILENT WRONG" or "BAD EXIT"."""

    def names(message: str) -> bool:
        return "\n" not in message.strip() and any(str(path) in message for path in named)

    if command == "load":
        try:
            runs = runs_of(case)
            series = series_of(case)
        except UserError as exc:
            return "refused" if names(str(exc)) else f"BAD EXIT: {exc}"
        except Exception as exc:  # what the soak counts
            return f"BAD EXIT: {type(exc).__name__}: {exc}"
        same = runs.equals(truth["runs"]) and series.equals(truth["series"])
        return "correct" if same else "SILENT WRONG"
    if command == "resume":
        args = ("sweep", spec, "--out", case, "--resume", "--workers", "1")
    elif command == "compact":
        args = ("sweep", "compact", case)
    else:
        args = ("analyze", case, "--report", case.parent / f"{case.name}-report")
    code, _, err = cli(*args)
    errors = [line for line in err.splitlines() if line.startswith("abm: error")]
    if code == 2:
        ok = len(errors) == 1 and names(errors[0])
        return "refused" if ok else f"BAD EXIT: {err[-300:]}"
    if code != 0 or "Traceback" in err:
        return f"BAD EXIT {code}: {err[-300:]}"
    if command == "analyze":
        same = (case.parent / f"{case.name}-report" / "bands.csv").read_text() == truth["bands"]
        return "correct" if same else "SILENT WRONG"
    want = truth["complete"] if command == "resume" else truth
    same = runs_of(case).equals(want["runs"]) and series_of(case).equals(want["series"])
    return "correct" if same else "SILENT WRONG"


OUTCOMES = ("correct", "refused", "SILENT WRONG", "BAD EXIT")


def print_table(stats: Counter) -> None:
    """Outcomes by folder, damaged folder, damage and command (each row sums to its cases)."""
    seen = {g for g, _ in stats}
    order = ["all", "finished", "parts", "partial", "unrecorded", RUNS, SERIES, *KINDS, *COMMANDS]
    groups = [g for g in order if g in seen]
    print(f"{'':>14}" + "".join(f"{o:>14}" for o in OUTCOMES))
    for group in groups:
        print(f"{group:>14}" + "".join(f"{stats[group, o]:>14}" for o in OUTCOMES))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="cases per combination")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="abm-damage-soak-"))
    began = time.monotonic()
    stats: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    try:
        spec_path = write_files(work, TOY_SPEC)
        spec = load_spec(spec_path)
        reference = work / "reference"
        run_sweep(spec, reference, workers=1, progress=False)
        complete = {"runs": runs_of(reference), "series": series_of(reference)}
        bases = {
            "finished": work / "finished",
            "parts": work / "parts",
            "partial": work / "partial",
        }
        shutil.copytree(reference, bases["finished"])
        written_in_parts(spec, bases["parts"], per_part=3)
        written_in_parts(spec, bases["partial"], per_part=3, runs=9)
        bases["unrecorded"] = work / "unrecorded"
        shutil.copytree(bases["parts"], bases["unrecorded"])
        manifest = json.loads((bases["unrecorded"] / MANIFEST).read_text())
        del manifest[RECORDS]
        (bases["unrecorded"] / MANIFEST).write_text(json.dumps(manifest))
        truths = {}
        for name, base in bases.items():
            truths[name] = {
                "runs": runs_of(base),
                "series": series_of(base),
                "bands": bands(base, work / f"{name}-bands"),
                "complete": complete,
            }
        n = 0
        for base_name, base in bases.items():
            for which in (RUNS, SERIES):
                for kind in KINDS:
                    for command in COMMANDS:
                        for _ in range(args.repeats):
                            n += 1
                            case = work / f"case-{n}"
                            shutil.copytree(base, case)
                            named = damage(case, which, kind, rng)
                            outcome = check(case, command, spec_path, named, truths[base_name])
                            label = next(o for o in OUTCOMES if outcome.startswith(o))
                            for group in ("all", base_name, which, kind, command):
                                stats[group, label] += 1
                            if label not in ("correct", "refused"):
                                failures.append(f"{base_name}/{which}/{kind}/{command}: {outcome}")
                            shutil.rmtree(case, ignore_errors=True)
                            shutil.rmtree(work / f"case-{n}-report", ignore_errors=True)
                done = {k: v for (g, k), v in stats.items() if g == "all"}
                print(f"{base_name} {which}: {n} cases; {done}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(stats)
    print(f"{'cases':>28}: {n}")
    print(f"{'wall time':>28}: {time.monotonic() - began:.0f} s")
    for line in failures[:40]:
        print(line)
    # a part without a record has no digest: a flip that still reads as the sweep's data
    # cannot be told there; everything else must be correct or refused
    bad = [f for f in failures if "BAD EXIT" in f or not f.startswith("unrecorded/")]
    print("OK" if not bad else f"FAILED: {len(bad)} cases")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
