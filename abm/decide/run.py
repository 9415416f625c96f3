"""Run a decision through the sweep engine, then analyse it and write the report.

Layout of a decision folder ``DIR``::

    decision.json        every figure of the analysis (deterministic: no times, no paths)
    report.html          the report, figures embedded (works offline)
    figures/*.png        the same figures as files
    futures.parquet      one row per future: future, draw, batch, replication, seed, parameters
    effects.csv          every pair of options on every objective: difference, intervals, MDE
    variance.csv         where each paired difference's variance comes from
    voi.csv              the value of information of each parameter and group (EVPPI)
    ema_results.tar.gz   the runs as EMA Workbench's (experiments, outcomes)
    sequential.json      the batches run: runs, minutes, where each objective stood
    spec.toml            the spec file as given
    sweep/               the sweep folder of the (first batch of) runs (abm.sweep layout)
    sweep-001/, ...      a sequential decision's later batches (:mod:`abm.decide.batches`)

A decision is one or more ordinary sweeps (see :mod:`abm.decide.model`), so ``--resume``
after a ``kill -9`` runs only the missing runs, and the local and Dask engines give the
same runs bit for bit; the analysis reads them sorted by batch and run id, so
``decision.json`` is the same whatever the workers, the engine or the interruptions.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abm.decide import batches
from abm.decide.batches import SWEEP_DIR
from abm.decide.model import DRAW_KEY, OPTION_KEY
from abm.decide.spec import DecisionSpec, load_decision
from abm.errors import UsageError, UserError

DECISION_JSON, REPORT_HTML, FUTURES, SPEC_TOML, FIGURES = (
    "decision.json",
    "report.html",
    "futures.parquet",
    "spec.toml",
    "figures",
)
SEQUENTIAL_JSON = "sequential.json"
EFFECTS_CSV, VARIANCE_CSV, VOI_CSV = "effects.csv", "variance.csv", "voi.csv"
_OURS = {
    SWEEP_DIR,
    DECISION_JSON,
    REPORT_HTML,
    FUTURES,
    SPEC_TOML,
    FIGURES,
    SEQUENTIAL_JSON,
    EFFECTS_CSV,
    VARIANCE_CSV,
    VOI_CSV,
    "ema_results.tar.gz",
}
_BATCH = re.compile(rf"^{SWEEP_DIR}-\d{{3}}$")


def _ours(name: str) -> bool:
    """A name a decision folder may hold (its files, batches, and atomic writes' temps)."""
    return name in _OURS or bool(_BATCH.match(name)) or name.startswith(".")


@dataclass
class DecisionRun:
    """What :func:`run_decision` did (for the command's closing line)."""

    out: Path
    runs_total: int
    ran: int
    counts: dict[str, int]
    engine: str
    wall_s: float
    decision: dict[str, Any]
    minutes: float = 0.0  # of every batch, in this and earlier sessions


def sweep_spec(spec: DecisionSpec) -> Any:
    """The sweep that runs the decision: options as levels, draws as a grid, seeds as
    replications with common random numbers."""
    from abm.sweep.spec import Design, Levels, Metrics, Range, SweepSpec

    n = len(spec.draws)
    return SweepSpec(
        name=spec.name,
        source=spec.source,
        scenario_path=Path(spec.source),
        base=spec.scenario,
        model="abm.decide.model",
        steps=spec.steps,
        replications=spec.seeds,
        seed=spec.seed,
        timeout=spec.timeout,
        common_random_numbers=True,
        design=Design("grid"),
        fixed=(),
        levels=(Levels(OPTION_KEY, spec.options),),
        ranges=(Range(DRAW_KEY, 0, n - 1, True, n),),
        metrics=Metrics(
            final=tuple(o.name for o in spec.objectives), regions=(), series=(), region_series=()
        ),
        text=spec.text,
    )


def check_folder(out: Path, spec: DecisionSpec, resume: bool) -> dict[str, Any] | None:
    """Refuse a folder that could lose results, before anything is written; the manifest
    of its (first batch's) sweep if it holds this decision."""
    from abm.sweep.store import read_manifest

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    manifest = read_manifest(out / SWEEP_DIR) if (out / SWEEP_DIR).is_dir() else None
    if manifest is None:
        if out.is_dir() and any(not _ours(p.name) for p in out.iterdir()):
            raise UsageError(
                f"--out {out}: folder is not empty and holds no decision; "
                "choose a new or empty folder"
            )
        return None
    done, total = manifest.get("runs_done", 0), manifest.get("runs_total", "?")
    if manifest.get("spec_digest") != sweep_spec(spec).digest():
        raise UsageError(
            f"--out {out}: holds a different decision ({done} of {total} runs); use a new "
            "--out, or the spec (and scenario and posterior files) that made it"
        )
    if not resume:
        state = "complete" if manifest.get("state") == "complete" else "unfinished"
        raise UsageError(
            f"--out {out}: already holds this decision ({state}, {done} of {total} runs); "
            "add --resume to finish it, or choose a new --out"
        )
    return manifest


def run_decision(
    spec: DecisionSpec,
    out: str | Path,
    *,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool | None = None,
    flush_seconds: float = 5.0,
    report: bool = True,
    on_batch: Callable[[dict[str, Any]], None] | None = None,
) -> DecisionRun:
    """Run (or finish, with ``resume``) a decision into ``out``; analyse it; write the report.

    A sequential decision (``spec.sequential``) runs batch after batch until the stopping
    rule or its budget says stop (:mod:`abm.decide.sequential`); ``on_batch`` gets each
    batch's record (runs, minutes, where every objective stands, why it stops) when the
    batch is done. A decision without ``[sequential]`` is one batch.
    """
    from time import monotonic

    from abm.decide.analysis import analyze_decision
    from abm.sweep.engines import check_engine_args, open_engine

    began = monotonic()
    out = Path(out)
    check_engine_args(engine, workers, scheduler)
    check_folder(out, spec, resume)
    recorded = _recorded_minutes(out) if resume else {}
    log: list[dict[str, Any]] = []
    ran, how, stop = 0, "nothing left to run", None
    with contextlib.ExitStack() as stack:
        eng = None  # opened when a batch needs runs (a finished decision needs none)
        while stop is None:
            b = len(log)
            minutes = recorded.get(b, 0.0)
            if not _complete(spec, batches.folder(out, b)):
                if eng is None:
                    eng = stack.enter_context(open_engine(engine, workers, scheduler))
                    how = eng.describe
                t0 = monotonic()
                ran += batches.run_batch(
                    eng,
                    sweep_spec(batches.batch_spec(spec, b)),
                    batches.folder(out, b),
                    resume=resume,
                    progress=progress,
                    flush_seconds=flush_seconds,
                )
                minutes += (monotonic() - t0) / 60
            entry, stop = _after_batch(spec, out, log, minutes)
            log.append(entry)
            _write_json(out / SEQUENTIAL_JSON, _sequential_record(spec, log, stop))
            if on_batch is not None:
                on_batch(entry | {"stop": stop})
    n = len(log)
    whole = batches.combined(spec, n)
    runs = batches.load_runs(out, spec, n)
    futures = batches.futures(spec, n)
    _atomic(out / FUTURES, lambda p: futures.to_parquet(p, index=False))
    if spec.text is not None:
        text = spec.text
        _atomic(out / SPEC_TOML, lambda p: p.write_text(text, encoding="utf-8"))
    sequential = None
    if spec.sequential is not None:
        # why it stopped, without the minutes (decision.json holds no times; the sentence
        # with them is in sequential.json)
        why = (stop or "").split(":")[0]
        sequential = {"rule": spec.sequential.to_dict(), "batches": n, "stopped": why}
    decision = analyze_decision(whole, runs, futures, sequential)
    _write_json(out / DECISION_JSON, decision)
    _write_tables(out, decision, runs, futures)
    if report:
        from abm.decide.report import write_report

        write_report(decision, out)
    counts = decision["runs"]["counts"]
    total = len(spec.options) * whole.n_futures
    minutes = sum(e["minutes"] for e in log)
    return DecisionRun(out, total, ran, counts, how, monotonic() - began, decision, minutes)


def _complete(spec: DecisionSpec, folder: Path) -> bool:
    """Whether a batch's sweep holds all its runs (a finished batch is never rerun)."""
    from abm.sweep.store import read_manifest

    manifest = (read_manifest(folder) if folder.is_dir() else None) or {}
    total = len(spec.options) * spec.n_futures
    return manifest.get("state") == "complete" and manifest.get("runs_done") == total


def _after_batch(
    spec: DecisionSpec, out: Path, log: list[dict[str, Any]], minutes: float
) -> tuple[dict[str, Any], str | None]:
    """The record of the batch just finished, and why the decision stops (None: go on).
    Only finished batches' runs are read, so a resumed decision takes the same path."""
    from abm.decide.analysis import stopping
    from abm.decide.sequential import over_budget, settled

    b = len(log)
    batch_runs = len(spec.options) * spec.n_futures
    entry: dict[str, Any] = {"batch": b, "runs": batch_runs, "minutes": round(minutes, 3)}
    if spec.sequential is None:
        return entry, "one batch"
    states = stopping(batches.combined(spec, b + 1), batches.load_runs(out, spec, b + 1))
    entry["objectives"] = states
    if settled(states):
        return entry, "settled"
    spent = sum(e["minutes"] for e in log) + minutes
    return entry, over_budget(spec.sequential, batch_runs * (b + 1), batch_runs, spent, minutes)


def _sequential_record(
    spec: DecisionSpec, log: list[dict[str, Any]], stop: str | None
) -> dict[str, Any]:
    return {
        "rule": None if spec.sequential is None else spec.sequential.to_dict(),
        "mde": dict(spec.mde),
        "batches": log,
        "runs": sum(e["runs"] for e in log),
        "minutes": round(sum(e["minutes"] for e in log), 3),
        "stopped": stop,
    }


def _recorded_minutes(out: Path) -> dict[int, float]:
    """Minutes each batch took, as recorded (a resumed time budget counts them)."""
    try:
        record = json.loads((out / SEQUENTIAL_JSON).read_text(encoding="utf-8"))
        return {int(e["batch"]): float(e["minutes"]) for e in record.get("batches", [])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def runs_done(out: str | Path) -> tuple[int, int]:
    """Runs recorded so far in a decision folder, and the runs of its batches begun so far
    (for a progress bar: the sweep manifests are written at every flush)."""
    from abm.sweep.store import read_manifest

    done = total = 0
    for b in batches.existing(Path(out)):
        try:
            manifest = read_manifest(batches.folder(Path(out), b)) or {}
        except UserError:
            continue
        done += int(manifest.get("runs_done", 0))
        total += int(manifest.get("runs_total", 0))
    return done, total


def load_folder_runs(folder: Path, decision: dict[str, Any]) -> tuple[Any, Any]:
    """The runs (draws numbered as one decision, with a ``future`` column) and the futures
    of a finished decision folder (for exports and figures)."""
    import pandas as pd

    from abm.sweep.store import load_results

    futures = pd.read_parquet(folder / FUTURES).sort_values("future").reset_index(drop=True)
    f = decision["futures"]
    seeds, per_batch = int(f["seeds"]), int(f.get("draws_per_batch", f["draws"]))
    frames = []
    for b in range(int(f.get("batches", 1))):
        runs = load_results(batches.folder(folder, b))
        if runs.empty:
            continue
        runs[DRAW_KEY] = runs[DRAW_KEY].astype("int64") + b * per_batch
        runs["future"] = runs[DRAW_KEY] * seeds + runs["replication"]
        frames.append(runs)
    runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return runs, futures


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def _write_tables(out: Path, decision: dict[str, Any], runs: Any, futures: Any) -> None:
    """The tables an app or a notebook reads (effects, variance shares, EVPPI) as CSV,
    and the runs as EMA Workbench results."""
    from abm.decide.analysis import tables
    from abm.decide.ema import EMA_FILE, to_ema, write_ema

    for name, frame in tables(decision).items():
        _atomic(out / name, lambda p, f=frame: f.to_csv(p, index=False))
    if runs.empty:
        return
    experiments, outcomes = to_ema(
        runs,
        futures,
        [o["name"] for o in decision["options"]],
        [o["name"] for o in decision["objectives"]],
        list(decision["futures"]["parameters"]),
        decision["model"],
    )
    write_ema(out / EMA_FILE, experiments, outcomes)


def decide(
    spec: str | Path | dict[str, Any] | DecisionSpec,
    out: str | Path | None = None,
    **kwargs: Any,
) -> Path:
    """Run a decision from Python (a notebook); returns the folder (default results/NAME)."""
    loaded = spec if isinstance(spec, DecisionSpec) else load_decision(spec)
    folder = Path(out) if out is not None else Path("results") / f"decide-{loaded.name}"
    run_decision(loaded, folder, **kwargs)
    return folder


def read_decision(folder: str | Path) -> dict[str, Any]:
    """The ``decision.json`` of a decision folder."""
    path = Path(folder) / DECISION_JSON
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable decision ({exc})") from None
