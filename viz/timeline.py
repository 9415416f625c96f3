"""When each policy starts, and the first month two scenarios differ: read from the scenario.

Why read the scenario's own dictionary (:meth:`abm.scenario.Scenario.to_dict`) and not a
list of known fields: funds and dated programmes are being added to the scenario schema,
and a chart's policy timeline or Compare's "the options differ from 2026-09" must follow
them without a change here. The rules are generic:

* an **event** is a table of the scenario with a name (or an id) and a start-like month
  (:data:`START_KEYS`); its kind comes from where the table sits (:data:`KINDS`); a
  compute center gives two, its construction start and its first GPUs (from its
  capacity schedule);
* two scenarios **differ** from the first month a rule of the model reads a value they
  differ in: :func:`abm.branching.first_difference`, from the schema's declared starts
  (a center added in 2026-09 makes them differ from 2026-09; a parameter, a subsidy rate
  from the first month). The decision tools branch their options at that month.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from abm import branching
from abm.scenario import Scenario

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# keys whose month says when the table they sit in starts to act
START_KEYS = ("build_start", "start", "starts", "open", "opens", "designated", "since", "date")
# a leaf whose start is given by a sibling key (a zone acts from its designation)
DATED_BY = {"special_zone": "zone_since"}
# where a table sits -> its kind on the timeline (first match of the path's first parts)
KINDS = (
    ("centers", "center"),
    ("districts", "district"),
    ("regions", "zone"),
    ("government", "fund"),
    ("funds", "fund"),
    ("programs", "programme"),
    ("programmes", "programme"),
)
# labels and citations (the Decide report's tables leave them out)
IGNORED = {
    "name",
    "name_ko",
    "description",
    "description_ko",
    "sources",
    "lat",
    "lon",
}
WHAT = {
    "build_start": ("construction starts", "착공"),
    "first_gpus": ("first GPUs", "GPU 가동 시작"),
    "designated": ("designated", "지정"),
    "zone_since": ("zone designated", "특구 지정"),
    "start": ("starts", "시작"),
    "open": ("opens", "개시"),
}
KIND_WORDS = {
    "center": ("Compute center", "컴퓨팅 센터"),
    "district": ("District", "지구"),
    "zone": ("Special zone", "특구"),
    "fund": ("Fund", "재원"),
    "programme": ("Programme", "사업"),
    "policy": ("Policy", "정책"),
}


@dataclass(frozen=True)
class Event:
    """One dated policy event of a scenario."""

    month: str  # "YYYY-MM"
    kind: str  # center, district, zone, fund, programme, policy
    name: str
    name_ko: str
    what: str  # a key of WHAT (or the start key itself)
    path: str  # where it is in the scenario ("centers.nacc")

    def label(self, lang: str = "en") -> str:
        """'국가AI컴퓨팅센터 (해남): 착공' / 'National AI Computing Center (Haenam): construction
        starts'."""
        name = self.name_ko if lang == "ko" and self.name_ko else self.name
        en, ko = WHAT.get(self.what, (self.what.replace("_", " "), self.what))
        return f"{name}: {ko if lang == 'ko' else en}"


def _month(value: Any) -> str | None:
    return value if isinstance(value, str) and MONTH.match(value) else None


def _kind(path: tuple[str, ...]) -> str:
    for part in path:
        for key, kind in KINDS:
            if part == key:
                return kind
    return "policy"


def _first_gpus(schedule: Any) -> str | None:
    """The first month a capacity schedule ([[month, GPUs], ...], linear) has GPUs."""
    if not isinstance(schedule, list):
        return None
    points = [(p[0], p[1]) for p in schedule if isinstance(p, (list, tuple)) and len(p) == 2]
    for i, (month, gpus) in enumerate(points):
        if isinstance(gpus, (int, float)) and gpus > 0 and _month(month):
            if i > 0 and points[i - 1][1] == 0:
                from abm.dates import add_months
                from abm.scenario import parse_month

                after = add_months(parse_month(points[i - 1][0]), 1)  # the ramp's first month
                return f"{after.year:04d}-{after.month:02d}"
            return month
    return None


def _events_of(table: dict[str, Any], path: tuple[str, ...]) -> list[Event]:
    kind, where = _kind(path), ".".join(path)
    name = str(table.get("name") or (path[-1] if path else ""))
    # a table without a name of its own reads by its kind in Korean ("재원"), not its key
    name_ko = str(table.get("name_ko") or ("" if table.get("name") else KIND_WORDS[kind][1]))
    out = []
    for key in START_KEYS:
        if month := _month(table.get(key)):
            out.append(Event(month, kind, name, name_ko, key, where))
    for leaf, key in DATED_BY.items():
        if table.get(leaf) and (month := _month(table.get(key))):
            out.append(Event(month, "zone", name, name_ko, key, where))
    if kind == "center" and (month := _first_gpus(table.get("capacity"))):
        out.append(Event(month, kind, name, name_ko, "first_gpus", where))
    return out


def _walk(value: Any, path: tuple[str, ...]):
    """Every table (dict) of a scenario dictionary with its path; list items by index."""
    if isinstance(value, dict):
        yield value, path
        for key, child in value.items():
            if key not in ("sources", "scenario", "params"):
                yield from _walk(child, (*path, str(key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _walk(child, (*path, str(i)))


def events(scenario: Scenario | dict[str, Any]) -> list[Event]:
    """Every dated policy event of the scenario, by month (regions' names for zones)."""
    data = scenario if isinstance(scenario, dict) else scenario.to_dict()
    out: list[Event] = []
    for table, path in _walk(data, ()):
        found = _events_of(table, path)
        if path[:1] == ("regions",) and len(path) >= 3:  # regions.<id>.incentives: the region
            region = data["regions"].get(path[1], {})
            found = [
                Event(
                    e.month,
                    e.kind,
                    region.get("name", path[1]),
                    region.get("name_ko", ""),
                    e.what,
                    e.path,
                )
                for e in found
            ]
        out += found
    return sorted(set(out), key=lambda e: (e.month, e.kind, e.name))


def in_run(found: list[Event], first: str, last: str) -> list[Event]:
    """The events from ``first`` to ``last`` (months "YYYY-MM"), inclusive."""
    return [e for e in found if first <= e.month <= last]


# ---------------------------------------------------------------------- differences
@dataclass(frozen=True)
class Difference:
    """The first month two scenarios differ, and where (a path of the scenario)."""

    month: str
    path: str
    name: str = ""
    name_ko: str = ""
    what: str = ""

    def label(self, lang: str = "en") -> str:
        name = self.name_ko if lang == "ko" and self.name_ko else (self.name or self.path)
        if self.what:
            en, ko = WHAT.get(self.what, (self.what.replace("_", " "), self.what))
            return f"{name}: {ko if lang == 'ko' else en}"
        return name


def _strip(value: Any) -> Any:
    """A scenario dictionary's value without its labels and citations (:data:`IGNORED`)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in IGNORED}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def first_difference(a: Scenario, b: Scenario) -> Difference | None:
    """The first month in which ``a`` and ``b`` differ as policy, or None if they do not
    (the same scenario under two names, or only a seed apart): the month the model's rules
    first read a value they differ in (:func:`abm.branching.first_difference`)."""
    found = branching.first_difference(a, b)
    return Difference(**dataclasses.asdict(found)) if found else None


def first_difference_of(scenarios: list[Scenario]) -> Difference | None:
    """The first month in which any of ``scenarios`` differs from the first one."""
    found = branching.first_difference_of(scenarios)
    return Difference(**dataclasses.asdict(found)) if found else None
