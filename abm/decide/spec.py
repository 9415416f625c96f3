"""Decision specs: read a TOML file (or a dict), check every field, build the futures.

A decision spec names the *options* (scenario files, or ``set`` overrides of a base),
the *objectives* (declared outputs with a direction, a horizon and an optional
satisficing threshold), the *uncertainty* (draws from a calibration posterior and
Latin-hypercube samples of deep-uncertainty ranges) and the *seeds*. Every option runs on
every future (draw x seed): common random numbers, so options are compared on the same
futures. Validation collects every problem and names the file and the field, because a
decision that dies an hour in on a typo wastes the hour. See docs/decisions.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd

from abm import inputs
from abm.calibrate.posterior import SHIPPED
from abm.dates import add_months, months_between
from abm.decide.futures import WEIGHT, plain
from abm.decide.futures import draws as _draws
from abm.decide.model import DRAW_KEY, OPTION_KEY, DecisionScenario
from abm.decide.objectives import (
    ADDITIVE_KINDS,
    ADDITIVE_SHARES,
    AGGREGATES,
    DERIVED,
    DIRECTIONS,
    Objective,
    Term,
)
from abm.decide.population import FIRMS, one_agent_per_firm
from abm.decide.sequential import DEFAULT_WIDTH, StopRule
from abm.errors import ScenarioError
from abm.inputs import Name, Path_, Pattern, is_number, param, parse_month
from abm.scenario import origin_of
from abm.specutil import DEFAULT_MODEL, Checker, flatten, load_spec_data
from abm.sweep.spec import Range  # a deep-uncertainty range: sampled by a Latin hypercube

POSTERIOR_FILE = "posterior.parquet"
DEFAULT_DRAWS = 32

# the names a spec gives: of the decision and its options, and of the objectives and the
# groups of regions (columns of the results)
_OPTION_FORM = Pattern(r"[A-Za-z0-9][A-Za-z0-9_.-]*", "a name of letters, digits, _, . or -")
_COLUMN_FORM = Pattern(r"[A-Za-z][A-Za-z0-9_]*", "a name of letters, digits and _ (a letter first)")
OptionName = Annotated[str, _OPTION_FORM]
ColumnName = Annotated[str, _COLUMN_FORM]
_RESERVED = {
    OPTION_KEY,
    DRAW_KEY,
    "step",
    "run_id",
    "setting",
    "sample",
    "replication",
    "seed",
    "status",
    "error",
    "elapsed_s",
    "traceback",
}


# The sections of a decision spec, declared (abm/inputs.py checks each field; the rules
# between fields are in _Builder). A new field is one line here.
@dataclass(frozen=True)
class DecisionTable:
    horizon: Any = param(None, 'The last month of the runs ("YYYY-MM") or a step number')
    scenario: Path_ | None = param(None, "The base scenario the options' `set` changes")
    name: OptionName | None = param(None, "Name (default: the spec file's)")
    reference: str | None = param(None, "The option the others are compared with")
    set: Any = param({}, "Overrides every option gets")
    model: Name = param(DEFAULT_MODEL, "The model's module")
    timeout: float | None = param(None, "Seconds per run", lo=0, above=True)


@dataclass(frozen=True)
class OptionTable:
    name: OptionName | None = param(None, "Name")
    scenario: Path_ | None = param(None, "Its scenario file (default: decision.scenario)")
    set: Any = param({}, "Overrides of its scenario")
    description: str = param("", "One line")


@dataclass(frozen=True)
class TermTable:
    """What an objective, or the term it is divided by (``per``), reads of an output."""

    output: str | None = param(None, "A declared output")
    regions: Any = param(None, '"noncapital", "all" or a list of region ids')
    at: Any = param(None, "Month or step it is read at (default: the horizon)")
    aggregate: str = param("value", "value, change or cumulative", choices=AGGREGATES)
    start: Any = param(None, "First month a change or sum counts")


@dataclass(frozen=True)
class ObjectiveTable(TermTable):
    direction: str | None = param(None, "max or min", choices=DIRECTIONS)
    name: ColumnName | None = param(None, "Name (a column of the results)")
    label: str | None = param(None, "Label (default: the output's)")
    per: TermTable | None = param(None, "A second term it is divided by")
    threshold: float | None = param(None, "Satisficing threshold")
    mde: float | None = param(
        None, "The smallest difference that matters (its units)", lo=0, above=True
    )


@dataclass(frozen=True)
class UncertaintyTable:
    posterior: Path_ | None = param(None, "A calibration's results folder")
    draws: int | None = param(None, "Futures' parameter sets", lo=1)
    ranges: Any = param({}, "Deep-uncertainty ranges [low, high]")


@dataclass(frozen=True)
class SeedsTable:
    count: int = param(1, "Seeds per parameter set", lo=1)
    seed: int = param(0, "Root seed", lo=0)


@dataclass(frozen=True)
class DiscoveryTable:
    leaders: int = param(3, "Options PRIM looks at", lo=2)
    density: float = param(0.8, "PRIM's density threshold", lo=0, above=True, hi=1)


@dataclass(frozen=True)
class SequentialTable:
    width: float = param(
        DEFAULT_WIDTH, "Half-width of the leader's P(best) interval", lo=0, above=True, hi=0.5
    )
    max_runs: int | None = param(None, "Budget: runs (at least one batch)", lo=1)
    max_minutes: float | None = param(None, "Budget: minutes", lo=0, above=True)


SECTIONS = {
    "decision": DecisionTable,
    "options": [OptionTable],
    "objectives": [ObjectiveTable],
    "uncertainty": UncertaintyTable,
    "seeds": SeedsTable,
    "discovery": DiscoveryTable,
    "sequential": SequentialTable,  # batches until the answer is known (abm.decide.sequential)
    "regions": None,  # names for sets of regions: name -> [region ids]
}


class DecisionError(ScenarioError):
    """A decision spec that does not validate; carries every problem found (exit 2)."""


@dataclass(frozen=True)
class DecisionSpec:
    """A validated decision: everything that determines its results."""

    name: str
    source: str
    text: str | None
    model: str
    options: tuple[str, ...]
    descriptions: tuple[str, ...]
    reference: str | None
    horizon: str
    steps: int
    objectives: tuple[Objective, ...]
    posterior: str | None  # the posterior folder, as resolved
    posterior_rows: int
    ranges: tuple[Range, ...]
    draws: tuple[dict[str, Any], ...]
    seeds: int
    seed: int
    timeout: float | None
    leaders: int
    density: float
    scenario: DecisionScenario
    # the sequential design (None: one batch of `draws`), objectives' minimum detectable
    # effects, and the posterior rows later batches draw from
    sequential: StopRule | None = None
    mde: Mapping[str, float] = dataclasses.field(default_factory=dict)
    posterior_frame: pd.DataFrame | None = None

    @property
    def uncertain(self) -> tuple[str, ...]:
        """The parameters that vary between futures, in column order."""
        keys: list[str] = []
        for draw in self.draws:
            keys += [k for k in draw if k not in keys]
        return tuple(keys)

    @property
    def n_futures(self) -> int:
        return len(self.draws) * self.seeds

    def futures(self, seeds: list[int] | None = None) -> pd.DataFrame:
        """One row per future: ``future = draw * seeds + replication``, its parameters."""
        rows = []
        for d, draw in enumerate(self.draws):
            for r in range(self.seeds):
                row = {"future": d * self.seeds + r, "draw": d, "replication": r}
                if seeds is not None:
                    row["seed"] = seeds[r]
                rows.append(row | {k: draw.get(k) for k in self.uncertain})
        return pd.DataFrame(rows)

    def uncertainty_note(self) -> str:
        """How the futures' parameters were chosen, in one sentence (for reports)."""
        parts = []
        if self.posterior:
            which = "the shipped " if Path(self.posterior).resolve() == SHIPPED else "the "
            parts.append(
                f"{len(self.draws)} weighted draws from {which}calibration posterior "
                f"{origin_of(self.posterior)} ({self.posterior_rows} rows)"
            )
        if self.ranges:
            what = "combined with " if parts else f"{len(self.draws)} "
            parts.append(
                f"{what}Latin-hypercube samples of {len(self.ranges)} deep-uncertainty range"
                f"{'s' if len(self.ranges) > 1 else ''}"
            )
        if not parts:
            return (
                "no posterior and no ranges: parameters at the scenario's values; "
                "futures differ only by their random seed"
            )
        return " ".join(parts) + f", times {self.seeds} seed{'s' if self.seeds > 1 else ''}"


def load_decision(
    spec: str | Path | Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    *,
    allow_model_import: bool = False,
) -> DecisionSpec:
    """Read and validate a decision from a TOML file or a dict (dict paths: the cwd).

    ``overrides`` replace spec fields by dotted name before validation, e.g.
    ``{"uncertainty.draws": 4, "seeds.count": 1}`` for a small live run in the app; a
    section name with None drops the section (``{"sequential": None}``: one batch).
    ``allow_model_import`` lets ``decision.model`` name a module outside the project:
    that module is imported, so a spec naming one is code (as for ``abm sweep``).
    """
    data, source, here, text = load_spec_data(
        spec, "decision spec", DecisionError, "the decision spec"
    )
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        if not key and value is None:  # {"sequential": None}: without that section
            data.pop(section, None)
            continue
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            continue
        if isinstance(value, Mapping) and isinstance(table.get(key), dict):
            table[key] = {**table[key], **value}  # e.g. decision.set: add to the spec's
        else:
            table[key] = value
    return _Builder(source, here).build(data, text, allow_model_import)


class _Builder(Checker):
    """Builds a DecisionSpec, collecting every problem so that one pass reports all."""

    def __init__(self, source: str, here: Path):
        super().__init__(source, here)
        self.groups: dict[tuple[str, ...], str] = {}  # region groups named in the spec
        self.named: dict[str, tuple[str, ...]] = {}  # [regions] name -> its region ids
        self.mde: dict[str, float] = {}  # objectives' minimum detectable effects
        # the first option's scenario, and whether it is the project's model (with months
        # and regions); `calendar` is that scenario when both hold, else None
        self.first: Any = None
        self.real = True
        self.calendar: Any = None

    # ------------------------------------------------------------------ the whole spec
    def build(self, data: dict[str, Any], text: str | None, allow: bool) -> DecisionSpec:
        raw_unc = data.get("uncertainty")
        given = dict(raw_unc) if isinstance(raw_unc, dict) else {}  # as written, refused or not
        if given.get("posterior") == "":  # posterior = "" asks for the point run
            data = {**data, "uncertainty": {k: v for k, v in given.items() if k != "posterior"}}
        t = self.declared(data, SECTIONS)
        dec: DecisionTable = t["decision"]
        name = self.name(dec.name, "decision")
        if not re.fullmatch(_OPTION_FORM.regex, name):  # the file's name; a given one is checked
            if not self.problems_in("decision.name"):
                self.add("decision.name", f"missing, and the file's is not {_OPTION_FORM.what}")
            name = "decision"
        api = self.model("decision.model", dec.model, allow)
        common = self._set(dec.set, "decision.set")
        base = self._scenario(api, dec.scenario, "decision.scenario")
        if base is not None and common:
            base = self.apply(base, common, "decision.set")
        options = self._options(api, t["options"], base, common)
        model_name = dec.model
        self.first, self.real = (options[0][1] if options else None), model_name == DEFAULT_MODEL
        self.calendar = self.first if self.real else None
        self._named_regions(t["regions"])
        steps, horizon = self._horizon(dec.horizon, options)
        objectives = self._objectives(t["objectives"], steps)
        names = [n for n, _, _ in options]
        reference = self._reference(dec.reference, names, api is not None)
        unc: UncertaintyTable = t["uncertainty"]
        seeds: SeedsTable = t["seeds"]
        disc: DiscoveryTable = t["discovery"]
        ranges = self._ranges(unc.ranges)
        posterior, frame = self._posterior_of(unc, "posterior" in given, ranges)
        written = given.get("posterior", "") != "" or bool(given.get("ranges"))
        draws_n = self._draws(unc.draws, posterior is not None or written)
        self._check_uncertain(options, frame, ranges)
        batch_runs = len(options) * draws_n * seeds.count
        sequential = self._sequential("sequential" in data, t["sequential"], batch_runs)
        if self.problems:
            raise DecisionError(self.problems)
        draws = _draws(frame, ranges, draws_n, seeds.seed)
        scenario = DecisionScenario(
            name=name,
            model=model_name,
            options=tuple((n, s) for n, s, _ in options),
            draws=draws,
            objectives=objectives,
            source=self.source,
        )
        return DecisionSpec(
            name=name,
            source=self.source,
            text=text,
            model=model_name,
            options=tuple(names),
            descriptions=tuple(d for _, _, d in options),
            reference=reference,
            horizon=horizon,
            steps=steps,
            objectives=objectives,
            posterior=posterior,
            posterior_rows=0 if frame is None else len(frame),
            ranges=ranges,
            draws=draws,
            seeds=seeds.count,
            seed=seeds.seed,
            timeout=dec.timeout,
            leaders=disc.leaders,
            density=disc.density,
            scenario=scenario,
            sequential=sequential,
            mde=dict(self.mde),
            posterior_frame=frame,
        )

    def _reference(self, reference: str | None, names: list[str], known: bool) -> str | None:
        """The option the others are compared with: one of ``names`` (when ``known``)."""
        if reference is not None and known and reference not in names:
            options = ", ".join(names) or "(none)"
            self.add("decision.reference", f"{reference!r} is not an option; options: {options}")
            return None
        return reference

    # ------------------------------------------------------------------ options
    def _set(self, value: Any, field: str) -> dict[str, Any]:
        return self.overrides(value, field, "set by the decision (seeds.seed, decision.horizon)")

    def _scenario(self, api: Any, raw: str | None, field: str) -> Any:
        found = self.file(field, raw, Path.is_file)
        return None if api is None else self.scenario(field, found, api.load_scenario)

    def _unique(
        self, items: list[Any], section: str, form: Pattern, reserved: Iterable[str] = ()
    ) -> Iterator[tuple[str, Any, str]]:
        """(field, item, name) of each ``[[section]]`` item with a name, the first of each;
        a missing, ``reserved`` or repeated name is refused."""
        seen: dict[str, str] = {}  # name -> the field of the item that has it
        for i, item in enumerate(items):
            field, name = f"{section}[{i}]", getattr(item, "name", None)
            if item is None or self.problems_in(f"{field}.name"):
                continue
            if name is None or name in reserved:
                why = "missing" if name is None else f"{name!r} is reserved (a column)"
                self.add(f"{field}.name", f"{why}; give {form.what}")
            elif name in seen:
                self.add(f"{field}.name", f"{name!r} is the name of {seen[name]} already")
            else:
                seen[name] = field
                yield field, item, name

    def _options(
        self, api: Any, items: list[OptionTable | None], base: Any, common: dict[str, Any]
    ) -> list[tuple[str, Any, str]]:
        if len(items) < 2:
            self.add("options", "a decision needs at least two [[options]] to compare")
        out: list[tuple[str, Any, str]] = []
        for field, item, name in self._unique(items, "options", _OPTION_FORM):
            scenario = self._option(api, item, field, base, common)
            if scenario is not None:
                out.append((name, scenario, item.description))
        return out

    def _option(
        self, api: Any, item: OptionTable, field: str, base: Any, common: dict[str, Any]
    ) -> Any:
        """An option's scenario: its file (with decision.set) or the base, and its set."""
        overrides = self._set(item.set, f"{field}.set")
        if item.scenario is not None:
            scenario = self._scenario(api, item.scenario, f"{field}.scenario")
            if scenario is not None and common:
                scenario = self.apply(scenario, common, "decision.set")
        elif base is not None:
            scenario = base
        else:
            if api is not None and not self.problems_in(f"{field}.scenario"):
                self.add(
                    f"{field}.scenario",
                    "missing; give a scenario file, or set "
                    "decision.scenario to the base that `set` overrides",
                )
            return None
        if scenario is not None and overrides:
            scenario = self.apply(scenario, overrides, f"{field}.set")
        if scenario is not None and FIRMS not in common and FIRMS not in overrides:
            scenario = one_agent_per_firm(scenario)  # the default (abm.decide.population)
        return scenario

    def _horizon(self, raw: Any, options: list[tuple[str, Any, str]]) -> tuple[int, str]:
        if raw is None:
            self.add("decision.horizon", 'missing; give the last month, e.g. "2035-12"')
            return 1, ""
        if self.calendar is not None:
            starts = {s.scenario.start for _, s, _ in options}
            if len(starts) > 1:
                self.add(
                    "options",
                    f"options start in different months ({', '.join(sorted(starts))})"
                    "; the futures must be the same",
                )
        step = self._step(raw, "decision.horizon", None)
        if step is not None and self.calendar is not None:
            # the scenario's own bound on the run length
            self.override(self.calendar, "scenario.steps", step, "decision.horizon", f"{raw!r}: ")
        return (step or 1), str(raw)

    def _step(self, raw: Any, field: str, limit: int | None) -> int | None:
        """A month "YYYY-MM" (the project's model) or a step number, as a step."""
        if isinstance(raw, int) and not isinstance(raw, bool):
            step = raw
        elif isinstance(raw, str) and inputs.MONTH_PATTERN.match(raw) and self.real:
            if self.calendar is None:
                return None
            try:
                step = months_between(self.calendar.start, parse_month(raw)) + 1
            except ValueError:
                self.add(field, f'{raw!r} is not allowed; expected a month "YYYY-MM"')
                return None
        else:
            allowed = (
                'a month "YYYY-MM" or a step number'
                if self.real
                else "a step number (this model has no calendar)"
            )
            self.add(field, f"{raw!r} is not allowed; expected {allowed}")
            return None
        if step < 1:
            calendar = self.calendar
            start = "" if calendar is None else f" (the runs start in {calendar.scenario.start})"
            self.add(field, f"{raw!r} is before the first month{start}")
            return None
        if limit is not None and step > limit:
            self.add(field, f"{raw!r} is after decision.horizon")
            return None
        return step

    # ------------------------------------------------------------------ objectives
    def _objectives(self, items: list[ObjectiveTable | None], steps: int) -> tuple[Objective, ...]:
        if not items:
            self.add("objectives", "a decision needs at least one [[objectives]] table")
        out: list[Objective] = []
        for field, declared, _ in self._unique(items, "objectives", _COLUMN_FORM, _RESERVED):
            objective = self._objective(declared, field, steps)
            if objective is not None:
                out.append(objective)
        return tuple(out)

    def _objective(self, declared: ObjectiveTable, field: str, steps: int) -> Objective | None:
        """One objective: its terms read at its month (default: the horizon), its label."""
        if declared.direction is None:  # (a refused direction is reported already)
            if not self.problems_in(f"{field}.direction"):
                self.add(f"{field}.direction", "missing; expected max or min")
            return None
        when = self._when(declared, field, (steps, 0), steps)
        if when is None:
            return None
        at, since = when
        term = self._term(declared, field, at, since)
        per = None
        if declared.per is not None:
            per_field = f"{field}.per"  # read at its objective's month and start by default
            per_when = self._when(declared.per, per_field, when, steps)
            if per_when is not None:
                per = self._term(declared.per, per_field, *per_when)
            if per is None:
                return None
        if term is None:
            return None
        label, unit = self._label(term, per)
        if declared.mde is not None:
            self.mde[declared.name or ""] = declared.mde
        at_label = str(declared.at) if declared.at is not None else self._horizon_label(at)
        return Objective(
            declared.name or "",
            declared.label or label,
            unit,
            term,
            per,
            declared.direction,
            declared.threshold,
            at_label,
        )

    def _when(
        self,
        table: TermTable,
        field: str,
        default: tuple[int, int],
        steps: int,
    ) -> tuple[int, int] | None:
        """(the step a term is read at, the step before the first month it counts: 0 = the
        run's start): its own ``at`` and ``start``, else ``default``. Measuring from the
        decision month keeps history out of a future's cost."""
        at, since = default
        if table.at is not None:
            step = self._step(table.at, f"{field}.at", steps)
            if step is None:
                return None
            at = step
        if table.start is not None:
            limit = None if self.problems_in("decision.horizon") else at
            step = self._step(table.start, f"{field}.start", limit)
            if step is None:
                return None
            since = step - 1
        return at, since

    def _horizon_label(self, step: int) -> str:
        if self.calendar is not None:
            return f"{add_months(self.calendar.start, step - 1):%Y-%m}"
        return str(step)

    def _term(self, table: TermTable, field: str, at: int, since: int = 0) -> Term | None:
        from abm import outputs

        output, aggregate = table.output, table.aggregate
        if not output:
            self.add(f"{field}.output", "missing; name an output declared in abm/outputs.py")
            return None
        regions: tuple[str, ...] | None = None
        if table.regions is not None:
            regions = self._regions(table.regions, f"{field}.regions")
            if regions is None:
                return None
        if not self.real:
            return Term(output, regions, at, aggregate, since)
        scope = outputs.REGION if regions is not None else outputs.MODEL
        declared = {o.name: o for o in outputs.metrics(scope)}
        if scope == outputs.MODEL and output in DERIVED:
            return Term(output, regions, at, aggregate, since)
        if output not in declared:
            known = list(declared) + (list(DERIVED) if scope == outputs.MODEL else [])
            what = "region" if regions is not None else "model"
            hint = "" if regions is not None else " (region outputs need regions = [...])"
            self.add(
                f"{field}.output",
                f"{output!r} is not a declared {what} output{hint}; allowed: {', '.join(known)}",
            )
            return None
        o = declared[output]
        if (
            regions is not None
            and len(regions) > 1
            and not (o.kind in ADDITIVE_KINDS or output in ADDITIVE_SHARES)
        ):
            self.add(
                f"{field}.regions",
                f"{output!r} ({o.kind}) does not add up over regions; name one region",
            )
            return None
        return Term(output, regions, at, aggregate, since)

    def _regions(self, raw: Any, field: str) -> tuple[str, ...] | None:
        """The regions an objective reads: a group's name, "noncapital", "all", or ids."""
        calendar = self.calendar
        known = None if calendar is None else list(calendar.region_ids)
        if isinstance(raw, str) and raw in self.named:
            return self.named[raw]
        if raw in ("noncapital", "all"):
            if known is None:
                self.add(field, f"{raw!r} needs the project's model; list the regions")
                return None
            if raw == "all":
                return tuple(known)
            group = tuple(r for r in known if not calendar.regions[r].capital)
            self.groups[group] = "non-capital"
            return group
        return self._listed([raw] if isinstance(raw, str) else raw, field, known)

    def _listed(self, raw: Any, field: str, known: list[str] | None) -> tuple[str, ...] | None:
        """A list of region ids, each one of ``known`` (None: any), none twice."""
        if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
            named = "".join(f', "{n}"' for n in self.named)
            self.add(
                field,
                f'expected "noncapital" (every region outside the capital region), "all"'
                f"{named}, or a list of region ids",
            )
            return None
        bad = [r for r in raw if known is not None and r not in known]
        if bad:
            self.add(field, f"{bad[0]!r} is not a region; regions: {', '.join(known or ())}")
            return None
        if len(set(raw)) != len(raw):
            self.add(field, "a region is listed twice")
            return None
        return tuple(raw)

    def _named_regions(self, table: dict[str, Any]) -> None:
        """``[regions]``: names for sets of regions (``candidates = ["daegu", ...]``), so an
        objective reads ``regions = "candidates"`` and its label says "candidates"."""
        for name, raw in table.items():
            field = f"regions.{name}"
            if not re.fullmatch(_COLUMN_FORM.regex, name) or name in ("noncapital", "all"):
                self.add(field, f"expected {_COLUMN_FORM.what}, not noncapital or all")
            elif not isinstance(raw, list) or not raw:
                self.add(field, 'expected a list of region ids, e.g. ["daegu", "gwangju"]')
            else:
                group = self._regions(raw, field)
                if group is not None:
                    self.named[name] = group
                    self.groups[group] = name

    def _sequential(self, given: bool, table: SequentialTable, batch_runs: int) -> StopRule | None:
        """``[sequential]``: run batches of futures until the answer is known (see
        :mod:`abm.decide.sequential`), within a budget of runs or minutes."""
        if not given or self.problems_in("sequential"):
            return None
        if table.max_runs is not None and table.max_runs < batch_runs:
            self.add(
                "sequential.max_runs",
                f"{table.max_runs!r} is not allowed; expected an integer of at least one batch "
                f"({batch_runs} runs: options x uncertainty.draws x seeds.count)",
            )
            return None
        if table.max_runs is None and table.max_minutes is None:
            self.add("sequential", "give a budget: max_runs, max_minutes or both")
            return None
        return StopRule(table.width, table.max_runs, table.max_minutes)

    def _label(self, term: Term, per: Term | None) -> tuple[str, str]:
        from abm import outputs

        def one(t: Term) -> tuple[str, str]:
            if t.output in DERIVED and t.regions is None:
                label, unit, _ = DERIVED[t.output]
            elif self.real:
                o = outputs.get(t.output, outputs.REGION if t.regions else outputs.MODEL)
                label, unit = o.label, o.unit
            else:
                label, unit = t.output, ""
            if t.regions is not None:
                label += f" ({self.groups.get(t.regions) or ', '.join(t.regions)})"
            if t.aggregate == "change":
                label = f"change in {label}"
            elif t.aggregate == "cumulative":
                label = f"{label}, cumulative"
                unit = unit.split("/")[0]
            return label, unit

        label, unit = one(term)
        if per is None:
            return label, unit
        per_label, per_unit = one(per)
        return f"{label} per {per_label}", f"{unit}/{per_unit}" if unit or per_unit else ""

    # ------------------------------------------------------------------ uncertainty
    def _posterior_of(
        self,
        unc: UncertaintyTable,
        named: bool,
        ranges: tuple[Range, ...],
    ) -> tuple[str | None, pd.DataFrame | None]:
        """The posterior the futures draw from: the spec's, else (the project's model, none
        named, not asked for the point run) the shipped one, less what it cannot apply."""
        shipped = not named and self.real and _shipped()
        posterior, frame = self._posterior(str(SHIPPED) if shipped else unc.posterior or None)
        if shipped and frame is not None:
            frame = _applicable(frame, self.first, ranges)
            if len(frame.columns) == 1:  # only the weight: nothing of it applies
                return None, None
        return posterior, frame

    def _draws(self, draws: int | None, uncertain: bool) -> int:
        """How many parameter sets: the spec's, else 32 to draw from, else the scenario's one.
        (``uncertain`` holds for a posterior or ranges written but refused too: they are
        reported once, not as "no draws".)"""
        if uncertain:
            return draws or DEFAULT_DRAWS
        if draws is not None and draws > 1:
            self.add(
                "uncertainty.draws",
                "draws need a posterior or ranges to draw from; without them the parameters "
                "are the scenario's values (use seeds.count for more futures)",
            )
        return 1

    def _posterior(self, raw: Any) -> tuple[str | None, pd.DataFrame | None]:
        field = "uncertainty.posterior"
        folder = self.file(field, raw)
        if folder is None:
            return None, None
        path = folder / POSTERIOR_FILE if folder.is_dir() else folder
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            self.add(field, f"{path}: cannot read the posterior ({type(exc).__name__})")
            return None, None
        problem = _posterior_problem(frame)
        if problem is not None:
            column, why = problem
            at, why = (field, f"{path}: {why}") if column is None else (f"{field}.{column}", why)
            self.add(at, why)
            return None, None
        return str(path.parent if path.name == POSTERIOR_FILE else path), frame

    def _ranges(self, table: Any) -> tuple[Range, ...]:
        if not isinstance(table, dict):
            self.add("uncertainty.ranges", 'expected a table, e.g. { "params.x" = [0.1, 0.9] }')
            return ()
        out = []
        for key, value in flatten(table).items():
            field = f"uncertainty.ranges.{key}"
            if not (isinstance(value, list) and len(value) == 2 and all(map(is_number, value))):
                self.add(field, "expected [low, high], two numbers")
                continue
            low, high = value
            if not (np.isfinite(low) and np.isfinite(high)) or low >= high:
                self.add(field, f"range [{low}, {high}] is not allowed; expected finite low < high")
                continue
            integer = isinstance(low, int) and isinstance(high, int)
            out.append(Range(key, float(low), float(high), integer))
        return tuple(out)

    def _check_uncertain(
        self,
        options: list[tuple[str, Any, str]],
        frame: pd.DataFrame | None,
        ranges: tuple[Range, ...],
    ) -> None:
        """Apply the extreme values to every option so the model's validation names bad ones."""
        trials: list[tuple[str, str, Any]] = []
        if frame is not None:
            for column in frame.columns:
                if column == WEIGHT:
                    continue
                values = frame[column]
                extremes = (
                    [values.min(), values.max()]
                    if pd.api.types.is_numeric_dtype(values)
                    else list(pd.unique(values))
                )
                trials += [(f"uncertainty.posterior.{column}", column, plain(v)) for v in extremes]
        for r in ranges:
            if frame is not None and r.key in frame.columns:
                self.add(f"uncertainty.ranges.{r.key}", "also a column of the posterior")
            cast = int if r.integer else float
            trials += [(f"uncertainty.ranges.{r.key}", r.key, cast(v)) for v in (r.low, r.high)]
        for name, scenario, _ in options:
            done = {p.field for p in self.problems}
            self.trial(scenario, [t for t in trials if t[0] not in done], f" (option {name})")


def _posterior_problem(frame: pd.DataFrame) -> tuple[str | None, str] | None:
    """What makes a posterior unusable, if anything: (the column at fault or None, why). The
    first rule broken is told: a weight column, weights to draw by, parameters, no gaps."""
    if WEIGHT not in frame.columns:
        return (
            None,
            f"no {WEIGHT!r} column (one row per draw, a column per parameter, and a weight)",
        )
    weights = pd.to_numeric(frame[WEIGHT], errors="coerce").to_numpy(dtype=np.float64)
    finite = np.all(np.isfinite(weights)) and not np.any(weights < 0)
    if len(frame) == 0 or not finite or weights.sum() <= 0:
        return None, "weights must be finite, >= 0, and not all 0"
    params = [c for c in frame.columns if c != WEIGHT]
    if not params:
        return None, "no parameter columns"
    gaps = [c for c in params if frame[c].isna().any()]
    return (gaps[0], "has missing values") if gaps else None


def _shipped() -> bool:
    """Whether the repository ships a calibration posterior (calibration/posterior/)."""
    return (SHIPPED / POSTERIOR_FILE).is_file()


def _applicable(frame: pd.DataFrame, first: Any, ranges: tuple[Range, ...]) -> pd.DataFrame:
    """The shipped posterior as a spec that did not name one uses it (issue 22: one answer per
    question): without the columns the spec's ranges sample themselves (deep uncertainty
    stays the spec's) and without the pulls of districts its scenario does not have. A spec
    that names a posterior gets it whole and is told about such columns."""
    ranged = {r.key for r in ranges}
    districts = set(getattr(first, "districts", {}) or {})

    def keep(key: str) -> bool:
        parts = key.split(".")
        return key not in ranged and (parts[0] != "districts" or parts[1] in districts)

    return frame[[c for c in frame.columns if c == WEIGHT or keep(c)]]
