"""Every shipped spec (and the tests' own) parses as it did when it was recorded.

The spec readers (sweep, decision, calibration, targets, priors) were moved onto the
declarative layer (abm/inputs.py); this pins what they build from valid input, so a
refactor of the readers cannot change a parsed spec. The record leaves out what the
readers do not decide (the base scenario's own values, a posterior's sampled draws).
After a deliberate change to a spec file or a reader, rewrite the record with
``ABM_WRITE_SPEC_PARSES=1 .venv/bin/python -m pytest tests/test_spec_parses.py``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from abm.calibrate.priors import parse_prior
from abm.calibrate.spec import load_calibration_spec
from abm.calibrate.targets import load_targets
from abm.decide.spec import load_decision
from abm.sweep.spec import load_spec
from tests.sweep.sweep_helpers import TOY_SCENARIO, TOY_SPEC

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "tests" / "data" / "spec_parses.json"

SWEEP_FILES = ("examples/agglomeration_cap.toml", "examples/center_sites.toml")
SWEEP_FILES += ("tests/browser/data/sweep_small.toml",)
DECISION_FILES = ("examples/decide_sites.toml",)
CALIBRATION_FILES = ("calibration/history.toml", "examples/calibrate/recovery.toml")
TARGET_FILES = ("calibration/targets.toml", "examples/calibrate/recovery_targets.toml")

# the tests' own specs, written beside a scenario of the sweep's toy
SWEEPS = {
    "toy_lhs": TOY_SPEC,
    "toy_grid": """
        [sweep]
        scenario = "toy.toml"
        model = "abm.sweep.toy"
        timeout = 30.5
        common_random_numbers = false
        [parameters.params]
        growth = { low = 0.01, high = 0.2, num = 3 }
        [parameters]
        "population.firms" = { low = 10, high = 13, num = 4 }
        "params.noise" = [0, 0.5, 1]
        [metrics]
        final = ["hhi"]
        """,
    "toy_sobol": """
        [sweep]
        scenario = "toy.toml"
        model = "abm.sweep.toy"
        [design]
        method = "sobol"
        samples = 8
        second_order = true
        [parameters]
        "params.growth" = { low = 0.01, high = 0.2 }
        "params.noise" = { low = 0, high = 1 }
        """,
    "toy_morris": """
        [sweep]
        scenario = "toy.toml"
        model = "abm.sweep.toy"
        [design]
        method = "morris"
        samples = 4
        levels = 6
        [parameters]
        "params.growth" = { low = 0.01, high = 0.2 }
        "centers.site" = "daegu"
        """,
}
DECISIONS = {
    "real_ranges": f"""
        [decision]
        scenario = "{ROOT}/scenarios/nacc_haenam.toml"
        horizon = "2021-12"
        set = {{ "population.firms" = 300 }}
        [[options]]
        name = "haenam"
        [[options]]
        name = "daegu"
        set = {{ "centers.nacc.site" = "daegu" }}
        description = "Daegu"
        [[objectives]]
        name = "jobs"
        output = "employment"
        regions = "candidates"
        direction = "max"
        aggregate = "change"
        start = "2020-01"
        [[objectives]]
        name = "share"
        output = "firm_share"
        regions = "daegu"
        at = "2021-06"
        direction = "max"
        threshold = 0.1
        mde = 0.01
        [[objectives]]
        name = "per_gpu"
        output = "employment"
        regions = "all"
        per = {{ output = "gpus_public", aggregate = "value" }}
        direction = "min"
        [regions]
        candidates = ["daegu", "gwangju"]
        [uncertainty]
        posterior = ""
        draws = 3
        ranges = {{ "params.location.temperature" = [0.5, 2.0] }}
        [seeds]
        count = 2
        seed = 5
        [discovery]
        leaders = 2
        density = 0.7
        [sequential]
        width = 0.1
        max_runs = 100
        max_minutes = 5.5
        """,
}
PRIORS = {
    "uniform": {"low": 0.1, "high": 0.9},
    "uniform_default": {"low": 1, "high": 2},
    "loguniform": {"prior": "loguniform", "low": 0.001, "high": 0.1},
    "normal": {"prior": "normal", "mean": 0.5, "sd": 0.1},
    "normal_truncated": {"prior": "normal", "mean": 0.5, "sd": 0.1, "low": 0, "high": 1},
    "lognormal": {"prior": "lognormal", "median": 0.02, "sigma": 0.5},
    "lognormal_truncated": {"prior": "lognormal", "median": 2, "sigma": 1, "high": 10},
}


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses as tables, tuples as lists, paths relative to the project."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Path) or (isinstance(value, str) and value.startswith("/")):
        return _relative(str(value))
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def _relative(text: str) -> str:
    for folder in (str(ROOT), str(Path.cwd())):
        text = text.replace(folder + "/", "")
    return text


def sweep(spec: Any) -> dict[str, Any]:
    record = spec.resolved()
    record.pop("base")
    return plain(record | {"source": Path(spec.source).name})


def decision(spec: Any) -> dict[str, Any]:
    skip = {"scenario", "draws", "posterior_frame", "text", "source"}
    record = {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name not in skip}
    record["uncertain"] = sorted(spec.uncertain)
    record["n_draws"] = len(spec.draws)
    return plain(record)


def calibration(spec: Any) -> dict[str, Any]:
    record = spec.resolved()
    record.pop("base")
    record["source"] = Path(spec.source).name
    record["priors"] = [p.describe() for p in spec.priors]
    return plain(record)


def parse_all(tmp: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in SWEEP_FILES:
        out[path] = sweep(load_spec(ROOT / path))
    for path in DECISION_FILES:
        out[path] = decision(load_decision(ROOT / path))
    for path in CALIBRATION_FILES:
        out[path] = calibration(load_calibration_spec(ROOT / path))
    for path in TARGET_FILES:
        out[path] = plain(load_targets(ROOT / path).to_dict() | {"source": path})
    (tmp / "toy.toml").write_text(TOY_SCENARIO)
    for name, text in SWEEPS.items():
        file = tmp / f"{name}.toml"
        file.write_text(textwrap.dedent(text))
        out[f"sweep:{name}"] = sweep(load_spec(file))
    for name, text in DECISIONS.items():
        file = tmp / f"{name}.toml"
        file.write_text(textwrap.dedent(text))
        out[f"decision:{name}"] = decision(load_decision(file))
    for name, table in PRIORS.items():
        prior = parse_prior(f"params.{name}", table)
        out[f"prior:{name}"] = plain(prior) | {"bounds": plain(list(prior.bounds))}
    return out


def test_every_spec_parses_as_recorded(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = json.dumps(parse_all(tmp_path), default=str)
    for folder in (tmp_path.resolve(), tmp_path):
        text = text.replace(f"{folder}/", "")
    now = json.loads(text)
    if os.environ.get("ABM_WRITE_SPEC_PARSES"):
        RECORD.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        pytest.skip("record rewritten")
    recorded = json.loads(RECORD.read_text())
    assert sorted(now) == sorted(recorded)
    for key in recorded:
        assert now[key] == recorded[key], key
