"""The batches of a decision: each an ordinary sweep folder, together one set of futures.

A decision in one batch is what ``abm decide`` always ran: ``DIR/sweep``. A sequential
decision (:mod:`abm.decide.sequential`) adds batches ``DIR/sweep-001``, ``DIR/sweep-002``,
... each with ``uncertainty.draws`` new parameter draws (from the batch's own posterior
and hypercube streams) and ``seeds.count`` new seeds (from the batch's own root seed),
every option on each: so every batch is resumable on its own (the sweep's store), and a
batch's runs never depend on how many batches came before or after it. The batches
together are numbered as one decision: batch ``b``'s draw ``d`` is draw
``b * draws + d``, and future ``f = draw * seeds + replication`` as before.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.decide.futures import draws as _draws
from abm.decide.model import DRAW_KEY
from abm.decide.spec import DecisionSpec
from abm.errors import UserError

SWEEP_DIR = "sweep"
_BATCH_SEED_KEY = 12  # spawn key of batch seeds (the spec's draws use 10 and 11)


def folder(out: Path, batch: int) -> Path:
    """Batch ``batch``'s sweep folder: ``sweep`` for the first, then ``sweep-001``, ..."""
    return out / (SWEEP_DIR if batch == 0 else f"{SWEEP_DIR}-{batch:03d}")


def existing(out: Path) -> list[int]:
    """The batches whose folders exist, in order (stops at the first gap)."""
    found: list[int] = []
    while folder(out, len(found)).is_dir():
        found.append(len(found))
    return found


def batch_seed(root: int, batch: int) -> int:
    """Batch ``batch``'s root seed: the spec's for the first batch, else a 63-bit seed
    spawned from it (its replications' seeds then differ from every other batch's)."""
    if batch == 0:
        return root
    state = np.random.SeedSequence(root, spawn_key=(_BATCH_SEED_KEY, batch)).generate_state(
        1, np.uint64
    )
    return int(state[0] >> np.uint64(1))


def batch_spec(spec: DecisionSpec, batch: int) -> DecisionSpec:
    """The decision as batch ``batch`` runs it: its draws, its root seed."""
    if batch == 0:
        return spec
    draws = _draws(spec.posterior_frame, spec.ranges, len(spec.draws), spec.seed, batch)
    return dataclasses.replace(
        spec,
        draws=draws,
        seed=batch_seed(spec.seed, batch),
        scenario=dataclasses.replace(spec.scenario, draws=draws),
    )


def combined(spec: DecisionSpec, batches: int) -> DecisionSpec:
    """The decision over its first ``batches`` batches (every draw, numbered as one)."""
    if batches <= 1:
        return spec
    draws = tuple(d for b in range(batches) for d in batch_spec(spec, b).draws)
    return dataclasses.replace(
        spec, draws=draws, scenario=dataclasses.replace(spec.scenario, draws=draws)
    )


def replication_seeds(spec: DecisionSpec, batch: int) -> list[int]:
    """Each replication's seed in batch ``batch`` (as the batch's sweep gives it)."""
    from abm.decide.run import sweep_spec
    from abm.sweep.plan import Plan

    plan = Plan(sweep_spec(batch_spec(spec, batch)))
    return [plan.seed(r) for r in range(spec.seeds)]


def futures(spec: DecisionSpec, batches: int) -> pd.DataFrame:
    """One row per future of the first ``batches`` batches: future, draw, replication,
    seed, batch, parameters (numbered as one decision)."""
    frames = []
    per_batch = len(spec.draws)
    for b in range(batches):
        frame = batch_spec(spec, b).futures(replication_seeds(spec, b))
        frame["draw"] += b * per_batch
        frame["future"] += b * per_batch * spec.seeds
        frame.insert(3, "batch", b)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def load_runs(out: Path, spec: DecisionSpec, batches: int) -> pd.DataFrame:
    """The runs of the first ``batches`` batches, draws numbered as one decision, with
    ``batch`` and ``future`` columns; sorted by batch and run id (deterministic)."""
    from abm.sweep.store import load_results

    frames = []
    per_batch = len(spec.draws)
    for b in range(batches):
        path = folder(out, b)
        if not path.is_dir():
            continue
        runs = load_results(path)
        if runs.empty:
            continue
        runs = runs.sort_values("run_id").copy()
        runs[DRAW_KEY] = runs[DRAW_KEY].astype(np.int64) + b * per_batch
        runs.insert(0, "batch", b)
        runs["future"] = runs[DRAW_KEY] * spec.seeds + runs["replication"]
        frames.append(runs)
    if not frames:
        return pd.DataFrame(columns=["batch", "run_id", "status", DRAW_KEY, "future"])
    return pd.concat(frames, ignore_index=True)


def run_batch(
    eng: Any,
    sweep: Any,
    out: Path,
    *,
    resume: bool,
    progress: bool | None,
    flush_seconds: float,
) -> int:
    """Run (or finish) one batch's sweep into ``out`` on an engine that stays open for the
    whole decision (starting a local engine's processes and importing the model costs
    seconds per batch otherwise); runs done now. As :func:`abm.sweep.runner.run_sweep`
    does for one sweep: the one-step trial run (it names an objective's missing output),
    the progress bar, the runner's loop, and the manifest's state on the way out."""
    from abm.sweep.host import Job
    from abm.sweep.plan import Plan
    from abm.sweep.progress import Progress
    from abm.sweep.runner import _trial, drive
    from abm.sweep.store import SweepStore

    SweepStore.check(out, sweep, resume)
    plan = Plan(sweep)
    try:
        store = SweepStore.open(out, sweep, plan, resume)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write there ({exc.strerror or exc})") from None
    state, error = "failed", None
    try:
        if store.runs_schema is None:
            _trial(eng, sweep, store)
        failed = store.counts["error"] + store.counts["timeout"]
        bar = Progress(sweep.name, plan.n_runs, store.n_done, failed, progress)
        job = Job(sweep.model, sweep.base, sweep.steps, sweep.metrics, sweep.timeout)
        try:
            ran = drive(eng, job, plan, store, bar, (1000, 200_000, flush_seconds))
        finally:
            bar.close()
        state = "complete"
        return ran
    except KeyboardInterrupt:
        state = "interrupted"
        eng.kill_running()
        raise
    except BaseException as exc:
        error = str(exc)[:500] or type(exc).__name__
        eng.kill_running()
        raise
    finally:
        store.close(state, error)
