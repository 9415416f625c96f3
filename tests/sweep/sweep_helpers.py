"""Shared helpers for the sweep tests: spec files, the toy model, running the CLI.

Imported by the tests as ``sweep_helpers`` (a unique name: test folders have no __init__).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from abm.sweep.host import Job, perform
from abm.sweep.plan import Plan
from abm.sweep.store import SweepStore, load_results, load_series
from tests.procs import abm_main, abm_subprocess  # noqa: F401  (the tests import them from here)

ROOT = Path(__file__).resolve().parents[2]
WALL_CLOCK = ["elapsed_s"]

TOY_SCENARIO = 'name = "toy-test"\nsteps = 4\n'

# A small spec on the toy model: 2 sites x 3 LHS points x 2 replications = 12 runs.
TOY_SPEC = """
[sweep]
scenario = "toy.toml"
model = "abm.sweep.toy"
replications = 2
seed = 11

[design]
method = "lhs"
samples = 3

[parameters]
"centers.site" = ["daegu", "gwangju"]
"params.growth" = { low = 0.01, high = 0.2 }
"population.firms" = { low = 10, high = 60 }
"params.noise" = 0.05

[metrics]
series = ["hhi"]
region_series = ["firm_share"]
"""


def write_files(folder: Path, text: str = TOY_SPEC, name: str = "spec.toml") -> Path:
    """Write a spec (and the toy scenario beside it); returns the spec path."""
    (folder / "toy.toml").write_text(TOY_SCENARIO)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def results(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs (without wall-clock columns) and series of a sweep folder, sorted."""
    runs = load_results(folder).drop(columns=WALL_CLOCK)
    return runs, load_series(folder)


def assert_same_results(a: Path, b: Path) -> None:
    """Bit-for-bit equality of two sweep folders' data, row for row."""
    runs_a, series_a = results(a)
    runs_b, series_b = results(b)
    pd.testing.assert_frame_equal(runs_a, runs_b, check_exact=True)
    pd.testing.assert_frame_equal(series_a, series_b, check_exact=True)


def written_in_parts(spec, out: Path, per_part: int, runs: int | None = None) -> None:
    """A sweep stopped after ``runs`` runs (all by default), written by the store itself in
    parts of ``per_part`` runs (the state a sweep interrupted late leaves)."""
    plan = Plan(spec)
    job = Job(spec.model, spec.base, spec.steps, spec.metrics, spec.timeout)
    store = SweepStore.open(out, spec, plan, resume=out.exists())
    for run_id in list(store.missing())[:runs]:
        outcome = perform(job, plan.task(run_id))
        outcome.run_id = run_id
        if store.runs_schema is None:
            store.set_columns(list(outcome.finals), list(outcome.series))
        store.add(outcome)
        if len(store._rows) == per_part:
            store.flush()
    store.close("interrupted")
