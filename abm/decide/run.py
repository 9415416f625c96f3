"""Run a decision through the sweep engine, then analyse it and write the report.

Layout of a decision folder ``DIR``::

    decision.json      every figure of the analysis (deterministic: no times, no paths)
    report.html        the report, figures embedded (works offline)
    figures/*.png      the same figures as files
    futures.parquet    one row per future: future, draw, replication, seed, parameters
    spec.toml          the spec file as given
    sweep/             the sweep folder of the runs (abm.sweep layout: resumable)

A decision is an ordinary sweep (see :mod:`abm.decide.model`), so ``--resume`` after a
``kill -9`` runs only the missing runs, and the local and Dask engines give the same
runs bit for bit; the analysis reads them sorted by run id, so ``decision.json`` is the
same whatever the workers, the engine or the interruptions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abm.decide.model import DRAW_KEY, OPTION_KEY
from abm.decide.spec import DecisionSpec, load_decision
from abm.errors import UsageError, UserError

SWEEP_DIR = "sweep"
DECISION_JSON, REPORT_HTML, FUTURES, SPEC_TOML, FIGURES = (
    "decision.json",
    "report.html",
    "futures.parquet",
    "spec.toml",
    "figures",
)
_OURS = {SWEEP_DIR, DECISION_JSON, REPORT_HTML, FUTURES, SPEC_TOML, FIGURES}


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
    of its sweep if it holds this decision."""
    from abm.sweep.store import read_manifest

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    manifest = read_manifest(out / SWEEP_DIR) if (out / SWEEP_DIR).is_dir() else None
    if manifest is None:
        if out.is_dir() and any(p.name not in _OURS for p in out.iterdir()):
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
) -> DecisionRun:
    """Run (or finish, with ``resume``) a decision into ``out``; analyse it; write the report."""
    from time import monotonic

    from abm.decide.analysis import analyze_decision
    from abm.sweep.engines import check_engine_args
    from abm.sweep.runner import run_sweep
    from abm.sweep.store import damaged_parts, load_results

    began = monotonic()
    out = Path(out)
    check_engine_args(engine, workers, scheduler)
    manifest = check_folder(out, spec, resume)
    sweep = sweep_spec(spec)
    total = len(spec.options) * spec.n_futures
    ran, how = 0, "nothing left to run"
    complete = (
        manifest is not None
        and manifest.get("state") == "complete"
        and manifest.get("runs_done") == total
        and not damaged_parts(out / SWEEP_DIR)  # else --resume runs their runs again
    )
    if not complete:
        done = run_sweep(
            sweep,
            out / SWEEP_DIR,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
            resume=resume,
            progress=progress,
            flush_seconds=flush_seconds,
        )
        ran, how = done.ran, done.engine
    runs = load_results(out / SWEEP_DIR)
    seeds = _replication_seeds(runs, spec)
    _write_inputs(out, spec, seeds)
    decision = analyze_decision(spec, runs, seeds)
    _write_json(out / DECISION_JSON, decision)
    if report:
        from abm.decide.report import write_report

        write_report(decision, out)
    counts = decision["runs"]["counts"]
    return DecisionRun(out, total, ran, counts, how, monotonic() - began, decision)


def _replication_seeds(runs: Any, spec: DecisionSpec) -> list[int]:
    """Each replication's seed, as the sweep gave it (the same for every option and draw)."""
    from abm.sweep.plan import Plan

    plan = Plan(sweep_spec(spec))
    return [plan.seed(r) for r in range(spec.seeds)]


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    import json

    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def _write_inputs(out: Path, spec: DecisionSpec, seeds: list[int]) -> None:
    futures = spec.futures(seeds)
    _atomic(out / FUTURES, lambda p: futures.to_parquet(p, index=False))
    if spec.text is not None:
        text = spec.text
        _atomic(out / SPEC_TOML, lambda p: p.write_text(text, encoding="utf-8"))


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
    import json

    path = Path(folder) / DECISION_JSON
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable decision ({exc})") from None
