"""Branch options from a shared history: simulate a future's common months once.

The options of a decision (or of ``abm compare``) are scenarios that differ in a few
dated instruments: a center whose construction starts in 2026-09, a programme from 2026-01.
Run with the same seed, every option gives exactly the same months until the first one in
which any rule reads a value they differ in, because every draw is a pure function of the
seed, the draw's purpose, the month and the agent's lineage (docs/ODD.md, "Draws and
paired runs"). So each future (a seed and a parameter draw) simulates those months once,
keeps the model at the end of the last shared month (a deep copy: 0.02-0.03 s at 24,000
agents), and continues every option from it; the results are those of running each
option from the start, byte for byte (``tests/test_branching.py``).

The month is found from the scenarios, never by running them, and from the declarations
alone (:func:`abm.inputs.param`): a field declared ``starts=True`` (a center's
``build_start`` and capacity schedule, a programme's ``start``) says that no rule reads
anything of its table before that month; ``dated_by`` names the month from
which one field alone acts (a region's ``special_zone`` from its ``zone_since``). Any other
difference acts from the first month, and then nothing is shared: conservative, so a new
table without a declared start is still exact, only not faster. Model rules that read a
dated table ahead of its start are listed in :data:`READ_AHEAD`.
"""

from __future__ import annotations

import copy
import dataclasses
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from abm.dates import months_between
from abm.inputs import Schedule
from abm.scenario import Scenario, parse_month

#: the run's own fields, not the model's: a difference in them is no difference of policy
#: (the run length is given to every option alike; ``start`` is compared on its own)
RUN_FIELDS = {"name", "description", "description_ko", "history_end", "steps", "seed"}
#: fields of any table that no rule reads: citations and descriptions (names are read:
#: centers' and regions' names are in the outputs)
CITATIONS = {"sources", "description", "description_ko"}


@dataclass(frozen=True)
class ReadAhead:
    """A rule that reads a dated table before its start: differences in the table then
    act from the first month whenever ``applies`` holds for either scenario."""

    table: str  # the scenario's top-level table ("centers")
    rule: str  # which rule reads it, for the docs and the reader
    applies: typing.Callable[[Scenario], bool]


READ_AHEAD = (
    ReadAhead(
        "centers",
        "CentralGovernment.focus_region: under the 'concentrate' rule unearmarked grants go "
        "to the region of the largest public center by its final planned capacity, from "
        "the first month such money is split, whenever the center is built",
        lambda s: s.government.central.allocation == "concentrate",
    ),
)


@dataclass(frozen=True)
class Difference:
    """The first month two scenarios differ as the model reads them, and where."""

    month: str  # "YYYY-MM"
    path: str  # where in the scenario ("centers.nacc"; "" for the start itself)
    name: str = ""  # the table's name, when it has one
    name_ko: str = ""
    what: str = ""  # the declared start that dates it ("build_start"), if any


def _declared(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if not f.metadata.get("derived")]


def _gate(table: Any) -> tuple[str, str] | None:
    """(month, field) from which a table acts: its earliest declared start (a schedule's
    first month); None if it declares none."""
    found = []
    for f, tp in _declared(type(table)):
        if not f.metadata.get("starts"):
            continue
        value = getattr(table, f.name)
        month = (value[0][0] if value else None) if tp is Schedule else value
        if month:  # (an empty schedule: no GPUs ever; its other starts date the table)
            found.append((month, tp is Schedule, f.name))
    if not found:
        return None
    month, _, name = min(found)  # ties: a month field before a schedule
    return month, name


def _difference(table: Any, path: str, gate: tuple[str, str] | None, first: str) -> Difference:
    month, what = gate if gate else (first, "")
    name, name_ko = getattr(table, "name", ""), getattr(table, "name_ko", "")
    if not isinstance(name, str):  # (a table whose "name" is not a label)
        name = ""
    return Difference(month, path, name, name_ko if isinstance(name_ko, str) else "", what)


def _earlier(*gates: tuple[str, str] | None) -> tuple[str, str] | None:
    found = [g for g in gates if g]
    return min(found) if found else None


def _on_from(a: Any, b: Any, fields: list[str], month: str) -> str:
    """The earliest ``month`` of the sides on which any of ``fields`` is on (a zone that is
    off on one side does nothing there); of both if neither."""
    on = [t for t in (a, b) if any(getattr(t, f) for f in fields)] or [a, b]
    return min(getattr(t, month) for t in on)


def _differences(
    a: Any, b: Any, path: str, gate: tuple[str, str] | None, first: str
) -> Iterator[Difference]:
    """Every place two values of one declared table differ, with the month it acts from.

    ``gate``: the enclosing tables' start (None: they act from ``first``)."""
    if a == b:
        return
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        own = _earlier(_gate(a), _gate(b))
        gate = own or gate
        for f, _ in _declared(type(a)):
            here = f"{path}.{f.name}" if path else f.name
            va, vb = getattr(a, f.name), getattr(b, f.name)
            if va == vb or f.name in CITATIONS:
                continue
            sibling = f.metadata.get("dated_by")
            flags = [g.name for g, _ in _declared(type(a)) if g.metadata.get("dated_by") == f.name]
            if sibling:  # acts from its sibling month, on the sides where it is on
                yield _difference(a, path, (_on_from(a, b, [f.name], sibling), sibling), first)
            elif flags:  # the sibling month itself: on the sides where a field it dates is on
                yield _difference(a, path, (_on_from(a, b, flags, f.name), f.name), first)
            else:
                yield from _differences(va, vb, here, gate, first)
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            here = f"{path}.{key}"
            if key in a and key in b:
                yield from _differences(a[key], b[key], here, gate, first)
            else:  # a table only one side has (a new center): from its own start
                table = a.get(key, b.get(key))
                own = _gate(table) if dataclasses.is_dataclass(table) else None
                yield _difference(table, here, own or gate, first)
        return
    if isinstance(a, tuple) and isinstance(b, tuple) and all(map(dataclasses.is_dataclass, a + b)):
        # an array of tables (programmes): read in order, so from the first item that
        # differs every later item on either side counts, each from its own start
        i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        i = min(len(a), len(b)) if i is None else i
        for item in a[i:] + b[i:]:
            yield _difference(item, path, _gate(item) or gate, first)
        return
    yield _difference(a, path.rsplit(".", 1)[0], gate, first)


def first_difference(a: Scenario, b: Scenario) -> Difference | None:
    """The first month in which a rule of the model reads a value ``a`` and ``b`` differ
    in, or None if they do not differ (the same scenario under two names, or a seed apart).
    Conservative: never later than the first month their runs with one seed can differ."""
    if a.scenario.start != b.scenario.start:
        return Difference(min(a.scenario.start, b.scenario.start), "scenario.start")
    first = a.scenario.start
    found: list[Difference] = []
    for f, _ in _declared(Scenario):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name == "scenario":  # the run's own fields but its start (equal here)
            read = [g.name for g in dataclasses.fields(va) if g.name not in RUN_FIELDS]
            if any(getattr(va, k) != getattr(vb, k) for k in read):
                found.append(Difference(first, "scenario"))
            continue
        diffs = list(_differences(va, vb, f.name, None, first))
        if diffs and any(r.table == f.name and (r.applies(a) or r.applies(b)) for r in READ_AHEAD):
            diffs = [dataclasses.replace(d, month=first, what="") for d in diffs]
        found += diffs
    return min(found, key=lambda d: d.month) if found else None


def first_difference_of(scenarios: list[Scenario]) -> Difference | None:
    """The first month in which any of ``scenarios`` differs from the first one."""
    found = [d for s in scenarios[1:] if (d := first_difference(scenarios[0], s))]
    return min(found, key=lambda d: d.month) if found else None


def shared_months(scenarios: list[Scenario]) -> int:
    """How many months (from the start) every option runs alike: 0 when they differ from
    the first month, the shortest run's length when they do not differ at all."""
    shortest = min(s.steps for s in scenarios)
    found = first_difference_of(scenarios)
    if found is None:
        return shortest
    if found.month < scenarios[0].scenario.start:
        return 0
    return max(0, min(shortest, months_between(scenarios[0].start, parse_month(found.month))))


# ------------------------------------------------------------------------- running
def continued(
    scenarios: list[Scenario],
    seed: int,
    steps: int | None = None,
    outputs: Iterable[str] | None = None,
) -> Iterator[tuple[Scenario, Any]]:
    """Each option of one future (one seed) and its finished model, in order: the months
    they share are simulated once, each option continued from a copy of the model at the
    end of the last of them (the last option from the model itself)."""
    from abm.model import RegionalModel

    if steps is not None:
        scenarios = [
            s if s.steps == steps else s.with_overrides({"scenario.steps": steps})
            for s in scenarios
        ]
    kept = None if outputs is None else tuple(outputs)
    shared = shared_months(scenarios) if len(scenarios) > 1 else 0
    # a step of a run's last month ends it, so the copy is taken before any option's last
    shared = min(shared, min(s.steps for s in scenarios) - 1)
    trunk = None
    if shared > 0:
        trunk = RegionalModel(scenarios[0], rng=seed, outputs=kept)
        for _ in range(shared):
            trunk.step()
    for i, scenario in enumerate(scenarios):
        if trunk is None:
            model = RegionalModel(scenario, rng=seed, outputs=kept)
        else:
            model = trunk if i == len(scenarios) - 1 else copy.deepcopy(trunk)
            model.continue_as(scenario)
        while model.steps < scenario.steps:
            model.step()
        yield scenario, model


def run_options(
    scenarios: list[Scenario],
    seed: int,
    steps: int | None = None,
    outputs: Iterable[str] | None = None,
) -> list:
    """Run every option with one seed (one future), the shared months once: the results
    (:class:`abm.run.RunResult`, in order) equal those of :func:`abm.run.run_scenario`
    for each option from the start, byte for byte."""
    from abm.run import result_of

    return [result_of(m, s, seed) for s, m in continued(scenarios, seed, steps, outputs)]


__all__ = [
    "READ_AHEAD",
    "Difference",
    "continued",
    "first_difference",
    "first_difference_of",
    "run_options",
    "shared_months",
]
