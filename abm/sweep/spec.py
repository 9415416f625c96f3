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

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abm.errors import (
    InputError,
    Problem,
    ScenarioError,
    check_path_text,
    parse_toml_text,
    read_input_text,
)
from abm.specutil import Checker, find_file, flatten, is_number

METHODS = ("grid", "random", "lhs", "sobol", "morris")
SAMPLED_METHODS = METHODS[1:]
DEFAULT_MODEL = "abm"
# A spec naming a model names code that runs (it is imported when the spec is read): only
# the project's own models, unless the user allows others (``--allow-model-import``).
# the project's own model adapters: the real model, the test toy, and the adapters through
# which decisions and calibrations run on the sweep engine
PROJECT_MODELS = (DEFAULT_MODEL, "abm.sweep.toy", "abm.decide.model", "abm.calibrate.simmodel")

# Size bounds, checked before anything is allocated. Far beyond real use (a million runs
# of one second each is 12 days on a core), they stop a typo from asking for terabytes.
MAX_RUNS = 10_000_000  # runs in one sweep: settings x design points x replications
MAX_DESIGN_POINTS = 1_000_000  # rows of the design matrix
MAX_LEVELS = 1_000  # values in one list parameter
MAX_PARAMETERS = 200  # parameters in one spec
MAX_TIMEOUT_S = 7 * 24 * 3600.0  # a run's time limit: finite, at most a week
MAX_KEY_CHARS = 200  # a parameter's dotted key

_SECTIONS = {
    "sweep": {
        "name",
        "scenario",
        "model",
        "steps",
        "replications",
        "seed",
        "timeout",
        "common_random_numbers",
    },
    "design": {"method", "samples", "levels", "second_order"},
    "parameters": None,  # any dotted scenario key
    "metrics": {"final", "regions", "series", "region_series", "district_series"},
}
_RANGE_KEYS = {"low", "high", "num"}
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
class Design:
    method: str = "grid"
    samples: int | None = None
    levels: int = 4
    second_order: bool = False


@dataclass(frozen=True)
class Metrics:
    """Which outputs to keep. ``final=None`` keeps every numeric model column."""

    final: tuple[str, ...] | None = None
    regions: tuple[str, ...] = ("firm_share",)
    series: tuple[str, ...] = ()
    region_series: tuple[str, ...] = ()
    district_series: tuple[str, ...] = ()


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
        params: dict[str, Any] = {}
        for f in self.fixed:
            params[f.key] = {"kind": "fixed", "value": f.value}
        for lv in self.levels:
            params[lv.key] = {"kind": "levels", "values": list(lv.values)}
        for r in self.ranges:
            params[r.key] = {
                "kind": "range",
                "low": r.low,
                "high": r.high,
                "integer": r.integer,
                "num": r.num,
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
            "design": {
                "method": self.design.method,
                "samples": self.design.samples,
                "levels": self.design.levels,
                "second_order": self.design.second_order,
            },
            "parameters": params,
            "metrics": {
                "final": None if self.metrics.final is None else list(self.metrics.final),
                "regions": list(self.metrics.regions),
                "series": list(self.metrics.series),
                "region_series": list(self.metrics.region_series),
                **(
                    {"district_series": list(self.metrics.district_series)}
                    if self.metrics.district_series
                    else {}
                ),
            },
        }

    def identity(self) -> dict[str, Any]:
        """The part of :meth:`resolved` that decides the results (as JSON would give it back)."""
        return identity_of(json.loads(json.dumps(self.resolved(), default=str)))

    def digest(self) -> str:
        text = json.dumps(self.identity(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

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
    if isinstance(spec, Mapping):
        return _build(dict(spec), "<spec>", Path.cwd(), None, allow_model_import)
    path = Path(spec)
    try:
        text = read_input_text(path)
        data = parse_toml_text(text)
    except InputError as exc:
        raise SpecError([Problem(str(path), "", str(exc))]) from None
    return _build(data, str(path), path.resolve().parent, text, allow_model_import)


class _Checker(Checker):
    """Collects problems so that one pass reports all of them."""

    def problems_in(self, section: str) -> bool:
        """Whether a problem was found in a section (later checks need a sound one)."""
        return any(p.field.split(".")[0] == section for p in self.problems)

    def integer(
        self, table: dict, section: str, key: str, default: Any, low: int, high: int = MAX_RUNS
    ) -> Any:
        value = table.get(key, default)
        if value is default:
            return value
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.add(
                f"{section}.{key}", f"{_short(value)} is not allowed; expected an integer >= {low}"
            )
            return default
        if value > high:
            self.add(f"{section}.{key}", f"{value:,} is too large; at most {high:,}")
            return default
        return value

    def boolean(self, table: dict, section: str, key: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.add(f"{section}.{key}", f"{value!r} is not allowed; expected true or false")
            return default
        return value

    def names(self, table: dict, section: str, key: str, default: Any) -> Any:
        value = table.get(key, default)
        if value is default:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.add(f"{section}.{key}", "expected a list of output column names")
            return default
        return tuple(value)


def _build(
    data: dict[str, Any], source: str, here: Path, text: str | None, allow_model_import: bool
) -> SweepSpec:
    from abm.sweep.model import load_model

    c = _Checker(source)
    tables = c.sections(data, _SECTIONS)

    sw = tables["sweep"]
    name = sw.get("name", Path(source).stem if source != "<spec>" else "sweep")
    if not isinstance(name, str) or not name:
        c.add("sweep.name", "expected a non-empty string")
        name = "sweep"
    steps = c.integer(sw, "sweep", "steps", None, 1, 10**6)
    replications = c.integer(sw, "sweep", "replications", 1, 1)
    seed = c.integer(sw, "sweep", "seed", 0, 0, 2**63 - 1)
    crn = c.boolean(sw, "sweep", "common_random_numbers", True)
    timeout = sw.get("timeout")
    if timeout is not None and (
        not is_number(timeout) or not 0 < timeout <= MAX_TIMEOUT_S  # NaN and inf fail too
    ):
        c.add(
            "sweep.timeout",
            f"{_short(timeout)} is not allowed; expected seconds in (0, {MAX_TIMEOUT_S:g}]",
        )
        timeout = None
    model_name = sw.get("model", DEFAULT_MODEL)
    model = None
    if not isinstance(model_name, str) or not model_name or len(model_name) > MAX_KEY_CHARS:
        c.add("sweep.model", "expected a module name")
        model_name = DEFAULT_MODEL if not isinstance(model_name, str) else model_name[:40]
    elif model_name not in PROJECT_MODELS and not allow_model_import:
        c.add(
            "sweep.model",
            f"{_short(model_name)} is not one of the project's models "
            f"({', '.join(PROJECT_MODELS)}); a spec naming another module runs its code, "
            "so allow it with --allow-model-import (allow_model_import=True)",
        )
    else:
        try:
            model = load_model(model_name)
        except Exception as exc:  # a plug-in model may fail to import in any way
            c.add("sweep.model", f"cannot import {_short(model_name)}: {_short(str(exc), 200)}")

    design = _design(tables["design"], c)
    fixed, levels, ranges = _parameters(tables["parameters"], design, c)
    _check_size(design, levels, ranges, replications, c)
    mt = tables["metrics"]
    metrics = Metrics(
        final=c.names(mt, "metrics", "final", None),
        regions=c.names(mt, "metrics", "regions", Metrics.regions),
        series=c.names(mt, "metrics", "series", ()),
        region_series=c.names(mt, "metrics", "region_series", ()),
        district_series=c.names(mt, "metrics", "district_series", ()),
    )

    base, scenario_path = None, Path()
    raw_path = sw.get("scenario")
    if raw_path is None:
        c.add("sweep.scenario", "missing; give the base scenario file")
    elif not isinstance(raw_path, str) or not raw_path:
        c.add("sweep.scenario", "expected a path to a scenario file")
    elif (bad_path := _bad_path(raw_path)) is not None:
        c.add("sweep.scenario", bad_path)
    elif model is not None:
        found = find_file(raw_path, here)
        if found is None:
            c.add(
                "sweep.scenario",
                f"{_short(raw_path)[1:-1]}: not found next to the spec or in the project",
            )
        else:
            scenario_path = found
            try:
                base = model.load_scenario(found)
            except ScenarioError as exc:
                for p in exc.problems:
                    c.add("sweep.scenario", str(p))
            except (RecursionError, MemoryError, OSError) as exc:  # a plug-in model's loader
                c.add("sweep.scenario", f"cannot load {_short(raw_path)}: {type(exc).__name__}")
    if base is not None:
        _check_values(base, fixed, levels, ranges, c)
        if steps is not None and model_name == DEFAULT_MODEL:
            try:
                base.with_overrides({"scenario.steps": steps})
            except ScenarioError as exc:
                c.add("sweep.steps", "; ".join(p.message for p in exc.problems))
    if c.problems:
        raise SpecError(c.problems)
    return SweepSpec(
        name=name,
        source=source,
        scenario_path=scenario_path,
        base=base,
        model=model_name,
        steps=steps,
        replications=replications,
        seed=seed,
        timeout=None if timeout is None else float(timeout),
        common_random_numbers=crn,
        design=design,
        fixed=fixed,
        levels=levels,
        ranges=ranges,
        metrics=metrics,
        text=text,
    )


def _design(table: dict[str, Any], c: _Checker) -> Design:
    method = table.get("method", "grid")
    if method not in METHODS:
        c.add("design.method", f"{method!r} is not allowed; expected one of {', '.join(METHODS)}")
        method = "grid"
    samples = c.integer(table, "design", "samples", None, 1)
    levels = c.integer(table, "design", "levels", 4, 2)
    second_order = c.boolean(table, "design", "second_order", False)
    if method == "grid" and "samples" in table:
        c.add("design.samples", "grid designs take their values from each range's num")
    if method in SAMPLED_METHODS and samples is None and "samples" not in table:
        c.add("design.samples", f"missing; {method} designs need a number of samples")
    if method == "sobol" and samples is not None and (samples < 2 or samples & (samples - 1)):
        c.add("design.samples", f"{samples} is not allowed; Sobol designs need a power of 2")
    if method == "morris" and samples is not None and samples < 2:
        c.add("design.samples", "Morris designs need at least 2 trajectories")
    if "levels" in table and method != "morris":
        c.add("design.levels", "only Morris designs take levels")
    if "second_order" in table and method != "sobol":
        c.add("design.second_order", "only Sobol designs take second_order")
    return Design(method, samples, levels, second_order)


def _flatten_parameters(table: dict[str, Any]) -> dict[str, Any]:
    """Accept both quoted dotted keys and nested TOML tables; a table with low/high is a range."""
    return flatten(table, lambda value: not value or {"low", "high"} & set(value))


def _parameters(
    table: dict[str, Any], design: Design, c: _Checker
) -> tuple[tuple[Fixed, ...], tuple[Levels, ...], tuple[Range, ...]]:
    fixed, levels, ranges = [], [], []
    flat = _flatten_parameters(table)
    if len(flat) > MAX_PARAMETERS:
        c.add("parameters", f"{len(flat):,} parameters; at most {MAX_PARAMETERS}")
        return (), (), ()
    for key, value in flat.items():
        field = f"parameters.{key if len(key) <= 80 else key[:77] + '...'}"
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
            c.add(field, f"{_short(value)} is not allowed; expected a value, a list or a range")
    if design.method in SAMPLED_METHODS and not ranges:
        c.add(
            "parameters",
            f"{design.method} designs sample ranges, but none is given; "
            "write one as key = { low = 0.1, high = 0.9 }",
        )
    return tuple(fixed), tuple(levels), tuple(ranges)


def _levels(key: str, values: list[Any], field: str, c: _Checker) -> Levels | None:
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


def _range(
    key: str, table: dict[str, Any], field: str, design: Design, c: _Checker
) -> Range | None:
    extra = set(table) - _RANGE_KEYS
    if extra:
        c.add(field, f"unknown range field {sorted(extra)[0]!r}; allowed: high, low, num")
        return None
    low, high, num = table.get("low"), table.get("high"), table.get("num")
    if not (is_number(low) and is_number(high)):
        c.add(field, "a range needs numbers low and high, e.g. { low = 0.1, high = 0.9 }")
        return None
    assert low is not None and high is not None  # is_number says so
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(high - low)):
        c.add(field, "range bounds must be finite, and so must high - low")
        return None
    if isinstance(low, int) and isinstance(high, int) and max(abs(low), abs(high)) >= 2**62:
        c.add(field, "integer range bounds must lie within +-2**62")
        return None
    if low >= high:
        c.add(field, f"range [{low}, {high}] has low >= high")
        return None
    integer = isinstance(low, int) and isinstance(high, int)
    if design.method == "grid":
        if num is None:
            c.add(field, "grid designs need num, the number of values, e.g. { low, high, num = 5 }")
            return None
        if not isinstance(num, int) or isinstance(num, bool) or not 2 <= num <= MAX_DESIGN_POINTS:
            c.add(
                f"{field}.num",
                f"{_short(num)} is not allowed; expected an integer in [2, {MAX_DESIGN_POINTS:,}]",
            )
            return None
        if integer and num > high - low + 1:
            c.add(f"{field}.num", f"{num} values do not fit in the integers {low}..{high}")
            return None
    elif num is not None:
        c.add(f"{field}.num", f"only grid designs take num; {design.method} designs sample ranges")
        return None
    return Range(key, low, high, integer, num)


def _check_size(
    design: Design,
    levels: tuple[Levels, ...],
    ranges: tuple[Range, ...],
    replications: int,
    c: _Checker,
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


def _short(value: Any, limit: int = 80) -> str:
    """A value for a message, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _bad_path(raw: str) -> str | None:
    try:
        check_path_text(raw)
    except InputError as exc:
        return str(exc)
    return None


def _check_values(
    base: Any,
    fixed: tuple[Fixed, ...],
    levels: tuple[Levels, ...],
    ranges: tuple[Range, ...],
    c: _Checker,
) -> None:
    """Apply each value to the base scenario so its validation names bad keys and values."""
    trials: list[tuple[str, Any]] = [(f.key, f.value) for f in fixed]
    trials += [(lv.key, v) for lv in levels for v in _representatives(lv.values)]
    trials += [(r.key, v) for r in ranges for v in (r.low, r.high)]
    reported: set[str] = set()
    for key, value in trials:
        if key in reported:
            continue
        try:
            base.with_overrides({key: value})
        except ScenarioError as exc:
            reported.add(key)
            for p in exc.problems:
                where = "" if p.field in ("", key) else f"{p.field}: "
                c.add(f"parameters.{key}", f"{where}{p.message}")


def _representatives(values: tuple[Any, ...]) -> list[Any]:
    """The values of a list worth validating: for numbers (ranges are intervals) the least,
    the greatest and the first non-integer; for strings every value (each may be a choice)."""
    if not all(is_number(v) for v in values):
        return list(values)
    picks = [min(values), max(values)]
    picks += [v for v in values if isinstance(v, float) and not v.is_integer()][:1]
    picks += [v for v in values if v != v][:1]  # NaN
    return list(dict.fromkeys(picks))
