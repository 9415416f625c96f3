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

from abm import location, schema
from abm.errors import (
    MAX_NESTING,
    InputError,
    Problem,
    ScenarioError,
    check_nesting,
    check_path_text,
    read_toml_file,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PROJECT_ROOT / "scenarios"
MONTH_FIELDS = {
    "start",
    "end",
    "zone_since",
    "deadline",
    "build_start",
    "build_end",
    "need_growth_until",
    "need_reference",
    "designated",
    "free_until",
}
OPTIONAL_MONTHS = {"free_until"}  # may be empty: "never"
EARLIEST_START = "2015-01"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MAX_INHERIT = 16
ORIGIN_KEY = "origin"  # top-level key of a resolved scenario.toml: the file it came from


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: immutable, picklable, and the model's only input."""

    scenario: schema.Meta
    population: schema.Population
    params: schema.Params
    regions: dict[str, schema.Region]
    centers: dict[str, schema.Center]
    government: schema.Government
    districts: dict[str, schema.District] = dataclasses.field(default_factory=dict)
    source: str = ""  # the file it was loaded from (error messages name it)
    origin: str = ""  # the scenario file it comes from, as outputs name it (see origin_of)

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
        problems: list[Problem] = []
        scenario = _build_scenario(dict(data), source, problems)
        if problems:
            raise ScenarioError(problems)
        return dataclasses.replace(scenario, origin=origin or source)

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


def parse_month(text: str) -> dt.date:
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month 'YYYY-MM': {text!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def read_toml(path: Path) -> dict[str, Any]:
    """Read one TOML file, turning every failure into a ScenarioError naming the file."""
    try:
        return read_toml_file(path)
    except InputError as exc:
        raise ScenarioError([Problem(str(path), "", str(exc))]) from None


def _parent_path(current: Path, parent: Any) -> Path:
    """The file an ``inherit`` value names; a bad value names the file and field at fault."""
    if not isinstance(parent, str) or not parent.endswith(".toml"):
        raise ScenarioError(
            [Problem(str(current), "inherit", f"must be a .toml file name, got {_short(parent)}")]
        )
    try:
        check_path_text(parent)
    except InputError as exc:
        raise ScenarioError([Problem(str(current), "inherit", str(exc))]) from None
    return current.parent / parent


def load_raw(path: str | Path, without_layers: bool = False) -> dict[str, Any]:
    """The merged raw data of a scenario file and everything it inherits from.

    ``without_layers`` leaves out the inherited layers (``LAYERS``: the calibrated
    parameters), as a calibration must: it estimates afresh what the layer would set.
    """
    chain: list[Path] = []
    current = Path(path)
    data_chain: list[dict[str, Any]] = []
    pointer: tuple[Path, str] | None = None  # the file whose inherit names `current`
    while True:
        try:
            resolved = current.resolve()
        except (OSError, RuntimeError, ValueError) as exc:
            where = (
                Problem(str(pointer[0]), "inherit", f"{pointer[1]!r}: {exc}")
                if pointer
                else (Problem(str(path), "", f"cannot resolve the path: {exc}"))
            )
            raise ScenarioError([where]) from None
        if resolved in chain:
            raise ScenarioError([Problem(str(path), "inherit", f"inheritance loop via {current}")])
        if len(chain) >= _MAX_INHERIT:
            raise ScenarioError([Problem(str(path), "inherit", "inheritance deeper than 16 files")])
        chain.append(resolved)
        if pointer is None:
            data = read_toml(current)
        else:
            try:
                data = read_toml_file(current)
            except InputError as exc:
                raise ScenarioError(
                    [Problem(str(pointer[0]), "inherit", f"{pointer[1]!r} ({current}): {exc}")]
                ) from None
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
        raise ScenarioError(
            [Problem(str(path), ORIGIN_KEY, f"must be a file name, got {_short(origin)}")]
        )
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
            raise ScenarioError(
                [
                    Problem(
                        "--set",
                        "",
                        f"{_short(text)} is not a valid TOML array or table "
                        f"(nested at most {MAX_NESTING} levels)",
                    )
                ]
            ) from None
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


_ENTITY_TABLES = {"regions": "region", "centers": "center", "districts": "district"}
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
        if why is None and isinstance(_lookup(data, key), dict) and not isinstance(value, dict):
            why = f"is a section; set one of its fields, e.g. {key}.FIELD"
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
            if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
                node[parts[-1]] = _merge(node[parts[-1]], value)  # a table sets its fields
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


def _lookup(data: Mapping[str, Any], key: str) -> Any:
    """The value at a dotted key, or None."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _short(value: Any, limit: int = 80) -> str:
    """A value for a message, cut to ``limit`` characters (a fuzzer's 5,000-char key...)."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


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

_TOP = {
    "scenario": schema.Meta,
    "population": schema.Population,
    "params": schema.Params,
    "government": schema.Government,
}


def _build_scenario(data: dict[str, Any], source: str, problems: list[Problem]) -> Scenario:
    data.pop(ORIGIN_KEY, None)
    allowed = [*_TOP, "regions", "centers", "districts"]
    for key in data:
        if key not in allowed:
            problems.append(Problem(source, key, f"unknown section; allowed: {', '.join(allowed)}"))
    parts: dict[str, Any] = {}
    for key, cls in _TOP.items():
        parts[key] = _build(cls, data.get(key, {}), key, source, problems)
    parts["regions"] = _build_table(
        schema.Region, data.get("regions", {}), "regions", source, problems
    )
    parts["centers"] = _build_table(
        schema.Center, data.get("centers", {}), "centers", source, problems
    )
    parts["districts"] = _build_table(
        schema.District, data.get("districts", {}), "districts", source, problems
    )
    if not problems:
        _cross_check(parts, source, problems)
    if problems:
        return None  # type: ignore[return-value]
    return Scenario(**parts, source=source)


def _build_table(cls: type, raw: Any, path: str, source: str, problems: list[Problem]) -> dict:
    if not isinstance(raw, dict):
        problems.append(Problem(source, path, f"must be a table of {cls.__name__.lower()}s"))
        return {}
    out = {}
    for key, value in raw.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            problems.append(Problem(source, f"{path}.{key}", "id must be lower_snake_case"))
        out[key] = _build(cls, value, f"{path}.{key}", source, problems)
    return out


def _build(cls: type, raw: Any, path: str, source: str, problems: list[Problem]) -> Any:
    """Build dataclass ``cls`` from ``raw``, appending a Problem for each bad field."""
    if not isinstance(raw, dict):
        problems.append(Problem(source, path, f"must be a table, got {_kind(raw)}"))
        return cls()
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            problems.append(
                Problem(
                    source, f"{path}.{key}", f"unknown field; allowed: {', '.join(sorted(fields))}"
                )
            )
    values = {}
    for name, f in fields.items():
        if name not in raw:
            # defaults as a file's value would be: one type per field, whatever the source
            if hints[name] is float and type(f.default) is int:
                values[name] = float(f.default)
            elif dataclasses.is_dataclass(hints[name]):
                values[name] = _build(hints[name], {}, f"{path}.{name}", source, problems)
            continue
        values[name] = _convert(hints[name], f, raw[name], f"{path}.{name}", source, problems)
    try:
        return cls(**{k: v for k, v in values.items() if v is not _BAD})
    except TypeError as exc:  # pragma: no cover - defensive
        problems.append(Problem(source, path, str(exc)))
        return cls()


_BAD = object()


def _kind(value: Any) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _range_text(meta: Mapping[str, Any]) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    lo_t = "-inf" if lo is None else f"{lo:g}"
    hi_t = "inf" if hi is None else f"{hi:g}"
    return f"[{lo_t}, {hi_t}]"


def _convert(
    tp: Any, f: dataclasses.Field, value: Any, path: str, source: str, problems: list[Problem]
) -> Any:
    meta = f.metadata
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, path, source, problems)
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(Problem(source, path, f"must be true or false, got {value!r}"))
            return _BAD
        return value
    if tp in (int, float):
        ok_type = isinstance(value, (int, float)) and not isinstance(value, bool)
        if tp is int and ok_type and isinstance(value, float):
            ok_type = value.is_integer()
        if not ok_type or (isinstance(value, float) and math.isnan(value)):
            what = "an integer" if tp is int else "a number"
            problems.append(
                Problem(source, path, f"must be {what} in {_range_text(meta)}, got {value!r}")
            )
            return _BAD
        lo, hi = meta.get("lo"), meta.get("hi")
        infinite = isinstance(value, float) and math.isinf(value)
        if (
            (lo is not None and value < lo)
            or (hi is not None and value > hi)
            or (infinite and hi is not None)
        ):
            problems.append(Problem(source, path, f"must be in {_range_text(meta)}, got {value!r}"))
            return _BAD
        return tp(value) if not infinite else value
    if tp is str:
        if isinstance(value, dt.date) and path.rsplit(".", 1)[-1] in MONTH_FIELDS:
            value = f"{value.year:04d}-{value.month:02d}"
        if not isinstance(value, str):
            problems.append(Problem(source, path, f"must be a string, got {_kind(value)}"))
            return _BAD
        choices = meta.get("choices")
        if choices and value not in choices:
            problems.append(
                Problem(source, path, f"must be one of {', '.join(choices)}; got {value!r}")
            )
            return _BAD
        name = path.rsplit(".", 1)[-1]
        if name in MONTH_FIELDS and not (name in OPTIONAL_MONTHS and value == ""):
            try:
                parse_month(value)
            except ValueError:
                problems.append(Problem(source, path, f"must be a month 'YYYY-MM', got {value!r}"))
                return _BAD
        return value
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            problems.append(Problem(source, path, "must be a table of strings"))
            return _BAD
        return dict(value)
    if origin is tuple:
        item_tp = typing.get_args(tp)[0]
        if not isinstance(value, list):
            problems.append(Problem(source, path, f"must be an array, got {_kind(value)}"))
            return _BAD
        if isinstance(item_tp, type) and dataclasses.is_dataclass(item_tp):
            return tuple(
                _build(item_tp, v, f"{path}[{i}]", source, problems) for i, v in enumerate(value)
            )
        return _schedule(value, path, source, problems)
    raise TypeError(f"unsupported schema type {tp} at {path}")  # pragma: no cover


def _schedule(value: list, path: str, source: str, problems: list[Problem]) -> Any:
    """A capacity schedule: ``[["YYYY-MM", GPUs], ...]`` with months increasing and GPUs
    within the schema's range of ``Center.capacity``."""
    bounds = schema.Center.__dataclass_fields__["capacity"].metadata
    hi = bounds.get("hi", math.inf)
    out = []
    for i, point in enumerate(value):
        month = point[0] if isinstance(point, list) and len(point) == 2 else None
        if isinstance(month, dt.date):
            month = f"{month.year:04d}-{month.month:02d}"
        gpus = point[1] if isinstance(point, list) and len(point) == 2 else None
        ok = (
            isinstance(month, str)
            and _MONTH.match(month)
            and isinstance(gpus, (int, float))
            and not isinstance(gpus, bool)
            and math.isfinite(gpus)
            and 0 <= gpus <= hi
        )
        if not ok:
            problems.append(
                Problem(
                    source,
                    f"{path}[{i}]",
                    f'must be ["YYYY-MM", GPUs in [0, {hi:g}]], got {point!r}',
                )
            )
            return _BAD
        assert isinstance(month, str) and isinstance(gpus, int | float)  # ok says so
        out.append((month, float(gpus)))
    if [m for m, _ in out] != sorted({m for m, _ in out}):
        problems.append(Problem(source, path, "months must be strictly increasing"))
        return _BAD
    return tuple(out)


def _check_history_end(meta: schema.Meta, source: str, problems: list[Problem]) -> None:
    """``history_end``, when given, is a month from the start month on."""
    if not meta.history_end:
        return
    try:
        end = parse_month(meta.history_end)
    except (ValueError, TypeError):
        problems.append(
            Problem(source, "scenario.history_end", f"expected YYYY-MM, got {meta.history_end!r}")
        )
        return
    if end < parse_month(meta.start):
        problems.append(
            Problem(source, "scenario.history_end", f"must not be before start ({meta.start})")
        )


def _cross_check(parts: dict[str, Any], source: str, problems: list[Problem]) -> None:
    regions: dict[str, schema.Region] = parts["regions"]
    if not regions:
        problems.append(Problem(source, "regions", "at least one region is required"))
        return
    if parse_month(parts["scenario"].start) < parse_month(EARLIEST_START):
        problems.append(
            Problem(source, "scenario.start", f"must be {EARLIEST_START} or later (data start)")
        )
    _check_history_end(parts["scenario"], source, problems)
    districts: dict[str, schema.District] = parts["districts"]
    for did, d in districts.items():
        if d.region not in regions:
            problems.append(
                Problem(
                    source,
                    f"districts.{did}.region",
                    f"must be a region id ({', '.join(regions)}), got {d.region!r}",
                )
            )
        elif d.firms_real > regions[d.region].firms_real:
            problems.append(
                Problem(
                    source,
                    f"districts.{did}.firms_real",
                    f"must be <= its region's firms_real ({regions[d.region].firms_real:g})",
                )
            )
    capitals = [rid for rid, r in regions.items() if r.capital]
    if len(capitals) > 1:
        problems.append(Problem(source, "regions", f"at most one capital region, got {capitals}"))
    for cid, c in parts["centers"].items():
        if c.site not in regions:
            problems.append(
                Problem(
                    source,
                    f"centers.{cid}.site",
                    f"must be a region id ({', '.join(regions)}), got {c.site!r}",
                )
            )
        if parse_month(c.build_end) < parse_month(c.build_start):
            problems.append(Problem(source, f"centers.{cid}.build_end", "is before build_start"))
        if c.district and (c.district not in districts or districts[c.district].region != c.site):
            known = ", ".join(k for k, d in districts.items() if d.region == c.site) or "none"
            problems.append(
                Problem(
                    source,
                    f"centers.{cid}.district",
                    f"must be empty or a district of region {c.site!r} ({known}), "
                    f"got {c.district!r}",
                )
            )
    for i, p in enumerate(parts["government"].central.programs):
        if p.region and p.region not in regions:
            problems.append(
                Problem(
                    source,
                    f"government.central.programs[{i}].region",
                    f"must be empty or a region id ({', '.join(regions)}), got {p.region!r}",
                )
            )
        if parse_month(p.end) < parse_month(p.start):
            problems.append(
                Problem(source, f"government.central.programs[{i}].end", "is before start")
            )
    for rid, r in regions.items():
        inc = r.incentives
        if inc.status_quo_rate > inc.subsidy_rate_max:
            problems.append(
                Problem(
                    source,
                    f"regions.{rid}.incentives.status_quo_rate",
                    f"must be <= subsidy_rate_max ({inc.subsidy_rate_max:g})",
                )
            )
        if inc.subsidy_rate > inc.subsidy_rate_max:
            problems.append(
                Problem(
                    source,
                    f"regions.{rid}.incentives.subsidy_rate",
                    f"must be <= subsidy_rate_max ({inc.subsidy_rate_max:g})",
                )
            )
    _check_equilibrium(parts["params"].location, regions, source, problems)
    talent = parts["params"].talent
    if talent.retention_min > talent.retention_max:
        problems.append(
            Problem(source, "params.talent.retention_min", "must be <= params.talent.retention_max")
        )


def _check_equilibrium(
    loc: schema.Location, regions: dict[str, schema.Region], source: str, problems: list[Problem]
) -> None:
    """Backing out the amenities needs a logit (temperature > 0) and a share for every region."""
    if loc.preferences != "equilibrium":
        return
    why = "must be > 0 when params.location.preferences = 'equilibrium'"
    if loc.temperature <= 0:
        problems.append(Problem(source, "params.location.temperature", why))
    for rid, r in regions.items():
        if r.firms_real <= 0:
            problems.append(
                Problem(source, f"regions.{rid}.firms_real", why + " (q_r is backed out from it)")
            )
    if len(regions) > len(location.PRIMES):
        problems.append(
            Problem(
                source,
                "regions",
                f"at most {len(location.PRIMES)} regions with "
                "params.location.preferences = 'equilibrium'",
            )
        )


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
