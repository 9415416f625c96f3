"""Calibration targets: observed values, and how each maps to a declared model output.

A targets file (``calibration/targets.toml``) has one table per observation::

    [targets.nadc_oversubscription_2025]
    observed = 2.69
    unit = "ratio"
    date = "2025-12"                 # the last month the statistic covers
    statistic = "mean"               # value | mean | annual_rate | cumulative | growth
    start = "2025-01"                # first month (mean, cumulative, growth)
    output = "oversubscription"      # a name declared in abm/outputs.py
    scope = "model"                  # model | region | district
    uncertainty = { relative = 0.15 }    # or { sd = 0.4 }: one standard deviation
    definition = "..."
    source = "..."                   # URL and publication, as in shared/data
    mark = "V"                       # V, S or U, as in shared/data

``region`` (scope region) and ``district`` (scope district) name where; ``denominator``
names the stock an ``annual_rate`` divides by. ``requires = "districts"`` declares a
target whose output the model does not report yet: it is listed in fit.json and the
report with that note and left out of the fit, never silently. ``use = false`` keeps a
target for comparison only (e.g. one side of a conflict between sources); ``universe``
(with ``use = false``) says the observation counts another population than the model's
(e.g. ``universe = "AI firms"`` beside the model's SW establishments): the predictive check
shows it in a short section of its own, not in the table of targets the model speaks to.

Statistics, on the monthly series of one run (step ``s`` is the month ``start + s - 1``):

* ``value``: the output in the month ``date``;
* ``mean``: its mean over ``start`` .. ``date`` (default: the 12 months to ``date``);
* ``annual_rate``: the flow summed over the 12 months to ``date``, divided by the mean
  of ``denominator`` over those months (e.g. entries / firms = a birth rate);
* ``cumulative``: the flow summed over ``start`` .. ``date``;
* ``growth``: the annual growth rate from ``start`` to ``date``,
  ``(v(date) / v(start)) ** (12 / months) - 1``;
* ``location_logit``: an elasticity of the auxiliary location-choice model fitted to the
  run's outside entrants over ``start`` .. ``date`` (``covariate`` names which;
  :mod:`abm.calibrate.auxiliary`): indirect inference on the location weights;
* ``band_exit``: how far the output leaves ``band = [low, high]`` over ``start`` .. ``date``
  (its largest distance outside, 0 inside): a constraint, observed 0.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from abm import inputs, outputs
from abm.calibrate import auxiliary
from abm.dates import add_months, months_between
from abm.errors import ScenarioError
from abm.inputs import Month, Name, param
from abm.specutil import Checker, read_spec

MARKS = ("V", "S", "U", "derived", "synthetic")
_ID = re.compile(r"^[a-z0-9_]+$")
_month = inputs.parse_month


@dataclass(frozen=True)
class Kind:
    """What a scope or a statistic asks of a target's other fields: the field it ``needs``
    (written as ``example``), and whether it reads a ``window`` from ``start`` to ``date``."""

    needs: str = ""
    example: str = ""
    window: bool = False


# One declaration per kind of target (its scope, its statistic): _rules applies them.
BY_SCOPE = {
    "model": Kind(),
    "region": Kind("region", '"<region id>"'),
    "district": Kind("district", '"<district id>"'),
}
BY_STATISTIC = {
    "value": Kind(),
    "mean": Kind(window=True),
    "annual_rate": Kind("denominator", '"<stock output>", e.g. firms'),
    "cumulative": Kind(window=True),
    "growth": Kind("start", '"YYYY-MM"', window=True),
    # indirect inference on the location weights (abm/calibrate/auxiliary.py)
    "location_logit": Kind("covariate", f"one of {sorted(auxiliary.COVARIATES)}", window=True),
    # a constraint: how far the output leaves the band (0 inside), observed 0
    "band_exit": Kind("band", "[low, high]", window=True),
}


STATISTICS = tuple(BY_STATISTIC)
SCOPES = tuple(BY_SCOPE)
FINITE = 1e300  # an observation and its uncertainty are finite numbers


class TargetsError(ScenarioError):
    """A targets file that does not validate (one Problem per field at fault)."""


@dataclass(frozen=True)
class Uncertainty:
    """``uncertainty = { sd = x }`` or ``{ relative = r }``: one standard deviation."""

    sd: float | None = param(None, "Absolute", lo=0, above=True, hi=FINITE)
    relative: float | None = param(
        None, "A share of the observed value", lo=0, above=True, hi=FINITE
    )
    why: str = param("", "Where it comes from")


@dataclass(frozen=True)
class TargetTable:
    """``[targets.ID]``: one observation as the file writes it (see the module's doc)."""

    observed: float = param(doc="The observed value", lo=-FINITE, hi=FINITE)
    unit: str = param(doc="Its unit")
    date: Month = param(doc="The last month the statistic covers")
    output: str = param(doc="A name declared in abm/outputs.py")
    scope: str = param(doc="Where", choices=SCOPES)
    uncertainty: Uncertainty = param(doc="{ sd = x } or { relative = r }, with an optional why")
    definition: str = param(doc="What is counted")
    source: str = param(doc="URL and publication")
    statistic: str = param("value", "How the runs' series are summarised", choices=STATISTICS)
    start: Month | None = param(None, "First month (mean, cumulative, growth)")
    region: str | None = param(None, "Region id (scope region)")
    district: str | None = param(None, "District id (scope district)")
    denominator: str | None = param(None, "The stock an annual_rate divides by")
    mark: str | None = param(None, "V, S or U, as in the sourced data", choices=MARKS)
    requires: Name | None = param(None, "What the model must add before it is fitted")
    use: bool = param(True, "Fitted (false: compared only)")
    note: str = param("", "A note")
    conflicts_with: str | None = param(None, "The id of a target it conflicts with")
    universe: Any = param(None, "Another population than the model's (compared only)")
    covariate: str | None = param(None, "location_logit: the elasticity (auxiliary.COVARIATES)")
    band: Any = param(None, "band_exit: [low, high], the band the output must stay in")


@dataclass(frozen=True)
class Target:
    """One observation and the model statistic it is compared with."""

    id: str
    observed: float
    sd: float  # one standard deviation of the observation, absolute
    unit: str
    date: str
    statistic: str
    output: str
    scope: str
    definition: str
    source: str
    start: str | None = None
    region: str | None = None
    district: str | None = None
    denominator: str | None = None
    mark: str = ""
    requires: str | None = None
    use: bool = True
    note: str = ""
    uncertainty_note: str = ""
    conflicts_with: str | None = None
    universe: str | None = None  # another population than the model's: compared only
    covariate: str | None = None  # location_logit: which elasticity
    band: tuple[float, float] | None = None  # band_exit: the band the output must stay in

    @property
    def column(self) -> str:
        """The sweep series column of the output (``name`` or ``name.region``)."""
        return self._col(self.output)

    def _col(self, name: str) -> str:
        if self.scope == "region":
            return f"{name}.{self.region}"
        return f"{name}.{self.district}" if self.scope == "district" else name

    def columns(self) -> list[str]:
        cols = [self.column]
        if self.denominator:
            cols.append(self._col(self.denominator))
        return cols

    @property
    def region_outputs(self) -> tuple[str, ...]:
        """Outputs the statistic reads at every region (the auxiliary model's panel)."""
        return auxiliary.REGION_OUTPUTS if self.statistic == "location_logit" else ()

    @property
    def where(self) -> str:
        return {"model": "all regions", "region": f"region {self.region}"}.get(
            self.scope, f"district {self.district}"
        )

    def window(self) -> tuple[dt.date, dt.date]:
        """First and last month the statistic reads."""
        end = _month(self.date)
        if self.statistic == "value":
            return end, end
        if self.statistic == "annual_rate" or self.start is None:
            return add_months(end, -11), end
        return _month(self.start), end

    def unavailable(
        self, start: dt.date, steps: int, regions: list[str], districts: list[str] | None = None
    ) -> str | None:
        """Why this target cannot be compared with a run of this scenario (None if it can)."""
        if self.requires:
            return (
                f"requires {self.requires}: the model does not report {self.output} "
                f"for {self.where} yet"
            )
        need = BY_SCOPE[self.scope].needs  # the region or district it is of
        if (
            need
            and getattr(self, need) not in {"region": regions, "district": districts or []}[need]
        ):
            return f"{need} {getattr(self, need)!r} is not in the scenario"
        first, last = self.window()
        lo, hi = add_months(start, 0), add_months(start, steps - 1)
        if self.statistic == "growth":
            first = add_months(first, -1) if first > lo else first
        if first < lo or last > hi:
            return (
                f"outside the simulated period ({lo:%Y-%m} to {hi:%Y-%m}): "
                f"needs {first:%Y-%m} to {last:%Y-%m}"
            )
        return None

    def compute(self, steps: np.ndarray, series: Mapping[str, np.ndarray], start: dt.date) -> float:
        """The statistic of one run, from its per-step series (step s = month start+s-1)."""
        first, last = self.window()
        i0 = months_between(start, first) + 1
        i1 = months_between(start, last) + 1
        index = {int(s): k for k, s in enumerate(steps)}
        if i0 not in index or i1 not in index:
            return math.nan
        a, b = index[i0], index[i1]
        if self.statistic == "location_logit":
            assert self.covariate is not None
            # the whole auxiliary model, fitted jointly; the target reads one elasticity
            return auxiliary.estimate(steps, series, start, first, last)[self.covariate]
        v = np.asarray(series[self.column], dtype=float)
        if self.statistic == "band_exit":
            assert self.band is not None
            lo, hi = self.band
            part = v[a : b + 1]
            return float(np.max(np.maximum(np.maximum(lo - part, part - hi), 0.0)))
        if self.statistic == "value":
            return float(v[b])
        if self.statistic == "mean":
            return float(np.mean(v[a : b + 1]))
        if self.statistic == "cumulative":
            return float(np.sum(v[a : b + 1]))
        if self.statistic == "annual_rate":
            assert self.denominator is not None
            d = np.asarray(series[self._col(self.denominator)], dtype=float)
            stock = float(np.mean(d[a : b + 1]))
            return float(np.sum(v[a : b + 1]) / stock) if stock > 0 else math.nan
        # growth: from the month before `start`'s row when it exists
        base = index.get(i0 - 1, a)
        months = b - base
        if months <= 0 or not v[base] > 0:
            return math.nan
        return float((v[b] / v[base]) ** (12.0 / months) - 1.0)


@dataclass(frozen=True)
class TargetSet:
    """The targets of one file, in file order."""

    source: str
    targets: tuple[Target, ...]
    description: str = ""

    def __iter__(self):
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def get(self, target_id: str) -> Target:
        for t in self.targets:
            if t.id == target_id:
                return t
        raise KeyError(target_id)

    def split(
        self, start: dt.date, steps: int, regions: list[str], districts: list[str] | None = None
    ) -> tuple[list[Target], dict[str, str]]:
        """(targets the fit uses, {target id: why it is left out}) for this scenario."""
        used, skipped = [], {}
        for t in self.targets:
            why = t.unavailable(start, steps, regions, districts)
            if why is None and not t.use:
                why = "use = false: kept for comparison, not fitted" + (
                    f" ({t.note})" if t.note else ""
                )
            if why is None:
                used.append(t)
            else:
                skipped[t.id] = why
        return used, skipped

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (for the calibration's resolved spec and its digest)."""
        return {
            "source": self.source,
            "description": self.description,
            "targets": {t.id: _record(t) for t in self},
        }


def _record(t: Target) -> dict[str, Any]:
    """A target's fields; ``universe`` only where set (records of specs without it stay as
    they were)."""
    optional = ("universe", "covariate", "band")
    return {k: v for k, v in t.__dict__.items() if k != "id" and not (k in optional and v is None)}


def load_targets(path: str | Path | Mapping[str, Any], source: str | None = None) -> TargetSet:
    """Read and check a targets file (or a dict with its tables)."""
    if isinstance(path, Mapping):
        return _build(dict(path), source or "<targets>")
    path = Path(path)
    data, _ = read_spec(path, "targets file", TargetsError, "targets")
    return _build(data, source or str(path))


def _build(data: dict[str, Any], source: str) -> TargetSet:
    c = Checker(source)
    sections = c.declared(data, {"meta": None, "targets": None})
    table = sections["targets"]
    if not table and not c.problems_in("targets"):
        c.add("targets", "expected tables [targets.ID], one per observation")
    built = []
    for tid, raw in table.items():
        if not _ID.match(tid):
            c.add(f"targets.{tid}", "target ids are lower-case letters, digits and _")
            continue
        target = _target(tid, raw, f"targets.{tid}", c)
        built += [target] if target is not None else []
    ids = {t.id for t in built}
    for t in built:
        if t.conflicts_with and t.conflicts_with not in ids:
            c.add(f"targets.{t.id}.conflicts_with", f"no target {t.conflicts_with!r} in the file")
    if c.problems:
        raise TargetsError(c.problems)
    return TargetSet(source, tuple(built), sections["meta"].get("description", ""))


def _named(universe: Any) -> bool:
    return isinstance(universe, str) and bool(universe.strip())


def _rules(t: TargetTable) -> Iterator[tuple[str, str]]:
    """(field, what is allowed) for each rule between fields ``t`` breaks."""
    for what, kind in (("scope", BY_SCOPE[t.scope]), ("statistic", BY_STATISTIC[t.statistic])):
        if kind.needs and getattr(t, kind.needs) is None:
            yield kind.needs, f"{what} {getattr(t, what)} needs {kind.needs} = {kind.example}"
    window = BY_STATISTIC[t.statistic].window
    if window and t.start is not None and _month(t.start) > _month(t.date):
        yield "start", "must not be after date"
    if not (t.universe is None or _named(t.universe)):
        yield "universe", 'expected the population it counts, e.g. "AI firms"'
    elif _named(t.universe) and t.use:
        yield "universe", "a target of another universe is compared only: set use = false"
    if t.statistic == "location_logit" and t.covariate not in (None, *auxiliary.COVARIATES):
        yield "covariate", f"expected one of {sorted(auxiliary.COVARIATES)}"
    if t.statistic == "band_exit" and t.band is not None and _band(t.band) is None:
        yield "band", "expected [low, high], two numbers with low < high"
    u = t.uncertainty
    if (u.sd is None) == (u.relative is None):
        yield "uncertainty", "give exactly one of sd (absolute) or relative (share of observed)"
    elif u.relative is not None and t.observed == 0:
        yield "uncertainty.relative", "a relative uncertainty needs a non-zero observed value"


def _target(tid: str, raw: Any, f: str, c: Checker) -> Target | None:
    t, problems = inputs.structure(raw, TargetTable, c.source, f, spec=True)
    c.problems += problems
    if t is None:
        return None
    n = len(c.problems)
    for key, why in _rules(t):
        c.add(f"{f}.{key}", why)
    # the output must be declared, unless the target says what the model must add first
    declared = {o.name for o in outputs.metrics(t.scope)} if not t.requires else None
    for key in ("output", "denominator"):
        name = getattr(t, key)
        if not (declared is None or name is None or name in declared):
            c.add(
                f"{f}.{key}",
                f"{name!r} is not a {t.scope} output declared in abm/outputs.py; "
                'declare it there, or add requires = "..."',
            )
    if len(c.problems) > n:
        return None
    u = t.uncertainty
    sd = u.sd if u.sd is not None else (u.relative or 0.0) * abs(t.observed)
    copied = {k: v for k, v in vars(t).items() if k not in ("uncertainty", "mark", "band")}
    return Target(
        id=tid, sd=sd, uncertainty_note=u.why, mark=t.mark or "", band=_band(t.band), **copied
    )


def _band(value: Any) -> tuple[float, float] | None:
    """``[low, high]`` as a pair of floats, or None when it is not two numbers low < high."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        return None
    lo, hi = float(value[0]), float(value[1])
    return (lo, hi) if math.isfinite(lo) and math.isfinite(hi) and lo < hi else None
