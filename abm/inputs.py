"""The declarative input layer: fields declared once, checked by cattrs, told in one line each.

Every input the tools read (scenario files, sweep, decision and calibration specs, targets
and priors) is a tree of frozen dataclasses whose fields are declared with :func:`param`:
default, one-line doc, allowed range or choices, unit and source. From those declarations
alone this module builds a `cattrs <https://catt.rs>`_ converter that turns TOML data into
the dataclasses, checking every field, and :func:`structure` turns whatever it refused
into one :class:`~abm.errors.Problem` per field: the file, the dotted field and what is
allowed. Adding a field or a table is one declaration; nothing here changes.

Why cattrs (with attrs, already installed) rather than pydantic: cattrs structures the
standard-library dataclasses the model, the app and ``dataclasses.replace`` already use, so
the schema stays one table of ``param(...)`` fields, read as they are by ``abm.paramtable``
and the app's controls; pydantic reads constraints only from annotations or its own
classes. Import cost measured for ``abm run`` (the start-up that matters): cattrs ~80 ms of
CPU, pydantic ~160 ms plus ~75 ms to build the schema's validators (docs/extending.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import operator
import re
import types
import typing
from collections.abc import Callable, Mapping
from functools import partial
from typing import Annotated, Any, NewType

from abm.errors import Problem

ASSUMPTION = "assumption (not sourced; sweep it)"

Month = NewType("Month", str)  # "YYYY-MM"
MonthOrNever = NewType("MonthOrNever", str)  # "YYYY-MM", or "" for never / none
Schedule = NewType("Schedule", tuple)  # [["YYYY-MM", value], ...], months increasing
Name = Annotated[str, "a non-empty string"]
Path_ = Annotated[str, "a file name"]  # checked for what no file system call takes
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclasses.dataclass(frozen=True)
class Pattern:
    """The form of a string field, declared in its type: ``Annotated[str, Pattern(...)]``
    (``regex`` matched whole; ``what`` says it in a message)."""

    regex: str
    what: str


def param(
    default: Any = dataclasses.MISSING,
    doc: str = "",
    *,
    lo: float | None = None,
    hi: float | None = None,
    above: bool = False,
    choices: tuple[str, ...] | None = None,
    source: str = ASSUMPTION,
    unit: str = "",
    starts: bool = False,
    dated_by: str = "",
    refers: str = "",
    or_empty: bool = False,
    within: str = "",
    after: str = "",
    at_most: str = "",
) -> Any:
    """A declared field: default (none: required), one-line doc, allowed range ``[lo, hi]``
    (``above``: ``lo`` itself excluded) or ``choices``, unit and source.

    What it must agree with (checked by :mod:`abm.scenario` once the whole file is read):
    ``refers`` names the scenario's table the value is an id of (``"regions"``; ``or_empty``:
    or ""), ``within`` the sibling naming the region such a district must lie in,
    ``after`` the sibling month this month must not precede, and ``at_most`` the sibling
    number this one must not exceed.

    When it acts (read by :mod:`abm.branching`, which finds the month two scenarios first
    differ): ``starts`` on a month (or a schedule's first month) says no rule reads
    anything of its table before it; ``dated_by`` names the sibling month from which this
    field alone acts. A field with neither acts from the first month."""
    meta = {"doc": doc, "lo": lo, "hi": hi, "above": above, "choices": choices}
    meta |= {"source": source, "unit": unit, "starts": starts, "dated_by": dated_by}
    meta |= {"refers": refers, "or_empty": or_empty, "within": within, "after": after}
    meta |= {"at_most": at_most}
    if isinstance(default, (list, dict, tuple)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def section(cls: type, doc: str) -> Any:
    """A nested table with its own defaults."""
    return dataclasses.field(default_factory=cls, metadata={"doc": doc, "section": True})


def parse_month(text: str) -> dt.date:
    """The first day of a month written ``"YYYY-MM"``; ValueError otherwise."""
    m = MONTH_PATTERN.match(text) if isinstance(text, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month 'YYYY-MM': {text!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def type_text(tp: Any) -> str:
    """How a declared type reads in the docs' tables."""
    names = {Month: "YYYY-MM", MonthOrNever: "YYYY-MM or empty", Name: "str", Path_: "file"}
    return str(names.get(tp) or getattr(tp, "__name__", tp))


# --------------------------------------------------------------------------- messages


class Invalid(ValueError):
    """A value a declared field refuses: ``message`` says what is allowed, ``at`` the part
    of the value at fault (e.g. ``[2]``, ``.key``) when not the field itself."""

    def __init__(self, message: str, at: str = ""):
        super().__init__(message)
        self.message, self.at = message, at


def short(value: Any, limit: int = 80) -> str:
    """A value for a message, cut to ``limit`` characters (a fuzzer's 5,000-char key...)."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def kind(value: Any) -> str:
    return {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def one_of(choices: tuple[str, ...]) -> str:
    return " or ".join(choices) if len(choices) == 2 else f"one of {', '.join(choices)}"


@dataclasses.dataclass(frozen=True)
class Wording:
    """How a refused value is told: scenario files say what a field *must be*, specs say
    which value *is not allowed*. One place for both, so every message has the same parts."""

    spec: bool

    def refuse(self, value: Any, allowed: str) -> Invalid:
        if self.spec:
            return Invalid(f"{short(repr(value))} is not allowed; expected {allowed}")
        return Invalid(f"must be {allowed}, got {short(repr(value))}")

    def number(self, value: Any, integer: bool, meta: Mapping[str, Any]) -> Invalid:
        lo, hi, above = meta.get("lo"), meta.get("hi"), meta.get("above")
        what = "an integer" if integer else "a number"
        span = f"{'(' if above else '['}{_g(lo, '-inf')}, {_g(hi, 'inf')}]"
        if self.spec:  # a count says its least (or its most); a share says its range
            if integer and hi is not None and is_number(value) and value > hi:
                return Invalid(f"{value:,} is too large; at most {hi:,}")
            if lo is None and hi is None:
                return self.refuse(value, what)
            least = f"{what} {'>' if above else '>='} {_g(lo, '-inf')}"
            return self.refuse(value, least if hi is None or integer else f"{what} in {span}")
        fraction = isinstance(value, float) and not value.is_integer()  # (NaN, inf too)
        if is_number(value) and value == value and not (integer and fraction):
            return Invalid(f"must be in {span}, got {short(repr(value))}")
        return self.refuse(value, f"{what} in {span}")


def _g(x: float | None, none: str) -> str:
    return none if x is None else f"{x:g}"


def is_number(value: Any) -> bool:
    """An int or float, not a bool (TOML's ``true`` is no number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


# --------------------------------------------------------------------------- field checks


def _number(integer: bool, meta: Mapping[str, Any], say: Wording) -> Callable[[Any, Any], Any]:
    lo, hi, above = meta.get("lo"), meta.get("hi"), meta.get("above")

    def check(value: Any, _: Any) -> Any:
        ok = is_number(value)
        if ok and isinstance(value, float):  # NaN never; inf only without an upper bound
            ok = (value.is_integer() or not integer) and (
                math.isfinite(value) or (hi is None and value > 0 and not integer)
            )
        low_ok = ok and (lo is None or (value > lo if above else value >= lo))
        if not ok or not low_ok or (hi is not None and value > hi):
            raise say.number(value, integer, meta)
        try:
            return int(value) if integer else float(value)
        except OverflowError:  # an integer beyond any float
            raise say.number(value, integer, meta) from None

    return check


def _boolean(say: Wording) -> Callable[[Any, Any], bool]:
    def check(value: Any, _: Any) -> bool:
        if not isinstance(value, bool):
            raise say.refuse(value, "true or false")
        return value

    return check


def _string(meta: Mapping[str, Any], say: Wording, nonempty: bool = False) -> Callable:
    choices = meta.get("choices")

    def check(value: Any, _: Any) -> str:
        if choices and value not in choices:
            raise say.refuse(value, one_of(choices))
        if not isinstance(value, str) or (nonempty and not value):
            what = "a non-empty string" if nonempty else "a string"
            raise Invalid(f"expected {what}" if say.spec else f"must be {what}, got {kind(value)}")
        return value

    return check


def _formed(form: Pattern, say: Wording) -> Callable[[Any, Any], str]:
    def check(value: Any, _: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(form.regex, value):
            raise say.refuse(value, form.what)
        return value

    return check


def _path() -> Callable[[Any, Any], str]:
    from abm.errors import InputError, check_path_text

    def check(value: Any, _: Any) -> str:
        if not isinstance(value, str) or not value:
            raise Invalid("expected a path to a file")
        try:
            check_path_text(value)
        except InputError as exc:
            raise Invalid(str(exc)) from None
        return value

    return check


def _month(optional: bool) -> Callable[[Any, Any], str]:
    def check(value: Any, _: Any) -> str:
        if isinstance(value, dt.date):  # TOML's bare dates: the month they fall in
            value = f"{value.year:04d}-{value.month:02d}"
        if optional and value == "":
            return value
        try:
            parse_month(value)
        except ValueError:
            raise Invalid(f"expected YYYY-MM (a month), got {short(repr(value))}") from None
        return value

    return check


def _table_of_strings(value: Any, _: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise Invalid("must be a table of strings")
    return dict(value)


def _schedule(meta: Mapping[str, Any]) -> Callable[[Any, Any], tuple]:
    hi = meta.get("hi") or math.inf
    what = meta.get("unit") or "GPUs"  # the capacity schedules' (they declare no unit)
    month = _month(False)

    def check(value: Any, _: Any) -> tuple:
        if not isinstance(value, list):
            raise Invalid(f"must be an array, got {kind(value)}")
        out = []
        for i, point in enumerate(value):
            try:
                ok = isinstance(point, list) and len(point) == 2
                m, gpus = (month(point[0], None), point[1]) if ok else ("", math.nan)
                ok = ok and is_number(gpus) and 0 <= gpus <= hi and math.isfinite(gpus)
            except Invalid:
                ok = False
            if not ok:
                got = short(repr(point), 200)
                raise Invalid(f'must be ["YYYY-MM", {what} in [0, {hi:g}]], got {got}', f"[{i}]")
            out.append((m, float(gpus)))
        if [m for m, _ in out] != sorted({m for m, _ in out}):
            raise Invalid("months must be strictly increasing")
        return tuple(out)

    return check


# --------------------------------------------------------------------------- the converter


@functools.cache
def converter(spec: bool = False) -> Any:
    """The cattrs converter for declared dataclasses (``spec``: the specs' wording)."""
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    conv = cattrs.Converter(forbid_extra_keys=True)
    say = Wording(spec)

    def hook(tp: Any, meta: Mapping[str, Any]) -> Any:
        """The check of one declared field, from its type and its declaration."""
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            if len(args) != 1:
                return None
            inner = hook(args[0], meta) or (lambda v, t: conv.structure(v, args[0]))
            return lambda v, t: None if v is None else inner(v, t)
        form = [m for m in getattr(tp, "__metadata__", ()) if isinstance(m, Pattern)]
        if form:
            return _formed(form[0], say)
        simple = {
            bool: lambda: _boolean(say),
            int: lambda: _number(True, meta, say),
            float: lambda: _number(False, meta, say),
            str: lambda: _string(meta, say),
            Name: lambda: _string(meta, say, nonempty=True),
            Path_: _path,
            Month: lambda: _month(False),
            MonthOrNever: lambda: _month(True),
            Schedule: lambda: _schedule(meta),
        }
        if tp in simple:
            return simple[tp]()
        if typing.get_origin(tp) is dict and args == [str, str]:
            return _table_of_strings
        return None  # dataclasses, tuples and tables of them: the converter's own hooks

    def dataclass_hook(cls: type) -> Callable[[Any, Any], Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        overrides = {}
        for f in dataclasses.fields(cls):
            if f.metadata.get("derived"):  # set by the reader, not read from the file
                overrides[f.name] = override(omit=True)
                continue
            check = hook(hints[f.name], f.metadata)
            if check is not None:
                overrides[f.name] = override(struct_hook=check)
        inner: Any = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True, **overrides)  # type: ignore[arg-type]

        def structure(value: Any, _: Any) -> Any:
            if not isinstance(value, dict):
                raise Invalid(f"must be a table, got {kind(value)}")
            return inner(value, cls)

        return structure

    def array_hook(tp: Any) -> Callable[[Any, Any], Any]:
        (item,) = typing.get_args(tp)[:1]

        def structure(value: Any, _: Any) -> tuple:
            if not isinstance(value, list):
                raise Invalid(f"must be an array, got {kind(value)}")
            return _each(enumerate(value), lambda v: conv.structure(v, item), tuple, "[{}]")

        return structure

    def table_hook(tp: Any) -> Callable[[Any, Any], Any]:
        item = typing.get_args(tp)[1]

        def structure(value: Any, _: Any) -> dict:
            if not isinstance(value, dict):
                raise Invalid(f"must be a table of {item.__name__.lower()}s")
            bad = [k for k in value if not re.fullmatch(r"[a-z][a-z0-9_]*", k)]
            if bad:
                lower = [Invalid("id must be lower_snake_case", f".{k}") for k in bad]
                raise ExceptionGroup("ids", lower)
            return _each(value.items(), lambda v: conv.structure(v, item), dict, ".{}")

        return structure

    def is_array(tp: Any) -> bool:
        args = typing.get_args(tp)
        return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis

    def is_table(tp: Any) -> bool:
        args = typing.get_args(tp)
        return (
            typing.get_origin(tp) is dict and len(args) == 2 and dataclasses.is_dataclass(args[1])
        )

    for tp in (bool, int, float, str, Name, Path_, Month, MonthOrNever):  # items of arrays
        conv.register_structure_hook_func(partial(operator.eq, tp), hook(tp, {}))
    conv.register_structure_hook_factory(dataclasses.is_dataclass, dataclass_hook)
    conv.register_structure_hook_factory(is_array, array_hook)
    conv.register_structure_hook_factory(is_table, table_hook)
    return conv


def _each(items: Any, build: Callable[[Any], Any], into: type, at: str) -> Any:
    """Build every item, collecting the failures of all of them (each marked with where)."""
    out, errors = [], []
    for key, value in items:
        try:
            out.append((key, build(value)))
        except Exception as exc:  # reported with its place; nothing escapes as a crash
            exc.add_note(_Where(at.format(key)))
            errors.append(exc)
    if errors:
        raise ExceptionGroup("items", errors)
    return into(out) if into is dict else into(v for _, v in out)


class _Where(str):
    """A note saying which item of an array or table an error belongs to."""


# --------------------------------------------------------------------------- the formatter


def structure(
    data: Any, cls: type, source: str, prefix: str = "", spec: bool = False
) -> tuple[Any, list[Problem]]:
    """``data`` as a ``cls`` and no problems, or None and one Problem per field at fault
    (``prefix``: the dotted place of ``data`` in its file, e.g. ``"sweep"``)."""
    try:
        return converter(spec).structure(data, cls), []
    except Exception as exc:  # every refusal becomes a line; see problems_of
        return None, problems_of(exc, source, prefix)


def problems_of(exc: BaseException, source: str, prefix: str = "") -> list[Problem]:
    """One Problem per leaf of a cattrs error tree, its field the dotted path to it."""
    from cattrs.errors import ForbiddenExtraKeysError

    out: list[Problem] = []

    def walk(e: BaseException, path: str) -> None:
        for note in getattr(e, "__notes__", ()):
            name = getattr(note, "name", None)
            index = getattr(note, "index", None)
            if name is not None:
                path = f"{path}.{name}"
            elif isinstance(note, _Where):
                path = f"{path}{note}"
            elif index is not None:
                path = f"{path}[{index}]" if isinstance(index, int) else f"{path}.{index}"
        if isinstance(e, ForbiddenExtraKeysError):
            names = [f.name for f in dataclasses.fields(e.cl) if not f.metadata.get("derived")]
            allowed = ", ".join(names if not path else sorted(names))
            for key in sorted(e.extra_fields):
                out.append(Problem(source, _field(f"{path}.{short(key)}"), _unknown(path, allowed)))
        elif isinstance(e, BaseExceptionGroup):
            for sub in e.exceptions:
                walk(sub, path)
        elif isinstance(e, Invalid):
            out.append(Problem(source, _field(path + e.at), e.message))
        elif isinstance(e, KeyError):
            out.append(Problem(source, _field(path), "missing"))
        else:  # a check that failed in a way no declaration foresaw: still one line
            out.append(Problem(source, _field(path), f"not allowed ({type(e).__name__})"))

    walk(exc, f".{prefix}" if prefix else "")
    return out


def _field(path: str) -> str:
    return path.lstrip(".")


def _unknown(path: str, allowed: str) -> str:
    return f"unknown {'field' if path else 'section'}; allowed: {allowed}"
