"""Scenario files: load TOML, follow ``inherit``, apply ``--set`` overrides, validate.

A scenario is a TOML file laid out like :class:`Scenario` (see :mod:`abm.schema`
for every field). ``inherit = "other.toml"`` (relative to the file) starts from
another scenario and overrides fields: tables merge key by key, arrays are
replaced whole. Validation collects *every* problem, each naming the file, the
dotted field and what is allowed, and raises one :class:`ScenarioError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import tomllib
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from abm import inputs, location, schema
from abm.errors import (
    MAX_NESTING,
    InputError,
    Problem,
    ScenarioError,
    check_nesting,
    check_path_text,
    read_toml_file,
)
from abm.inputs import parse_month, short

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
EARLIEST_START = "2015-01"
_MAX_INHERIT = 16
ORIGIN_KEY = "origin"  # top-level key of a resolved scenario.toml: the file it came from
_short = short
__all__ = ["parse_month"]


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: immutable, picklable, and the model's only input."""

    scenario: schema.Meta = dataclasses.field(default_factory=schema.Meta)
    population: schema.Population = dataclasses.field(default_factory=schema.Population)
    params: schema.Params = dataclasses.field(default_factory=schema.Params)
    regions: dict[str, schema.Region] = dataclasses.field(default_factory=dict)
    centers: dict[str, schema.Center] = dataclasses.field(default_factory=dict)
    government: schema.Government = dataclasses.field(default_factory=schema.Government)
    districts: dict[str, schema.District] = dataclasses.field(default_factory=dict)
    funds: dict[str, schema.Fund] = dataclasses.field(default_factory=dict)
    recruitment: dict[str, schema.Recruitment] = dataclasses.field(default_factory=dict)
    programmes: dict[str, schema.Programme] = dataclasses.field(default_factory=dict)
    # set by the reader, not read from the file (the declarative layer skips them)
    source: str = dataclasses.field(default="", metadata={"derived": True})  # errors name it
    origin: str = dataclasses.field(default="", metadata={"derived": True})  # see origin_of

    # --- convenience --------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def description(self) -> str:
        return self.scenario.description

    @property
    def steps(self) -> int:
        return self.scenario.steps

    @property
    def seed(self) -> int:
        return self.scenario.seed

    @property
    def start(self) -> dt.date:
        return parse_month(self.scenario.start)

    @property
    def region_ids(self) -> list[str]:
        return list(self.regions)

    @property
    def scale(self) -> float:
        """Firm agents per real firm: real totals (budgets, talent, GPUs) are scaled by it.

        1 when the model starts without firm agents or real firms (each agent that
        enters is then one real firm, as in the Arthur and Pólya validation scenarios).
        """
        real = sum(r.firms_real for r in self.regions.values())
        firms = self.population.firms
        return firms / real if real > 0 and firms > 0 else 1.0

    # --- conversion ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (lists, not tuples) that :meth:`from_dict` accepts."""
        data = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        data.pop("source")
        data.pop("origin")
        return data

    def to_toml(self) -> str:
        """Every field as TOML (defaults included), naming its origin: what ``abm run`` writes
        as ``scenario.toml``. :func:`load_scenario` reads it back to an equal scenario."""
        import tomli_w

        return tomli_w.dumps({ORIGIN_KEY: self.origin or self.source, **self.to_dict()})

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], source: str = "<dict>", origin: str = ""
    ) -> Scenario:
        data = {k: v for k, v in data.items() if k != ORIGIN_KEY}
        scenario, problems = inputs.structure(data, cls, source)
        if not problems:
            problems = _cross_check(scenario, source)
        if problems:
            raise ScenarioError(problems)
        return dataclasses.replace(scenario, source=source, origin=origin or source)

    def with_overrides(
        self, overrides: Mapping[str, Any] | Iterable[str], via: str = "override"
    ) -> Scenario:
        """A new validated scenario with dotted-key overrides applied.

        Overrides change what exists: a key naming an unknown region or center id is an
        error (see :func:`_apply_overrides`); ``via`` says where the overrides came from.
        """
        data = self.to_dict()
        _apply_overrides(data, overrides, via, self.source)
        return Scenario.from_dict(data, self.source, origin=self.origin)


# ------------------------------------------------------------------------------- I/O


def _refused(source: Any, field: str, why: str) -> ScenarioError:
    """The error of one problem of a file (or of ``--set``), raised before any other check."""
    return ScenarioError([Problem(str(source), field, why)])


def read_toml(path: Path) -> dict[str, Any]:
    """Read one TOML file, turning every failure into a ScenarioError naming the file."""
    try:
        return read_toml_file(path)
    except InputError as exc:
        raise _refused(path, "", str(exc)) from None


def _parent_path(current: Path, parent: Any) -> Path:
    """The file an ``inherit`` value names; a bad value names the file and field at fault."""
    if not isinstance(parent, str) or not parent.endswith(".toml"):
        raise _refused(current, "inherit", f"must be a .toml file name, got {_short(parent)}")
    try:
        check_path_text(parent)
    except InputError as exc:
        raise _refused(current, "inherit", str(exc)) from None
    return current.parent / parent


def load_raw(path: str | Path, without_layers: bool = False) -> dict[str, Any]:
    """The merged raw data of a scenario file and everything it inherits from.

    ``without_layers`` leaves out the inherited layers (``LAYERS``: the calibrated
    parameters), as a calibration must: it estimates afresh what the layer would set.
    """
    chain: list[Path] = []
    roots: list[Path] = []
    current = Path(path)
    data_chain: list[dict[str, Any]] = []
    pointer: tuple[Path, str] | None = None  # the file whose inherit names `current`
    while True:
        try:
            resolved = current.resolve()
        except (OSError, RuntimeError, ValueError) as exc:
            if pointer is None:
                raise _refused(path, "", f"cannot resolve the path: {exc}") from None
            raise _refused(pointer[0], "inherit", f"{pointer[1]!r}: {exc}") from None
        if pointer is not None and not any(resolved.is_relative_to(r) for r in roots):
            raise _refused(pointer[0], "inherit", _outside(pointer[1], roots))
        if resolved in chain:
            raise _refused(path, "inherit", f"inheritance loop via {current}")
        if len(chain) >= _MAX_INHERIT:
            raise _refused(path, "inherit", "inheritance deeper than 16 files")
        chain.append(resolved)
        if pointer is None:
            roots = inherit_roots(resolved)
            data = read_toml(current)
        else:
            try:
                data = read_toml_file(current)
            except InputError as exc:
                why = f"{pointer[1]!r} ({current}): {exc}"
                raise _refused(pointer[0], "inherit", why) from None
        parent = data.pop("inherit", None)
        if pointer is not None:
            data.pop(ORIGIN_KEY, None)  # only the file loaded names the origin
        if not (without_layers and pointer is not None and current.name in LAYERS):
            data_chain.append(data)
        if parent is None:
            break
        nxt = _parent_path(current, parent)
        pointer, current = (current, parent), nxt
    merged: dict[str, Any] = {}
    for data in reversed(data_chain):
        merged = _merge(merged, data)
    return merged


def inherit_roots(top: Path) -> list[Path]:
    """The folders ``inherit`` may read from: the folder of the scenario file loaded and
    below, the project, and the app's allowed roots (``abm app --root``, as the app's file
    pickers know them). A scenario file may come from anywhere (a shared link, a download);
    confined so, it cannot make the tools, or the web app, read any TOML file of the machine."""
    from viz.paths import allowed_roots

    return [top.parent, PROJECT_ROOT, *allowed_roots()]


def _outside(parent: str, roots: list[Path]) -> str:
    return (
        f"{_short(parent, 300)!r} is outside the folders a scenario may inherit from: this "
        f"scenario's folder ({roots[0]}) and below, the project ({PROJECT_ROOT}) and the "
        "app's folders (abm app --root)"
    )


def origin_of(path: str | Path) -> str:
    """How outputs name a scenario file: relative to the project if inside it, else absolute,
    so the same file gets the same name whatever the working folder or spelling of the path."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):
        return str(path)
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return resolved.as_posix()


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
    via: str = "override",
    without_layers: bool = False,
) -> Scenario:
    """Load, inherit, override and validate a scenario file (``via``: where the overrides
    come from, for messages, e.g. ``"--set"``; ``without_layers``: see :func:`load_raw`)."""
    data = load_raw(path, without_layers)
    origin = data.pop(ORIGIN_KEY, None)  # a resolved scenario.toml names the file it came from
    if origin is not None and not (isinstance(origin, str) and 0 < len(origin) <= 4096):
        raise _refused(path, ORIGIN_KEY, f"must be a file name, got {_short(origin)}")
    origin = origin or origin_of(path)
    _apply_overrides(data, overrides or {}, via, str(path))
    return Scenario.from_dict(data, str(path), origin=origin)


# Layers: files other scenarios inherit that cannot run alone (no regions): the calibrated
# parameters `make calibrate` writes. They are not offered as scenarios.
LAYERS = ("calibrated.toml",)


def list_scenarios(root: str | Path | None = None) -> list[tuple[Path, str]]:
    """Scenario files directly under ``root`` (default: the project's) with descriptions."""
    folder = Path(root) if root is not None else SCENARIO_DIR
    found = []
    for path in sorted(folder.glob("*.toml")):
        if path.name in LAYERS:
            continue
        try:
            meta = load_raw(path).get("scenario", {})
            description = meta.get("description", "") if isinstance(meta, dict) else ""
        except ScenarioError as exc:
            description = f"(invalid: {_short(str(exc), 200)})"
        found.append((path, str(description)))
    return found


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem of a scenario file; empty when it is valid."""
    try:
        load_scenario(path)
    except ScenarioError as exc:
        return exc.problems
    return []


# ------------------------------------------------------------------------ overrides


def parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax (numbers, true/false, inf, arrays), else a string."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
        check_nesting(value)
        return value
    except (tomllib.TOMLDecodeError, RecursionError, InputError):
        if text[:1] in "[{":  # meant as an array or table, but not one TOML can read
            why = f"is not a valid TOML array or table (nested at most {MAX_NESTING} levels)"
            raise _refused("--set", "", f"{_short(text)} {why}") from None
        return text


def parse_assignments(items: Iterable[str], source: str = "--set") -> dict[str, Any]:
    """``["a.b=1", ...]`` -> ``{"a.b": 1}``; malformed items raise a ScenarioError."""
    out: dict[str, Any] = {}
    problems = []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            problems.append(Problem(source, _short(item), "expected dotted.key=value"))
            continue
        out[key] = parse_value(value.strip())
    if problems:
        raise ScenarioError(problems)
    return out


# The tables of ids (regions, centers, districts, ...), read from Scenario's declaration:
# {"regions": "region", ...}. A new table of the schema is one field of Scenario.
_ENTITY_TABLES = {
    name: typing.get_args(tp)[1].__name__.lower()
    for name, tp in typing.get_type_hints(Scenario).items()
    if typing.get_origin(tp) is dict
}
_MAX_KEY_PARTS = 12  # the deepest real key (params.x.y or regions.id.incentives.x) has 4


def check_override_key(data: Mapping[str, Any], key: str) -> str | None:
    """Why an override key cannot apply to ``data`` (None if it can).

    The one check every override path uses (``--set``, sweep parameters, the app, decision
    and calibration studies, all through :func:`_apply_overrides`): overrides change
    regions and centers that exist; they never create one from a partial key, so a typo
    such as ``regions.deagu.lat`` is an error naming the known ids. (A scenario *file*
    adds a region by defining its whole table.)
    """
    parts = key.split(".")
    if len(parts) > _MAX_KEY_PARTS:
        return f"has {len(parts)} parts; scenario keys have at most {_MAX_KEY_PARTS}"
    if parts[0] in _ENTITY_TABLES:
        kind = _ENTITY_TABLES[parts[0]]
        table = data.get(parts[0])
        known = list(table) if isinstance(table, Mapping) else []
        if len(parts) == 1:
            return f"is the table of {kind}s; set a field of one, e.g. {parts[0]}.ID.FIELD"
        if parts[1] not in known:
            return (
                f"no {kind} {parts[1]!r}; known: {', '.join(known) or 'none'} (overrides change "
                f"existing {kind}s; add a {kind} in a scenario file)"
            )
    return None


def _apply_overrides(
    data: dict[str, Any],
    overrides: Mapping[str, Any] | Iterable[str],
    via: str,
    source: str | None = None,
) -> None:
    """Apply dotted-key overrides in place; every bad key is a Problem naming ``via``."""
    if not isinstance(overrides, Mapping):
        overrides = parse_assignments(overrides)
    where = via if source is None else f"{source} ({via})"
    problems = []
    for key, value in overrides.items():
        key = str(key)
        why = check_override_key(data, key)
        if why is None and isinstance(value, dict) and not value:
            why = "an empty table sets nothing; give the fields to set"
        if why is not None:
            problems.append(Problem(where, _short(key), why))
            continue
        parts = key.split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(
                    Problem(
                        where,
                        ".".join(parts[: i + 1]),
                        f"is a value, not a table, so {key} cannot be set",
                    )
                )
                break
            node = child
        else:
            current = node.get(parts[-1])
            if isinstance(current, dict) and not isinstance(value, dict):
                why = f"is a section; set one of its fields, e.g. {key}.FIELD"
                problems.append(Problem(where, _short(key), why))
            elif isinstance(current, dict):
                node[parts[-1]] = _merge(current, value)  # a table sets its fields
            else:
                node[parts[-1]] = value
    if problems:
        raise ScenarioError(problems)
    _follow_moved_centers(data, overrides)


def _follow_moved_centers(data: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """A center moved to another region by an override leaves its district, unless the
    same overrides name its district: moving the site is what sweeps and the app do."""
    centers, districts = data.get("centers"), data.get("districts") or {}
    if not isinstance(centers, dict):
        return
    for key in overrides:
        parts = str(key).split(".")
        if len(parts) != 3 or parts[0] != "centers" or parts[2] != "site":
            continue
        if f"centers.{parts[1]}.district" in overrides:
            continue
        center = centers.get(parts[1])
        if not isinstance(center, dict) or not center.get("district"):
            continue
        district = districts.get(center["district"])
        if not isinstance(district, dict) or district.get("region") != center.get("site"):
            center["district"] = ""


def safe_name(name: str, limit: int = 80) -> str:
    """A scenario name as one safe file name: no folders, no dots first, no control chars.

    ``"../../escaped"`` becomes ``"escaped"``, ``"/etc/x"`` becomes ``"etc_x"``, so default
    output folders stay under ``./out``.
    """
    cleaned = re.sub(r"[^\w.+-]+", "_", name, flags=re.ASCII).strip("._-")
    return cleaned[:limit].rstrip("._-") or "scenario"


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


# ----------------------------------------------------------------------- validation
# Each field is checked by its declaration (abm/schema.py, through abm/inputs.py), and so is
# what it must agree with (param's refers, within and after: _links); what is left here are
# the other rules between fields, each ``need(holds, field, what is allowed)``.


_SHAPES: dict[type, tuple[tuple[dataclasses.Field, ...], tuple[str, ...]]] = {}


def _shape(cls: type) -> tuple[tuple[dataclasses.Field, ...], tuple[str, ...]]:
    """A table class's fields that declare a link (refers, after, at_most), and those that hold
    tables (a section, a table of tables, an array): read once per class, not per check."""
    if cls in _SHAPES:
        return _SHAPES[cls]
    hints, fields = typing.get_type_hints(cls), dataclasses.fields(cls)
    links = tuple(
        f for f in fields if any(f.metadata.get(k) for k in ("refers", "after", "at_most"))
    )
    nested = tuple(
        f.name
        for f in fields
        if dataclasses.is_dataclass(hints[f.name])
        or typing.get_origin(hints[f.name]) in (dict, tuple)
    )
    _SHAPES[cls] = links, nested
    return links, nested


def _tables(obj: Any, path: str) -> Iterable[tuple[str, Any]]:
    """Every declared table of a scenario with its dotted place (``centers.nacc``,
    ``government.central.programs[0]``), outermost first."""
    yield path, obj
    for name in _shape(type(obj))[1]:
        value, at = getattr(obj, name), f"{path}.{name}".lstrip(".")
        if dataclasses.is_dataclass(value):
            yield from _tables(value, at)
        items: Iterable[tuple[str, Any]] = ()
        if isinstance(value, dict):
            items = ((f".{k}", v) for k, v in value.items())
        elif isinstance(value, tuple):
            items = ((f"[{i}]", v) for i, v in enumerate(value))
        for key, item in items:
            if dataclasses.is_dataclass(item):
                yield from _tables(item, at + key)


def _links(s: Scenario) -> Iterable[tuple[str, str]]:
    """(field, what is allowed) for each declared id, month order or bound a value breaks."""
    for at, table in _tables(s, ""):
        for f in _shape(type(table))[0]:
            meta, value = f.metadata, getattr(table, f.name)
            refers, after = meta.get("refers"), meta.get("after")
            if refers and not (meta["or_empty"] and not value):
                ids, what = list(getattr(s, refers)), f"{_ENTITY_TABLES[refers]} id"
                if meta["within"]:  # a district of the region a sibling names
                    region = getattr(table, meta["within"])
                    if region not in s.regions:
                        continue  # the sibling's own line says it (one problem, not two)
                    ids = [k for k in ids if s.districts[k].region == region]
                    what = f"{_ENTITY_TABLES[refers]} of region {region!r}"
                if value not in ids:
                    either = "empty or " if meta["or_empty"] else ""
                    known = ", ".join(ids) or "none"
                    yield f"{at}.{f.name}", f"must be {either}a {what} ({known}), got {value!r}"
            first = getattr(table, after) if after else ""
            if value and first and parse_month(value) < parse_month(first):
                yield f"{at}.{f.name}", f"is before {after} ({first})"
            most = meta.get("at_most")
            if most and value > getattr(table, most):
                yield f"{at}.{f.name}", f"must be <= {most} ({getattr(table, most):g})"


def _cross_check(s: Scenario, source: str) -> list[Problem]:
    """The declared links (:func:`_links`), then the rules between fields not declared."""
    regions, districts, meta, month = s.regions, s.districts, s.scenario, parse_month
    if not regions:
        return [Problem(source, "regions", "at least one region is required")]
    problems = [Problem(source, field, why) for field, why in _links(s)]

    def need(holds: bool, field: str, why: str) -> None:
        if not holds:
            problems.append(Problem(source, field, why))

    start_ok = month(meta.start) >= month(EARLIEST_START)
    need(start_ok, "scenario.start", f"must be {EARLIEST_START} or later (data start)")
    end = meta.history_end
    need(
        not end or month(end) >= month(meta.start),
        "scenario.history_end",
        f"must not be before start ({meta.start})",
    )
    capitals = [r for r in regions if regions[r].capital]
    need(len(capitals) <= 1, "regions", f"at most one capital region, got {capitals}")
    for did, d in districts.items():
        cap = regions[d.region].firms_real if d.region in regions else math.inf
        why = f"must be <= its region's firms_real ({cap:g})"
        need(d.firms_real <= cap, f"districts.{did}.firms_real", why)
    for pid, rec in s.recruitment.items():
        counts = [n for _, n in rec.pledges]
        why = "cumulative pledges must not fall over time"
        need(counts == sorted(counts), f"recruitment.{pid}.pledges", why)
    for pid, prog in s.programmes.items():  # region, district and month order are declared
        unused = "space_firms" if prog.channel == "money" else "budget_krw"
        need(
            getattr(prog, unused) == 0,
            f"programmes.{pid}.{unused}",
            f"must be 0 for channel {prog.channel!r} (a {prog.channel} programme uses "
            f"{'budget_krw' if prog.channel == 'money' else 'space_firms'})",
        )
    loc, ent = s.params.location, s.params.entry
    if loc.outside_share > 0 and ent.outside_rate > 0 and ent.outside_per_step == 0:
        why = "must be > 0 when params.location.outside_share > 0 (entry grows with a logit)"
        need(loc.temperature > 0, "params.location.temperature", why)
    if loc.preferences == "equilibrium":  # backing out amenities needs a logit and shares
        why = "must be > 0 when params.location.preferences = 'equilibrium'"
        need(loc.temperature > 0, "params.location.temperature", why)
        for rid, r in regions.items():
            need(
                r.firms_real > 0, f"regions.{rid}.firms_real", why + " (q_r is backed out from it)"
            )
        need(
            len(regions) <= len(location.PRIMES),
            "regions",
            f"at most {len(location.PRIMES)} regions with params.location.preferences = "
            "'equilibrium'",
        )
    return problems


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
