"""A tiny stand-in model with the same interface as the real one.

Why it exists: the sweep machinery (designs, seeds, worker processes, time
limits, crash recovery, Parquet output) must be testable and benchmarkable
without depending on the full model's run time or on its evolving parameters.
A spec selects it with ``[sweep] model = "abm.sweep.toy"``. Its outputs have
the shape of :class:`abm.run.RunResult` (a per-step ``model`` frame and a
per-step-and-region ``regions`` frame) and depend only on the scenario and
the seed, so the determinism checks mean the same thing as for the real model.

Knobs for testing the machinery (under ``params``): ``work`` burns a fixed
amount of CPU per step (deterministic, so results do not depend on speed);
``mode`` is "ok", or "fail" (raises at step 2), "hang" (never ends),
"crash" (the process dies) or "flaky" (the process dies while the environment
variable ``ABM_TOY_FLAKY`` is set, else runs as "ok": a failure from outside the
run, such as the OOM killer, that ``--retry-failed`` repairs).
"""

from __future__ import annotations

import copy
import math
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abm.errors import InputError, Problem, ScenarioError, read_toml_file

REGIONS = ("capital", "daegu", "gwangju", "jeonnam")

DEFAULTS: dict[str, Any] = {
    "name": "toy",
    "steps": 10,
    "seed": 1,
    "population": {"firms": 40},
    "centers": {"site": "gwangju"},
    "params": {
        "growth": 0.05,
        "pull": 0.3,
        "noise": 0.1,
        "work": 0,
        "mode": "ok",
    },
}

# (low, high) for numeric fields; a tuple of strings for choices.
ALLOWED: dict[str, Any] = {
    "steps": (1, 100_000),
    "seed": (0, 2**63 - 1),
    "population.firms": (1, 100_000),
    "centers.site": REGIONS,
    "params.growth": (0.0, 1.0),
    "params.pull": (0.0, 5.0),
    "params.noise": (0.0, 1.0),
    "params.work": (0, 10**9),
    "params.mode": ("ok", "fail", "hang", "crash", "flaky"),
}


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


@dataclass(frozen=True)
class ToyScenario:
    """Validated, immutable toy scenario (a nested dict kept private)."""

    data: dict[str, Any] = field(repr=False)
    source: str = "<toy>"

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def steps(self) -> int:
        return int(self.data["steps"])

    @property
    def seed(self) -> int:
        return int(self.data["seed"])

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>") -> ToyScenario:
        merged = copy.deepcopy(DEFAULTS)
        flat = _flatten(data)
        problems = _apply(merged, flat, source)
        if problems:
            raise ScenarioError(problems)
        return cls(merged, source)

    def with_overrides(self, overrides: dict[str, object]) -> ToyScenario:
        data = copy.deepcopy(self.data)
        problems = _apply(data, dict(overrides), "override")
        if problems:
            raise ScenarioError(problems)
        return ToyScenario(data, self.source)


def _apply(data: dict[str, Any], flat: dict[str, object], source: str) -> list[Problem]:
    known = _flatten(DEFAULTS)
    problems = []
    for key, value in flat.items():
        if key not in known:
            problems.append(Problem(source, key, "unknown field"))
            continue
        default = known[key]
        allowed = ALLOWED.get(key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
            wanted = "true or false"
        elif isinstance(default, str):
            ok = isinstance(value, str) and (allowed is None or value in allowed)
            wanted = f"one of {', '.join(allowed)}" if allowed else "a string"
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if isinstance(default, int) and isinstance(value, int | float) and ok:
                ok = float(value).is_integer()
                value = int(value) if ok else value
            if ok and allowed is not None:
                ok = allowed[0] <= value <= allowed[1]
            wanted = f"a number in [{allowed[0]}, {allowed[1]}]" if allowed else "a number"
        if not ok:
            problems.append(Problem(source, key, f"{value!r} is not allowed; expected {wanted}"))
            continue
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return problems


def load_scenario(path: str | Path, overrides: dict[str, object] | None = None) -> ToyScenario:
    """Read a toy scenario TOML file (any subset of :data:`DEFAULTS`)."""
    path = Path(path)
    try:
        data = read_toml_file(path)  # regular files only, size and nesting bounded
    except InputError as exc:
        raise ScenarioError([Problem(str(path), "", str(exc))]) from None
    scenario = ToyScenario.from_dict(data, source=str(path))
    return scenario.with_overrides(overrides) if overrides else scenario


@dataclass(frozen=True)
class ToyResult:
    model: pd.DataFrame
    regions: pd.DataFrame
    summary: dict[str, Any]


def _burn(units: int) -> float:
    """Deterministic CPU work in pure Python, like an agent loop."""
    acc = 0.0
    for i in range(units):
        acc += math.sqrt(i + acc % 7.0)
    return acc


def run_scenario(
    scenario: ToyScenario, seed: int | None = None, steps: int | None = None
) -> ToyResult:
    """Run the toy model; same scenario and seed give identical frames."""
    p = scenario.data["params"]
    seed = scenario.seed if seed is None else seed
    steps = scenario.steps if steps is None else steps
    rng = np.random.default_rng(seed)
    n_regions = len(REGIONS)
    site = REGIONS.index(scenario.data["centers"]["site"])
    firms = np.full(n_regions, scenario.data["population"]["firms"] / n_regions)
    firms[0] *= 2.0  # the capital region starts ahead
    model_rows, region_rows = [], []
    innovations = 0.0
    for step in range(1, steps + 1):
        if p["mode"] == "hang":
            while True:  # a run that never ends: only a time limit stops it
                pass
        if p["mode"] == "crash" or (p["mode"] == "flaky" and os.environ.get("ABM_TOY_FLAKY")):
            os.kill(os.getpid(), signal.SIGKILL)
        if p["mode"] == "fail" and step == min(2, steps):
            raise RuntimeError(f"toy model failed at step {step} as asked")
        _burn(int(p["work"]))
        share = firms / firms.sum()
        attract = 1.0 + p["pull"] * (np.arange(n_regions) == site) + share
        shock = rng.normal(0.0, p["noise"], n_regions)
        firms = np.maximum(firms * (1.0 + p["growth"] * attract / attract.mean() + shock), 0.1)
        share = firms / firms.sum()
        new_innov = rng.poisson(firms * 0.05)
        innovations += float(new_innov.sum())
        model_rows.append(
            {
                "step": step,
                "date": f"2026-{(step - 1) % 12 + 1:02d}",
                "firms": float(firms.sum()),
                "hhi": float((share**2).sum()),
                "innovations": innovations,
            }
        )
        for r, region in enumerate(REGIONS):
            region_rows.append(
                {
                    "step": step,
                    "date": model_rows[-1]["date"],
                    "region": region,
                    "firms": float(firms[r]),
                    "firm_share": float(share[r]),
                    "innovations": float(new_innov[r]),
                }
            )
    model = pd.DataFrame(model_rows)
    regions = pd.DataFrame(region_rows)
    last = model.iloc[-1]
    summary = {
        "scenario": scenario.name,
        "seed": seed,
        "steps": steps,
        "firm_share": dict(zip(REGIONS, share.tolist(), strict=True)),
        "final": {k: float(last[k]) for k in ("firms", "hhi", "innovations")},
    }
    return ToyResult(model, regions, summary)
