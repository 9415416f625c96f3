"""Sweep specs: read a TOML file (or a dict), check every field, resolve the base scenario.

A spec is the whole recipe of a sweep, so two sweeps with the same resolved spec
produce the same data. Validation collects every problem and names the spec
file, the field and what is allowed, because a sweep that dies an hour in on a
typo wastes the hour. Parameter keys are the dotted scenario keys that
``abm run --set`` takes; they are checked by applying each value to the base
scenario, so the scenario's own validation names unknown keys and bad values.

Parameters come in three kinds (see docs/sweeps.md):

* a list ``key = [a, b, c]``: *levels* to compare. Every design point runs at
  each level (the levels of all lists are crossed);
* a table ``key = { low = x, high = y }``: a *range* the design samples
  (``num = k`` gives a grid design k evenly spaced values);
* a scalar ``key = v``: fixed for every run.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from abm import inputs
from abm.errors import ScenarioError
from abm.inputs import Name, Path_, is_number, param, short
from abm.specutil import (
    DEFAULT_MODEL,
    MAX_KEY_CHARS,
    PROJECT_MODELS,
    Checker,
    digest,
    flatten,
    load_spec_data,
)

__all__ = ["DEFAULT_MODEL", "MAX_KEY_CHARS", "PROJECT_MODELS"]


@dataclass(frozen=True)
class DesignKind:
    """What a design method asks of ``[design]``: a number of ``samples`` (else each range's
    ``num``), at ``least`` that many (``power_of_2`` for Sobol), and which of the optional
    fields it ``takes``."""

    samples: bool = True
    least: int = 1
    power_of_2: bool = False
    takes: tuple[str, ...] = ()


# One declaration per design method (docs/sweeps.md); _design_rules applies them.
DESIGNS = {
    "grid": DesignKind(samples=False),
    "random": DesignKind(),
    "lhs": DesignKind(),
    "sobol": DesignKind(least=2, power_of_2=True, takes=("second_order",)),
    "morris": DesignKind(least=2, takes=("levels",)),
}
METHODS = tuple(DESIGNS)
SAMPLED_METHODS = tuple(m for m, kind in DESIGNS.items() if kind.samples)
OPTIONAL = ("levels", "second_order")  # fields only some methods take
FINITE = 1e300  # a range's ends are finite numbers (and so is high - low)

# Size bounds, checked before anything is allocated. Far beyond real use (a million runs
# of one second each is 12 days on a core), they stop a typo from asking for terabytes.
MAX_RUNS = 10_000_000  # runs in one sweep: settings x design points x replications
MAX_DESIGN_POINTS = 1_000_000  # rows of the design matrix
MAX_LEVELS = 1_000  # values in one list parameter
MAX_PARAMETERS = 200  # parameters in one spec
MAX_TIMEOUT_S = 7 * 24 * 3600.0  # a run's time limit: finite, at most a week

_NOT_IDENTITY = ("name", "source", "scenario", "scenario_name")
_RESERVED = {
    "scenario.seed": "each run's seed comes from sweep.seed",
    "scenario.steps": "set the run length with sweep.steps",
}
_RESERVED |= {key.split(".")[1]: why for key, why in _RESERVED.items()}  # models without sections


class SpecError(ScenarioError):
    """A sweep spec that does not validate; carries every problem found.

    A ScenarioError, so the ``abm`` command prints one line per problem, as for scenarios.
    """


@dataclass(frozen=True)
class Fixed:
    """A value applied to every run."""

    key: str
    value: Any


@dataclass(frozen=True)
class Levels:
    """Values to compare: every design point runs at each of them."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Range:
    """An interval the design samples. Integer ranges include both ends."""

    key: str
    low: float
    high: float
    integer: bool
    num: int | None = None

    def bounds(self) -> tuple[float, float]:
        """Continuous bounds for samplers; integers map by flooring over [low, high + 1)."""
        return (self.low, self.high + 1) if self.integer else (self.low, self.high)

    def to_value(self, x: float) -> int | float:
        """Map a continuous design coordinate to the value the run gets."""
        if self.integer:
            return int(min(math.floor(x), self.high))
        return float(x)


@dataclass(frozen=True)
class RangeTable:
    """``key = { low = x, high = y }``: a range the design samples (grid: ``num`` values)."""

    low: float = param(doc="Lower end", lo=-FINITE, hi=FINITE)
    high: float = param(doc="Upper end", lo=-FINITE, hi=FINITE)
    num: int | None = param(None, "Values of a grid design", lo=2, hi=MAX_DESIGN_POINTS)


@dataclass(frozen=True)
class Design:
    """``[design]``: how the ranges are sampled (docs/sweeps.md)."""

    method: str = param("grid", "Design", choices=METHODS)
    samples: int | None = param(None, "Samples (Sobol: a power of 2)", lo=1, hi=MAX_RUNS)
    levels: int = param(4, "Levels of a Morris grid", lo=2, hi=MAX_RUNS)
    second_order: bool = param(False, "Sobol second-order indices")


@dataclass(frozen=True)
class Metrics:
    """Which outputs to keep. ``final=None`` keeps every numeric model column."""

    final: tuple[Name, ...] | None = param(None, "Final values kept (none: all)")
    regions: tuple[Name, ...] = param(("firm_share",), "Final values by region")
    series: tuple[Name, ...] = param((), "Monthly series")
    region_series: tuple[Name, ...] = param((), "Monthly series by region")
    district_series: tuple[Name, ...] = param((), "Monthly series by district")


@dataclass(frozen=True)
class SweepTable:
    """``[sweep]``: the base scenario, the model and the runs."""

    scenario: Path_ | None = param(None, "The base scenario file")
    name: Name | None = param(None, "Name (default: the spec file's)")
    model: Name = param(DEFAULT_MODEL, "The model's module")
    steps: int | None = param(None, "Months per run (default: the scenario's)", lo=1, hi=10**6)
    replications: int = param(1, "Runs per design point", lo=1, hi=MAX_RUNS)
    seed: int = param(0, "Root seed", lo=0, hi=2**63 - 1)
    timeout: float | None = param(None, "Seconds per run", lo=0, above=True, hi=MAX_TIMEOUT_S)
    common_random_numbers: bool = param(True, "Every setting runs on the same seeds")


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: everything that determines its results."""

    name: str
    source: str
    scenario_path: Path
    base: Any  # the model's Scenario (validated, picklable)
    model: str
    steps: int | None
    replications: int
    seed: int
    timeout: float | None
    common_random_numbers: bool
    design: Design
    fixed: tuple[Fixed, ...]
    levels: tuple[Levels, ...]
    ranges: tuple[Range, ...]
    metrics: Metrics
    text: str | None = None  # the spec file's text, kept beside the results

    def resolved(self) -> dict[str, Any]:
        """A JSON-ready record of the spec with defaults filled in and the base scenario inlined."""
        kinds = (("fixed", self.fixed), ("levels", self.levels), ("range", self.ranges))
        params = {  # each parameter's declared fields, its kind first (values as a list)
            p.key: {"kind": kind}
            | {k: list(v) if isinstance(v, tuple) else v for k, v in vars(p).items() if k != "key"}
            for kind, group in kinds
            for p in group
        }
        return {
            "name": self.name,
            "source": self.source,
            "scenario": str(self.scenario_path),
            "scenario_name": self.base.name,
            "model": self.model,
            "base": self.base.to_dict(),
            "steps": self.steps,
            "replications": self.replications,
            "seed": self.seed,
            "common_random_numbers": self.common_random_numbers,
            "timeout": self.timeout,
            "design": dataclasses.asdict(self.design),
            "parameters": params,
            "metrics": {  # (district_series only where given: digests of older specs stay)
                k: None if v is None else list(v)
                for k, v in dataclasses.asdict(self.metrics).items()
                if v or k != "district_series"
            },
        }

    def identity(self) -> dict[str, Any]:
        """The part of :meth:`resolved` that decides the results (as JSON would give it back)."""
        import json

        return identity_of(json.loads(json.dumps(self.resolved(), default=str)))

    def digest(self) -> str:
        return digest(self.identity())

    @property
    def varied(self) -> tuple[str, ...]:
        """Keys of the parameters that differ between runs, in column order."""
        return tuple(lv.key for lv in self.levels) + tuple(r.key for r in self.ranges)


def identity_of(resolved: dict[str, Any]) -> dict[str, Any]:
    """Drop what does not change results (names, file paths) from a resolved spec."""
    return {k: v for k, v in resolved.items() if k not in _NOT_IDENTITY}


def load_spec(
    spec: str | Path | Mapping[str, Any], *, allow_model_import: bool = False
) -> SweepSpec:
    """Read and validate a spec from a TOML file or a dict (dict paths are relative to the cwd).

    ``allow_model_import`` lets ``sweep.model`` name a module outside the project: that
    module is imported, so a spec naming one is code (see docs/sweeps.md).
    """
    data, source, here, text = load_spec_data(spec, "sweep spec", SpecError, None)
    c = Checker(source, here)
    t = c.declared(
        data, {"sweep": SweepTable, "design": Design, "parameters": None, "metrics": Metrics}
    )
    sw: SweepTable = t["sweep"]
    design: Design = t["design"]
    name = c.name(sw.name, "sweep")
    model = c.model("sweep.model", sw.model, allow_model_import)
    _design_rules(design, data.get("design", {}), c)
    fixed, levels, ranges = _parameters(t["parameters"], design, c)
    _check_size(design, levels, ranges, sw.replications, c)
    c.required("sweep.scenario", sw.scenario, "the base scenario file")
    found = c.file("sweep.scenario", sw.scenario) if model is not None else None
    base = c.scenario("sweep.scenario", found, model.load_scenario) if model else None
    if base is not None:
        trials = [(f"parameters.{f.key}", f.key, f.value) for f in fixed]
        trials += [
            (f"parameters.{lv.key}", lv.key, v)
            for lv in levels
            for v in _representatives(lv.values)
        ]
        trials += [(f"parameters.{r.key}", r.key, v) for r in ranges for v in (r.low, r.high)]
        c.trial(base, trials)
        if sw.steps is not None and sw.model == DEFAULT_MODEL:
            c.trial(base, [("sweep.steps", "scenario.steps", sw.steps)])
    if c.problems:
        raise SpecError(c.problems)
    assert found is not None and sw.scenario is not None  # else a problem was added
    runs = {k: v for k, v in vars(sw).items() if k not in ("scenario", "name")}
    what = {"fixed": fixed, "levels": levels, "ranges": ranges, "metrics": t["metrics"]}
    return SweepSpec(name, source, found, base, **runs, design=design, **what, text=text)


def _design_rules(design: Design, table: Any, c: Checker) -> None:
    """What a design's method allows of its other fields (its DesignKind)."""
    table = table if isinstance(table, dict) else {}
    method, n, kind = design.method, design.samples, DESIGNS[design.method]
    given = "samples" in table
    odd = n is not None and (n < 2 or n & (n - 1))  # not a power of 2
    rules = [
        (f"{method} designs take their values from each range's num", given and not kind.samples),
        (f"missing; {method} designs need a number of samples", kind.samples and not given),
        (
            f"{n} is not allowed; {_title(method)} designs need a power of 2",
            kind.power_of_2 and odd,
        ),
        (
            f"{_title(method)} designs need at least {kind.least} samples",
            n is not None and n < kind.least,
        ),
    ]
    for why, broken in rules:
        if broken and not c.problems_in("design.samples"):
            c.add("design.samples", why)
    for key in sorted(set(OPTIONAL) & set(table) - set(kind.takes)):
        owner = next(m for m, k in DESIGNS.items() if key in k.takes)
        c.add(f"design.{key}", f"only {_title(owner)} designs take {key}")


def _title(method: str) -> str:
    return "Sobol" if method == "sobol" else method.capitalize()


def _flatten_parameters(table: dict[str, Any]) -> dict[str, Any]:
    """Accept both quoted dotted keys and nested TOML tables; a table with low/high is a range."""
    return flatten(table, lambda value: not value or {"low", "high"} & set(value))


def _parameters(
    table: dict[str, Any], design: Design, c: Checker
) -> tuple[tuple[Fixed, ...], tuple[Levels, ...], tuple[Range, ...]]:
    fixed, levels, ranges = [], [], []
    flat = _flatten_parameters(table)
    if len(flat) > MAX_PARAMETERS:
        c.add("parameters", f"{len(flat):,} parameters; at most {MAX_PARAMETERS}")
        return (), (), ()
    for key, value in flat.items():
        field = f"parameters.{short(key)}"
        if len(key) > MAX_KEY_CHARS:
            c.add(field, f"key of {len(key):,} characters; at most {MAX_KEY_CHARS}")
        elif isinstance(value, dict) and not value:
            c.add(field, "empty table; give a value, a list of values or a range {low, high}")
        elif key in _RESERVED:
            c.add(field, f"cannot be swept: {_RESERVED[key]}")
        elif isinstance(value, list):
            lv = _levels(key, value, field, c)
            if lv is not None:
                levels.append(lv)
        elif isinstance(value, dict):
            rg = _range(key, value, field, design, c)
            if rg is not None:
                ranges.append(rg)
        elif isinstance(value, str | bool | int | float):
            fixed.append(Fixed(key, value))
        else:
            c.add(
                field, f"{short(repr(value))} is not allowed; expected a value, a list or a range"
            )
    if design.method in SAMPLED_METHODS and not ranges:
        c.add(
            "parameters",
            f"{design.method} designs sample ranges, but none is given; "
            "write one as key = { low = 0.1, high = 0.9 }",
        )
    return tuple(fixed), tuple(levels), tuple(ranges)


def _levels(key: str, values: list[Any], field: str, c: Checker) -> Levels | None:
    if not values:
        c.add(field, "empty list; give at least one value")
        return None
    if len(values) > MAX_LEVELS:
        c.add(field, f"{len(values):,} values; a list takes at most {MAX_LEVELS:,}")
        return None
    kinds = {"number" if is_number(v) else type(v).__name__ for v in values}
    if len(kinds) != 1 or kinds & {"list", "dict"} or not kinds <= {"number", "str", "bool"}:
        c.add(field, "list values must all be numbers, all strings or all booleans")
        return None
    if len(set(values)) != len(values):
        c.add(field, "list has repeated values")
        return None
    if kinds == {"number"} and not all(isinstance(v, int) for v in values):
        values = [float(v) for v in values]
    return Levels(key, tuple(values))


def _range(key: str, table: dict[str, Any], field: str, design: Design, c: Checker) -> Range | None:
    got, problems = inputs.structure(table, RangeTable, c.source, field, spec=True)
    missing = "missing; a range needs low and high, e.g. { low = 0.1, high = 0.9 }"
    c.problems += [replace(p, message=missing) if p.message == "missing" else p for p in problems]
    if got is None:
        return None
    low, high, num = table["low"], table["high"], got.num
    integer = isinstance(low, int) and isinstance(high, int)
    grid = design.method == "grid"
    rules = [
        (
            field,
            "integer range bounds must lie within +-2**62",
            integer and max(abs(low), abs(high)) >= 2**62,
        ),
        (field, f"range [{low}, {high}] has low >= high", low >= high),
        (
            field,
            "grid designs need num, the number of values, e.g. { low, high, num = 5 }",
            grid and num is None,
        ),
        (
            f"{field}.num",
            f"only grid designs take num; {design.method} designs sample ranges",
            not grid and num is not None,
        ),
    ]
    for at, why, broken in rules:
        if broken:
            c.add(at, why)
            return None
    if integer and num is not None and num > high - low + 1:
        c.add(f"{field}.num", f"{num} values do not fit in the integers {low}..{high}")
        return None
    return Range(key, low, high, integer, num)


def _check_size(
    design: Design,
    levels: tuple[Levels, ...],
    ranges: tuple[Range, ...],
    replications: int,
    c: Checker,
) -> None:
    """Refuse a design too large to run, before anything is allocated (names the field)."""
    if design.method != "grid" and design.samples is None:
        return  # reported already
    d = len(ranges)
    if design.method == "grid":
        points = math.prod(r.num or 1 for r in ranges)
        field = "parameters (the product of the ranges' num)"
    else:
        assert design.samples is not None
        per = {"sobol": (2 * d + 2) if design.second_order else d + 2, "morris": d + 1}
        points = design.samples * per.get(design.method, 1)
        field = "design.samples"
    if points > MAX_DESIGN_POINTS:
        c.add(field, f"gives {points:,} design points; at most {MAX_DESIGN_POINTS:,}")
        return
    runs = math.prod(len(lv.values) for lv in levels) * points * replications
    if runs > MAX_RUNS:
        c.add(
            "sweep.replications" if replications > 1 else "parameters",
            f"the sweep would have {runs:,} runs (settings x design points x replications); "
            f"at most {MAX_RUNS:,}",
        )


def _representatives(values: tuple[Any, ...]) -> list[Any]:
    """The values of a list worth validating: for numbers (ranges are intervals) the least,
    the greatest and the first non-integer; for strings every value (each may be a choice)."""
    if not all(is_number(v) for v in values):
        return list(values)
    picks = [min(values), max(values)]
    picks += [v for v in values if isinstance(v, float) and not v.is_integer()][:1]
    picks += [v for v in values if v != v][:1]  # NaN
    return list(dict.fromkeys(picks))
