"""Calibration specs: which parameters to estimate, against which targets, how, with what budget.

A spec is a TOML file (see docs/calibration.md and examples/calibrate_*.toml)::

    [calibration]
    name = "history"
    scenario = "scenarios/history.toml"      # the base scenario
    targets = "calibration/targets.toml"     # observed values (abm/calibrate/targets.py)
    steps = 84                               # months per run (default: the scenario's)
    seed = 20190101                          # root seed of every draw and every run
    timeout = 600                            # seconds per run (default: none)

    [method]
    name = "abc-smc"                         # pyabc's ABC-SMC, driven generation by generation
    particles = 200                          # accepted particles per generation
    epsilon_quantile = 0.5                   # next tolerance = this quantile of the distances
    distance = "uncertainty"                 # or "adaptive" (Prangle 2017 scales)
    kernel_scaling = 1.0                     # multiplies the perturbation kernel's covariance

    [budget]
    max_runs = 4000                          # model runs in all
    generations = 8                          # at most this many generations after the prior
    min_epsilon = 0.0                        # stop when the tolerance is this small
    min_acceptance = 0.02                    # stop when fewer proposals than this are accepted

    [parameters]                             # dotted keys, as abm run --set takes them
    "params.entry.outside_rate" = { prior = "loguniform", low = 0.001, high = 0.02 }

    [fixed]                                  # applied to every run, not estimated
    "population.firms" = 2000

Validation reports every problem with the file and the field, as sweep specs do.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm.calibrate.priors import Prior, PriorError, PriorSet, parse_prior
from abm.calibrate.targets import TargetSet, load_targets
from abm.errors import Problem, ScenarioError
from abm.specutil import Checker, find_file, flatten, read_spec

METHODS = ("abc-smc",)
DISTANCES = ("uncertainty", "adaptive")
_SECTIONS = {
    "calibration": {"name", "scenario", "targets", "steps", "seed", "timeout"},
    "method": {"name", "particles", "epsilon_quantile", "distance", "kernel_scaling"},
    "budget": {"max_runs", "generations", "min_epsilon", "min_acceptance"},
    "parameters": None,
    "fixed": None,
}
_RESERVED = {"scenario.seed", "scenario.steps"}


class CalibrationSpecError(ScenarioError):
    """A calibration spec that does not validate (one Problem per field at fault)."""


@dataclass(frozen=True)
class Method:
    name: str = "abc-smc"
    particles: int = 200
    epsilon_quantile: float = 0.5
    distance: str = "uncertainty"
    kernel_scaling: float = 1.0


@dataclass(frozen=True)
class Budget:
    max_runs: int = 4000
    generations: int = 8
    min_epsilon: float = 0.0
    min_acceptance: float = 0.02


@dataclass(frozen=True)
class CalibrationSpec:
    """A validated calibration: everything that decides its posterior."""

    name: str
    source: str
    scenario_path: Path
    base: Any  # abm Scenario with the fixed values applied
    targets: TargetSet
    targets_path: Path
    steps: int
    seed: int
    timeout: float | None
    method: Method
    budget: Budget
    priors: tuple[Prior, ...]
    fixed: dict[str, Any] = field(default_factory=dict)
    text: str | None = None

    @property
    def prior(self) -> PriorSet:
        return PriorSet(self.priors)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.priors]

    def resolved(self) -> dict[str, Any]:
        """JSON-ready record: defaults filled in, the base scenario and the targets inlined."""
        return {
            "name": self.name,
            "source": self.source,
            "scenario": str(self.scenario_path),
            "targets_file": str(self.targets_path) if self.targets_path.name else None,
            "base": self.base.to_dict(),
            "targets": self.targets.to_dict()["targets"],
            "steps": self.steps,
            "seed": self.seed,
            "timeout": self.timeout,
            "method": self.method.__dict__,
            "budget": self.budget.__dict__,
            "parameters": {p.key: {"prior": p.kind, **p.options} for p in self.priors},
            "fixed": self.fixed,
        }

    def identity(self) -> dict[str, Any]:
        """What decides the posterior: not names or file paths, nor the stopping budget
        (a larger budget continues the same sequence of generations), nor which universe a
        compared-only target counts."""
        data = json.loads(json.dumps(self.resolved(), default=str))
        for key in ("name", "source", "scenario", "targets_file", "budget"):
            data.pop(key)
        data["base"].pop("name", None)
        data["base"].pop("description", None)
        for target in data["targets"].values():
            target.pop("universe", None)  # a compared-only label: it cannot change the fit
        return data

    def digest(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_calibration_spec(spec: str | Path | Mapping[str, Any]) -> CalibrationSpec:
    """Read and validate a spec from a TOML file or a dict (dict paths: relative to the cwd)."""
    if isinstance(spec, Mapping):
        return _build(dict(spec), "<spec>", Path.cwd(), None)
    path = Path(spec)
    data, text = read_spec(path, "calibration spec", CalibrationSpecError)
    return _build(data, str(path), path.resolve().parent, text)


class _Checker(Checker):
    def number(
        self, table: dict, section: str, key: str, default: float, low: float, high: float
    ) -> float:
        value = table.get(key, default)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not low <= value <= high:
            self.add(
                f"{section}.{key}",
                f"{value!r} is not allowed; expected a number in [{low}, {high}]",
            )
            return default
        return float(value)


def _build(data: dict[str, Any], source: str, here: Path, text: str | None) -> CalibrationSpec:
    from abm.scenario import load_scenario

    c = _Checker(source)
    tables = c.sections(data, _SECTIONS)

    cal = tables["calibration"]
    name = cal.get("name", Path(source).stem if source != "<spec>" else "calibration")
    if not isinstance(name, str) or not name:
        c.add("calibration.name", "expected a non-empty string")
        name = "calibration"
    seed = c.integer(cal, "calibration", "seed", 0, 0)
    timeout = cal.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, int | float) or isinstance(timeout, bool) or not timeout > 0
    ):
        c.add("calibration.timeout", f"{timeout!r} is not allowed; expected seconds > 0")
        timeout = None

    m = tables["method"]
    method_name = m.get("name", "abc-smc")
    if method_name not in METHODS:
        c.add(
            "method.name", f"{method_name!r} is not allowed; expected one of {', '.join(METHODS)}"
        )
    distance = m.get("distance", "uncertainty")
    if distance not in DISTANCES:
        c.add(
            "method.distance",
            f"{distance!r} is not allowed; expected one of {', '.join(DISTANCES)}",
        )
        distance = "uncertainty"
    method = Method(
        name=str(method_name),
        particles=c.integer(m, "method", "particles", 200, 4),
        epsilon_quantile=c.number(m, "method", "epsilon_quantile", 0.5, 0.05, 0.95),
        distance=distance,
        kernel_scaling=c.number(m, "method", "kernel_scaling", 1.0, 0.01, 10.0),
    )
    b = tables["budget"]
    budget = Budget(
        max_runs=c.integer(b, "budget", "max_runs", 4000, 1),
        generations=c.integer(b, "budget", "generations", 8, 0),
        min_epsilon=c.number(b, "budget", "min_epsilon", 0.0, 0.0, math.inf),
        min_acceptance=c.number(b, "budget", "min_acceptance", 0.02, 0.0, 1.0),
    )
    if budget.max_runs < method.particles:
        c.add(
            "budget.max_runs",
            f"{budget.max_runs} runs cannot fill one generation of {method.particles} particles",
        )

    priors = []
    params = flatten(tables["parameters"], lambda v: "prior" in v or {"low", "high"} & set(v))
    if not params:
        c.add(
            "parameters",
            'no parameter to estimate; add e.g. "params.x.y" = '
            '{ prior = "uniform", low = 0, high = 1 }',
        )
    for key, table in params.items():
        if key in _RESERVED:
            c.add(f"parameters.{key}", "cannot be estimated (set calibration.seed/steps)")
            continue
        try:
            priors.append(parse_prior(key, table))
        except PriorError as exc:
            c.add(f"parameters.{key}", str(exc))
    fixed = flatten(tables["fixed"])
    for key in fixed:
        if key in _RESERVED:
            c.add(f"fixed.{key}", "set the seed and run length with calibration.seed/steps")
        if key in params:
            c.add(f"fixed.{key}", "is also a parameter to estimate")

    targets, targets_path = None, Path()
    raw_targets = cal.get("targets")
    if isinstance(raw_targets, dict):  # inline (specs built in Python)
        try:
            targets = load_targets(raw_targets, f"{source}: calibration.targets")
        except ScenarioError as exc:
            c.problems.extend(exc.problems)
    elif not isinstance(raw_targets, str):
        c.add(
            "calibration.targets", "missing; give the targets file, e.g. calibration/targets.toml"
        )
    else:
        found = find_file(raw_targets, here, Path.is_file)
        if found is None:
            c.add(
                "calibration.targets",
                f"{raw_targets}: not found next to the spec or in the project",
            )
        else:
            targets_path = found
            try:
                targets = load_targets(found)
            except ScenarioError as exc:
                c.problems.extend(exc.problems)  # they name the targets file and field

    base, scenario_path, steps = None, Path(), 0
    raw = cal.get("scenario")
    if not isinstance(raw, str):
        c.add("calibration.scenario", "missing; give the base scenario file")
    else:
        found = find_file(raw, here, Path.is_file)
        if found is None:
            c.add("calibration.scenario", f"{raw}: not found next to the spec or in the project")
        else:
            scenario_path = found
            try:  # without the calibrated layer: its values are what is estimated afresh
                base = load_scenario(found, without_layers=True)
            except ScenarioError as exc:
                for p in exc.problems:
                    c.add("calibration.scenario", str(p))
    if base is not None:
        base = _apply_fixed(base, fixed, c)
    if base is not None:
        steps = c.integer(cal, "calibration", "steps", base.steps, 1)
        try:
            base = base.with_overrides({"scenario.steps": steps})
        except ScenarioError as exc:
            c.add("calibration.steps", "; ".join(p.message for p in exc.problems))
        _check_priors(base, priors, c)
        if targets is not None:
            _check_targets(base, steps, targets, c)
    if c.problems:
        raise CalibrationSpecError(c.problems)
    assert targets is not None  # else a problem was added
    return CalibrationSpec(
        name=name,
        source=source,
        scenario_path=scenario_path,
        base=base,
        targets=targets,
        targets_path=targets_path,
        steps=steps,
        seed=seed,
        timeout=None if timeout is None else float(timeout),
        method=method,
        budget=budget,
        priors=tuple(priors),
        fixed=fixed,
        text=text,
    )


def _apply_fixed(base: Any, fixed: dict[str, Any], c: _Checker) -> Any:
    try:
        return base.with_overrides(fixed) if fixed else base
    except ScenarioError as exc:
        for p in exc.problems:
            where = p.field if p.field else ""
            c.add(f"fixed.{where}".rstrip("."), p.message)
        return None


def _check_priors(base: Any, priors: list[Prior], c: _Checker) -> None:
    """Each parameter must be a float scenario key whose schema range holds the prior's
    support (the ends of it, or its 0.1 % and 99.9 % quantiles when unbounded)."""
    for p in priors:
        low, high = p.bounds
        q = p.quantiles([0.001, 0.999])
        ends = [low if math.isfinite(low) else q[0], high if math.isfinite(high) else q[1]]
        for value in ends:
            try:
                base.with_overrides({p.key: float(value)})
            except ScenarioError as exc:
                message = "; ".join(
                    (f"{e.field}: " if e.field not in ("", p.key) else "") + e.message
                    for e in exc.problems
                )
                c.add(f"parameters.{p.key}", f"prior support reaches {value:g}: {message}")
                break


def _check_targets(base: Any, steps: int, targets: TargetSet, c: _Checker) -> None:
    regions, districts = list(base.regions), list(base.districts)
    used, _ = targets.split(base.start, steps, regions, districts)
    for t in targets:
        if t.scope == "region" and not t.requires and t.region not in regions:
            c.problems.append(
                Problem(
                    targets.source,
                    f"targets.{t.id}.region",
                    f"{t.region!r} is not a region of {base.name}; regions: {', '.join(regions)}",
                )
            )
        if t.scope == "district" and not t.requires and t.district not in districts:
            c.problems.append(
                Problem(
                    targets.source,
                    f"targets.{t.id}.district",
                    f"{t.district!r} is not a district of {base.name}; "
                    f"districts: {', '.join(districts) or 'none'}",
                )
            )
    if not used:
        c.add(
            "calibration.targets",
            f"none of the {len(targets)} targets of {targets.source} can be compared with "
            f"runs of {base.name} from {base.start:%Y-%m} for {steps} months",
        )
