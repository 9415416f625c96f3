"""Shared helpers for the calibration tests: small synthetic calibrations of the real model."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

from abm.calibrate.synthetic import synthetic_targets, to_toml
from abm.scenario import load_scenario
from tests.procs import abm_main, abm_subprocess  # noqa: F401  (the tests import them from here)

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"
# From 2025-01, when the NADC's oversubscription (a synthetic target) exists; the baseline
# itself starts with the 2019 history replay.
FUTURE = {"scenario.start": "2025-01"}

TRUTH = {
    "params.entry.outside_rate": 0.004,
    "params.firm.cost_share": 1.05,
    "params.compute.gpu_per_employee": 0.025,
}
PRIORS = """
"params.entry.outside_rate" = { prior = "loguniform", low = 0.001, high = 0.016 }
"params.firm.cost_share" = { prior = "uniform", low = 0.98, high = 1.12 }
"params.compute.gpu_per_employee" = { prior = "loguniform", low = 0.008, high = 0.08 }
"""


def write_synthetic(
    folder: Path, firms: int, steps: int, seed: int = 12345, start: str = FUTURE["scenario.start"]
) -> Path:
    """A targets file of the baseline's statistics at TRUTH (one run); returns its path."""
    scenario = load_scenario(  # as the calibration sees it: the layer's values fixed
        BASELINE,
        {"population.firms": firms, "scenario.steps": steps, "scenario.start": start}
        | layer_values(),
        without_layers=True,
    )
    path = folder / "targets.toml"
    path.write_text(to_toml(synthetic_targets(scenario, TRUTH, seed)))
    return path


def layer_values() -> dict[str, float]:
    """The shipped calibrated layer's values of the parameters TRUTH does not set: the
    synthetic truth sits where the model is used, and the spec fixes them (a calibration
    starts from the scenario without its layer)."""
    data = tomllib.loads((ROOT / "scenarios" / "calibrated.toml").read_text())
    data.pop("scenario", None)
    flat: dict[str, float] = {}

    def walk(table: dict, prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                flat[f"{prefix}{key}"] = value

    walk(data, "")
    return {k: v for k, v in flat.items() if k not in TRUTH}


def write_spec(
    folder: Path,
    *,
    firms: int = 120,
    steps: int = 12,
    particles: int = 16,
    generations: int = 1,
    max_runs: int = 400,
    min_acceptance: float = 0.02,
    seed: int = 3,
    name: str = "spec.toml",
    targets: Path | None = None,
    start: str = FUTURE["scenario.start"],
) -> Path:
    targets = targets or write_synthetic(folder, firms, steps, start=start)
    fixed_layer = "\n    ".join(f'"{k}" = {v!r}' for k, v in layer_values().items())
    text = f"""
    [calibration]
    name = "test"
    scenario = "{BASELINE}"
    targets = "{targets}"
    steps = {steps}
    seed = {seed}

    [method]
    particles = {particles}

    [budget]
    max_runs = {max_runs}
    generations = {generations}
    min_acceptance = {min_acceptance}

    [parameters]
    {PRIORS}

    [fixed]
    "population.firms" = {firms}
    "scenario.start" = "{start}"
    {fixed_layer}
    """
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path
