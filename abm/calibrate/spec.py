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

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm import schema
from abm.calibrate.priors import Prior, PriorSet, read_prior
from abm.calibrate.targets import BY_SCOPE, TargetSet, load_targets
from abm.errors import Problem, ScenarioError
from abm.inputs import Name, Path_, param
from abm.specutil import RESERVED, Checker, digest, flatten, load_spec_data

METHODS = ("abc-smc",)
DISTANCES = ("uncertainty", "adaptive")
ADJUSTMENTS = ("none", "linear")
# a run is at most as long as a scenario may be: the schema's bound on scenario.steps
_MAX_STEPS = next(f for f in dataclasses.fields(schema.Meta) if f.name == "steps").metadata["hi"]


class CalibrationSpecError(ScenarioError):
    """A calibration spec that does not validate (one Problem per field at fault)."""


@dataclass(frozen=True)
class CalibrationTable:
    """``[calibration]``: the base scenario, the targets, the runs."""

    scenario: Path_ | None = param(None, "The base scenario file")
    targets: Any = param(None, "The targets file (or, from Python, its tables)")
    name: Name | None = param(None, "Name (default: the spec file's)")
    steps: int | None = param(None, "Months per run (default: the scenario's)", lo=1, hi=_MAX_STEPS)
    seed: int = param(0, "Root seed of every draw and every run", lo=0)
    timeout: float | None = param(None, "Seconds per run", lo=0, above=True)


@dataclass(frozen=True)
class Method:
    """``[method]``: pyabc's ABC-SMC, driven generation by generation."""

    name: str = param("abc-smc", "Method", choices=METHODS)
    particles: int = param(200, "Accepted particles per generation", lo=4)
    epsilon_quantile: float = param(0.5, "Next tolerance: this quantile", lo=0.05, hi=0.95)
    distance: str = param("uncertainty", "Distance", choices=DISTANCES)
    kernel_scaling: float = param(1.0, "Multiplies the kernel's covariance", lo=0.01, hi=10.0)
    # The posterior written from the last generation (abm/calibrate/adjust.py): its runs
    # nearest the observations, then the regression adjustment. With `generations = 0` the
    # last generation is a prior sample and this is rejection ABC on a reference table.
    accept: float = param(
        1.0,
        "Share of the last generation's particles kept for the posterior, nearest the "
        "observations first (1 = all; rejection ABC on a prior sample keeps a share)",
        lo=0.001,
        hi=1,
    )
    adjust: str = param(
        "none",
        "The posterior written: the kept particles as sampled ('none'), or after the "
        "regression adjustment of Beaumont, Zhang and Balding (2002) ('linear'), chosen by "
        "the SBC (docs/calibration.md)",
        choices=ADJUSTMENTS,
    )
    ridge: float = param(
        1.0,
        "The adjustment's ridge penalty, in pseudo-observations (statistics in units of each "
        "target's sd): larger shrinks the adjustment towards none",
        lo=0,
        hi=1e9,
    )


@dataclass(frozen=True)
class Budget:
    """``[budget]``: when to stop."""

    max_runs: int = param(4000, "Model runs in all", lo=1)
    generations: int = param(8, "Generations after the prior, at most", lo=0)
    min_epsilon: float = param(0.0, "Stop at this tolerance", lo=0, hi=1e300)
    min_acceptance: float = param(0.02, "Stop below this acceptance rate", lo=0, hi=1)


SECTIONS = {
    "calibration": CalibrationTable,
    "method": Method,
    "budget": Budget,
    "parameters": None,
    "fixed": None,
}


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
        import json

        data = json.loads(json.dumps(self.resolved(), default=str))
        for key in ("name", "source", "scenario", "targets_file", "budget"):
            data.pop(key)
        for key in ("accept", "adjust", "ridge"):  # post-process the last generation: same runs
            data["method"].pop(key)
        data["base"].pop("name", None)
        data["base"].pop("description", None)
        for target in data["targets"].values():
            target.pop("universe", None)  # a compared-only label: it cannot change the fit
        return data

    def digest(self) -> str:
        return digest(self.identity())


def load_calibration_spec(spec: str | Path | Mapping[str, Any]) -> CalibrationSpec:
    """Read and validate a spec from a TOML file or a dict (dict paths: relative to the cwd)."""
    from abm.scenario import load_scenario

    data, source, here, text = load_spec_data(spec, "calibration spec", CalibrationSpecError)
    c = Checker(source, here)
    t = c.declared(data, SECTIONS)
    cal: CalibrationTable = t["calibration"]
    method, budget = t["method"], t["budget"]
    name = c.name(cal.name, "calibration")
    if budget.max_runs < method.particles:
        c.add(
            "budget.max_runs",
            f"{budget.max_runs} runs cannot fill one generation of {method.particles} particles",
        )
    priors = _priors(t["parameters"], c)
    fixed = c.overrides(
        t["fixed"], "fixed", "set the seed and run length with calibration.seed/steps"
    )
    estimated = flatten(t["parameters"], _is_prior)
    for key in fixed:
        if key in estimated:
            c.add(f"fixed.{key}", "is also a parameter to estimate")
    targets, targets_path = _targets(cal.targets, source, c)
    c.required("calibration.scenario", cal.scenario, "the base scenario file")
    scenario_path = c.file("calibration.scenario", cal.scenario, Path.is_file)
    # without the calibrated layer: its values are what is estimated afresh
    base = c.scenario(
        "calibration.scenario", scenario_path, lambda p: load_scenario(p, without_layers=True)
    )
    if base is not None:
        base = c.apply(base, fixed, "fixed")
    steps = 0
    if base is not None:
        steps = cal.steps or base.steps
        base = c.override(base, "scenario.steps", steps, "calibration.steps")
    if base is not None:
        _check_priors(base, priors, c)
        if targets is not None:
            _check_targets(base, steps, targets, c)
    if c.problems:
        raise CalibrationSpecError(c.problems)
    assert targets is not None and scenario_path is not None  # else a problem was added
    where = (name, source, scenario_path, base, targets, targets_path, steps, cal.seed)
    return CalibrationSpec(*where, cal.timeout, method, budget, tuple(priors), fixed, text)


def _is_prior(table: Mapping[str, Any]) -> bool:
    return "prior" in table or bool({"low", "high"} & set(table))


def _priors(table: dict[str, Any], c: Checker) -> list[Prior]:
    params = flatten(table, _is_prior)
    if not params:
        c.add(
            "parameters",
            'no parameter to estimate; add e.g. "params.x.y" = '
            '{ prior = "uniform", low = 0, high = 1 }',
        )
    priors = []
    for key, value in params.items():
        if key in RESERVED:
            c.add(f"parameters.{key}", "cannot be estimated (set calibration.seed/steps)")
            continue
        prior, problems = read_prior(key, value, c.source, f"parameters.{key}")
        c.problems += problems
        priors += [prior] if prior else []
    return priors


def _targets(raw: Any, source: str, c: Checker) -> tuple[TargetSet | None, Path]:
    """The targets: a file (its problems name it), or tables given inline from Python."""
    try:
        if isinstance(raw, dict):
            return load_targets(raw, f"{source}: calibration.targets"), Path()
        if not isinstance(raw, str):
            c.add(
                "calibration.targets",
                "missing; give the targets file, e.g. calibration/targets.toml",
            )
            return None, Path()
        found = c.file("calibration.targets", raw, Path.is_file)
        return (load_targets(found), found) if found else (None, Path())
    except ScenarioError as exc:
        c.problems.extend(exc.problems)  # they name the targets file and field
        return None, Path()


def _check_priors(base: Any, priors: list[Prior], c: Checker) -> None:
    """Each parameter must be a float scenario key whose schema range holds the prior's
    support (the ends of it, or its 0.1 % and 99.9 % quantiles when unbounded)."""
    for p in priors:
        low, high = p.bounds
        q = p.quantiles([0.001, 0.999])
        ends = [low if math.isfinite(low) else q[0], high if math.isfinite(high) else q[1]]
        for value in ends:
            reaches = f"prior support reaches {value:g}: "
            if c.override(base, p.key, float(value), f"parameters.{p.key}", reaches) is None:
                break


def _check_targets(base: Any, steps: int, targets: TargetSet, c: Checker) -> None:
    known = {"region": list(base.regions), "district": list(base.districts)}
    used, _ = targets.split(base.start, steps, known["region"], known["district"])
    for t in targets:
        need = BY_SCOPE[t.scope].needs  # the region or district the target is of
        where = getattr(t, need) if need else None
        if need and not t.requires and where not in known[need]:
            allowed = ", ".join(known[need]) or "none"
            why = f"{where!r} is not a {need} of {base.name}; {need}s: {allowed}"
            c.problems.append(Problem(targets.source, f"targets.{t.id}.{need}", why))
    if not used:
        c.add(
            "calibration.targets",
            f"none of the {len(targets)} targets of {targets.source} can be compared with "
            f"runs of {base.name} from {base.start:%Y-%m} for {steps} months",
        )
