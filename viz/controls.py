"""The control panel's model: fields, their text values, and validation into a Scenario.

Why text values: a control keeps what the user typed, even when it is not valid, so the
message can sit next to it and nothing else changes. A draft becomes a Scenario only
through :func:`abm.scenario.Scenario.with_overrides`, whose ScenarioError names the
field at fault; :func:`validate` maps each problem back to the control that set it.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from abm.errors import ScenarioError
from abm.scenario import Scenario
from abm.schema import Central
from viz.i18n import tr

Draft = dict[str, str]


@dataclass(frozen=True)
class Field:
    """One control: what it edits (scenario override prefixes) and how to parse it."""

    key: str
    label: str  # i18n key or literal text
    kind: str  # "int" | "float" | "choice"
    prefixes: tuple[str, ...]
    choices: tuple[str, ...] = ()
    group: str = ""

    @property
    def css(self) -> str:
        """A class name tests and styles can select the control by."""
        return "ctl-" + self.key.replace(".", "-").replace("_", "-")


def _allocation_choices() -> tuple[str, ...]:
    meta = next(f for f in dataclasses.fields(Central) if f.name == "allocation").metadata
    return tuple(meta["choices"])


def fields_for(base: Scenario) -> list[Field]:
    """Every control the page shows for scenario ``base``, in display order."""
    regions = tuple(base.regions)
    out = [
        Field("seed", "seed", "int", ("scenario.seed",)),
        Field("firms", "firm_agents", "int", ("population.firms",)),
    ]
    for cid in base.centers:
        prefix = f"centers.{cid}"
        out += [
            Field(f"center.{cid}.site", "site", "choice", (f"{prefix}.site",), regions, cid),
            Field(
                f"center.{cid}.capacity", "capacity", "float", (f"{prefix}.capacity",), group=cid
            ),
            Field(f"center.{cid}.price", "price", "float", (f"{prefix}.price_krw",), group=cid),
        ]
    out += [
        Field("fund", "fund", "float", ("government.central.programs",)),
        Field(
            "allocation",
            "allocation",
            "choice",
            ("government.central.allocation",),
            _allocation_choices(),
        ),
    ]
    for rid in regions:
        out.append(
            Field(
                f"incentive.{rid}", rid, "float", (f"regions.{rid}.incentives",), group="incentives"
            )
        )
    out += [
        Field("agglo.strength", "strength", "float", ("params.agglomeration.strength",)),
        Field("agglo.cap", "cap", "float", ("params.agglomeration.cap",)),
    ]
    return out


def _text(value: float) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def final_capacity(base: Scenario, cid: str) -> float:
    schedule = base.centers[cid].capacity
    return float(schedule[-1][1]) if schedule else 0.0


def fund_total(base: Scenario) -> float:
    return float(sum(p.amount_krw for p in base.government.central.programs))


def defaults(base: Scenario, seed: int | None = None) -> Draft:
    """The controls' text values for an unchanged ``base``."""
    draft = {
        "seed": str(base.seed if seed is None else seed),
        "firms": str(base.population.firms),
        "fund": _text(fund_total(base)),
        "allocation": base.government.central.allocation,
        "agglo.strength": _text(base.params.agglomeration.strength),
        "agglo.cap": _text(base.params.agglomeration.cap),
    }
    for cid, center in base.centers.items():
        draft[f"center.{cid}.site"] = center.site
        draft[f"center.{cid}.capacity"] = _text(final_capacity(base, cid))
        draft[f"center.{cid}.price"] = _text(center.price_krw)
    for rid, region in base.regions.items():
        draft[f"incentive.{rid}"] = _text(region.incentives.subsidy_rate)
    return draft


def parse(field: Field, raw: str, lang: str = "en") -> tuple[Any, str | None]:
    """(value, None) or (None, message) for one control's text."""
    text = raw.strip().replace(",", "").replace("_", "").replace(" ", "")
    if field.kind == "choice":
        return raw, None  # the scenario validator checks the choice
    try:
        value = float(text)
    except ValueError:
        return None, tr("not_number", lang)
    if math.isnan(value):
        return None, tr("not_number", lang)
    if field.kind == "int":
        if not value.is_integer():
            return None, tr("not_integer", lang)
        return int(value), None
    return value, None


def overrides_for(base: Scenario, values: dict[str, Any]) -> dict[str, Any]:
    """Dotted scenario overrides for the parsed control values that differ from ``base``."""
    out: dict[str, Any] = {}
    reference = defaults(base)
    changed = {k: v for k, v in values.items() if _text_or(v) != reference.get(k)}
    for key, value in changed.items():
        if key == "seed":
            out["scenario.seed"] = value
        elif key == "firms":
            out["population.firms"] = value
        elif key == "allocation":
            out["government.central.allocation"] = value
        elif key == "agglo.strength":
            out["params.agglomeration.strength"] = value
        elif key == "agglo.cap":
            out["params.agglomeration.cap"] = value
        elif key == "fund":
            out["government.central.programs"] = _scaled_programs(base, value)
        elif key.startswith("incentive."):
            out[f"regions.{key.split('.', 1)[1]}.incentives.subsidy_rate"] = value
        elif key.startswith("center."):
            _, cid, what = key.split(".", 2)
            if what == "site":
                out[f"centers.{cid}.site"] = value
            elif what == "price":
                out[f"centers.{cid}.price_krw"] = value
            elif what == "capacity":
                out[f"centers.{cid}.capacity"] = _scaled_schedule(base, cid, value)
    return out


def _text_or(value: Any) -> str:
    return value if isinstance(value, str) else _text(value)


def _scaled_schedule(base: Scenario, cid: str, final: float) -> list[list[Any]]:
    """The center's capacity schedule with the same shape, ending at ``final`` GPUs."""
    schedule = base.centers[cid].capacity
    old = final_capacity(base, cid)
    if not schedule or old <= 0:
        month = schedule[-1][0] if schedule else base.scenario.start
        return [[month, final]]
    return [[month, gpus * final / old] for month, gpus in schedule]


def _scaled_programs(base: Scenario, total: float) -> list[dict[str, Any]]:
    """The national fund lines scaled to sum to ``total`` (one line if there were none)."""
    programs = [dataclasses.asdict(p) for p in base.government.central.programs]
    old = fund_total(base)
    if not programs or old <= 0:
        return [
            {
                "name": "national fund",
                "amount_krw": total,
                "start": base.scenario.start,
                "end": base.scenario.start,
                "region": "",
            }
        ]
    for p in programs:
        p["amount_krw"] = p["amount_krw"] * total / old
    return programs


@dataclass(frozen=True)
class Checked:
    """The outcome of validating a draft."""

    scenario: Scenario | None
    seed: int | None
    errors: dict[str, str]  # control key -> message
    general: tuple[str, ...] = ()  # problems no control owns

    @property
    def ok(self) -> bool:
        return self.scenario is not None


def validate(base: Scenario, draft: Draft, lang: str = "en") -> Checked:
    """Parse every control, apply the overrides to ``base`` and map problems to controls."""
    fields = fields_for(base)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field in fields:
        value, message = parse(field, draft.get(field.key, ""), lang)
        if message:
            errors[field.key] = message
        else:
            values[field.key] = value
    # check what parsed even when something did not, so every bad control shows its message
    try:
        scenario = base.with_overrides(overrides_for(base, values))
    except ScenarioError as exc:
        general = []
        for problem in exc.problems:
            owner = _owner(fields, problem.field)
            if owner is None:
                general.append(str(problem))
                continue
            detail = problem.message
            if problem.field not in owner.prefixes:  # e.g. programs[1].amount_krw
                detail = f"{problem.field.split('.')[-1]}: {detail}"
            errors.setdefault(owner.key, detail)
        return Checked(None, None, errors, tuple(general))
    if errors:
        return Checked(None, None, errors)
    return Checked(scenario, int(values["seed"]), {})


def _owner(fields: list[Field], path: str) -> Field | None:
    best: Field | None = None
    for field in fields:
        for prefix in field.prefixes:
            owns = path == prefix or path.startswith((prefix + ".", prefix + "["))
            if owns and (best is None or len(prefix) > max(len(p) for p in best.prefixes)):
                best = field
    return best
