"""What the sweep, calibration and decision spec readers share: one reader of the file, its
sections as declared dataclasses (checked by :mod:`abm.inputs`), the files it names, the
model it may import, and the trial of its values on the base scenario.

Each reader declares its sections and keeps its own rules between fields; everything else
is written once here, so that a spec of one kind is refused the way a spec of another is.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from abm import inputs
from abm.errors import InputError, Problem, ScenarioError, UsageError, read_input_text
from abm.errors import parse_toml_text as _parse

# A spec naming a model names code that runs (it is imported when the spec is read): only
# the project's own models (the real model, the sweep's test toy, and the adapters through
# which decisions and calibrations run on the sweep engine), those Python code trusted
# (:func:`trust_model`), or any with ``--allow-model-import``.
DEFAULT_MODEL = "abm"
PROJECT_MODELS = (DEFAULT_MODEL, "abm.sweep.toy", "abm.decide.model", "abm.calibrate.simmodel")
_TRUSTED = set(PROJECT_MODELS)
MAX_KEY_CHARS = 200  # a module name or a parameter's dotted key
RESERVED = ("scenario.seed", "scenario.steps")  # every spec sets these in a field of its own


_ALLOWED = contextvars.ContextVar("model_imports_allowed", default=False)


@contextlib.contextmanager
def model_imports(allowed: bool) -> Iterator[None]:
    """Specs read inside may import any model they name (``--allow-model-import``)."""
    token = _ALLOWED.set(allowed)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def trust_model(name: str) -> None:
    """Let specs name module ``name`` without ``--allow-model-import``. For Python code (a
    notebook, a test suite) that brings its own model: only code can call this, never a spec."""
    _TRUSTED.add(name)


def _table(value: Any) -> bool:
    return isinstance(value, dict)


def digest(identity: Any) -> str:
    """The short digest of what decides a batch's results (guards ``--resume``)."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checker:
    """Collects the problems of one spec so that one pass reports all of them."""

    def __init__(self, source: str, here: Path | None = None):
        self.source = source
        self.here = here or Path.cwd()
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, field, message))

    def problems_in(self, prefix: str) -> bool:
        """Whether a problem was found at ``prefix`` or inside it."""
        return any(
            p.field == prefix or p.field.startswith((f"{prefix}.", f"{prefix}["))
            for p in self.problems
        )

    def declared(self, data: Mapping[str, Any], sections: Mapping[str, Any]) -> dict[str, Any]:
        """The sections of a spec, each a declared dataclass (a list of them for a list of
        classes: ``[[tables]]``; None: the raw table), every refused field reported once.
        A refused field takes its declared default, and a section missing or not a table
        is all defaults (``{}`` / ``[]``), so later rules still run."""
        for name in data:
            if name not in sections:
                self.add(name, f"unknown section; allowed: {', '.join(sections)}")
        out: dict[str, Any] = {}
        for name, cls in sections.items():
            value = data.get(name)
            if isinstance(cls, list):
                listed = value if isinstance(value, list) else []
                if value is not None and (listed is not value or not all(map(_table, listed))):
                    self.add(name, f"expected [[{name}]] tables")
                tables = [v for v in listed if _table(v)]
                out[name] = [self.table(cls[0], t, f"{name}[{i}]") for i, t in enumerate(tables)]
            else:
                if value is not None and not isinstance(value, dict):
                    self.add(name, "expected a table")
                table = value if isinstance(value, dict) else {}
                out[name] = table if cls is None else self.table(cls, table, name)
        return out

    def table(self, cls: type, table: Mapping[str, Any], where: str) -> Any:
        """``table`` as a ``cls``, its refused fields reported and left at their defaults."""
        obj, problems = inputs.structure(dict(table), cls, self.source, where, spec=True)
        if not problems:
            return obj
        self.problems += problems
        bad = {p.field[len(where) + 1 :].split(".")[0].split("[")[0] for p in problems}
        obj, _ = inputs.structure(
            {k: v for k, v in table.items() if k not in bad}, cls, self.source, where, spec=True
        )
        return obj

    def name(self, given: str | None, kind: str) -> str:
        """The spec's name: as given, else its file's (a spec given as a dict: ``kind``)."""
        return given or (Path(self.source).stem if self.source != "<spec>" else kind)

    def required(self, field: str, value: Any, what: str) -> None:
        """``field`` is missing (None), unless refused already: ``missing; give WHAT``."""
        if value is None and not self.problems_in(field):
            self.add(field, f"missing; give {what}")

    # ------------------------------------------------------------------ what specs name
    def model(self, field: str, name: str, allow: bool) -> Any:
        """The model a spec names, imported only if the project's, trusted, or ``allow``ed;
        the refusal comes before any import (a module runs its code when imported). None
        with a problem (or when the field itself was refused)."""
        from abm.sweep.model import load_model

        if self.problems_in(field):
            return None
        if len(name) > MAX_KEY_CHARS:
            self.add(field, "expected a module name")
        elif name not in _TRUSTED and not (allow or _ALLOWED.get()):
            self.add(
                field,
                f"{inputs.short(repr(name))} is not one of the project's models "
                f"({', '.join(PROJECT_MODELS)}); a spec naming another module runs its code, "
                "so allow it with --allow-model-import (allow_model_import=True)",
            )
        else:
            try:
                return load_model(name)
            except Exception as exc:  # a plug-in model may fail to import in any way
                why = inputs.short(str(exc), 200)
                self.add(field, f"cannot import {inputs.short(repr(name))}: {why}")
        return None

    def file(
        self, field: str, raw: str | None, accept: Callable[[Path], bool] = Path.exists
    ) -> Path | None:
        """The file a spec names (see :func:`find_file`), or None with a problem."""
        if raw is None:
            return None
        found = find_file(raw, self.here, accept)
        if found is None:
            self.add(field, f"{inputs.short(raw)}: not found next to the spec or in the project")
        return found

    def scenario(self, field: str, path: Path | None, load: Callable[[Path], Any]) -> Any:
        """The scenario a spec names, loaded; its problems named under ``field``."""
        if path is None:
            return None
        try:
            return load(path)
        except ScenarioError as exc:
            for p in exc.problems:
                self.add(field, str(p))
        except (RecursionError, MemoryError, OSError) as exc:  # a plug-in model's loader
            self.add(field, f"cannot load {inputs.short(str(path))}: {type(exc).__name__}")
        return None

    def override(
        self, scenario: Any, key: str, value: Any, field: str, before: str = "", after: str = ""
    ) -> Any:
        """``scenario`` with ``key`` set to ``value``, or None and one problem under the spec's
        ``field``: the scenario's own reasons (each naming its key unless it is ``key``)."""
        try:
            return scenario.with_overrides({key: value})
        except ScenarioError as exc:
            why = "; ".join(
                ("" if p.field in ("", key) else f"{p.field}: ") + p.message for p in exc.problems
            )
            self.add(field, before + why + after)
        return None

    def overrides(self, table: Any, field: str, reserved: str) -> dict[str, Any]:
        """A table of overrides of the base scenario (``{ "centers.nacc.site" = "daegu" }``,
        nested tables alike) as dotted keys; the keys the spec sets elsewhere (the seed, the
        run length: ``reserved`` says where) and values no scenario holds are refused."""
        if not isinstance(table, dict):
            self.add(
                field, 'expected a table of dotted keys, e.g. { "centers.nacc.site" = "daegu" }'
            )
            return {}
        flat = flatten(table)
        for key, value in list(flat.items()):
            if key in RESERVED:
                self.add(f"{field}.{key}", reserved)
            elif not isinstance(value, str | bool | int | float | list):
                self.add(
                    f"{field}.{key}",
                    f"{inputs.short(repr(value))} is not allowed; expected a value",
                )
            else:
                continue
            flat.pop(key)
        return flat

    def apply(self, scenario: Any, overrides: Mapping[str, Any], field: str) -> Any:
        """``scenario`` with ``overrides``, or None with its reasons under ``field`` (a key's
        own under ``field.key``)."""
        try:
            return scenario.with_overrides(overrides) if overrides else scenario
        except ScenarioError as exc:
            for p in exc.problems:
                if p.field in overrides:
                    self.add(f"{field}.{p.field}", p.message)
                else:
                    self.add(field, f"{p.field}: {p.message}" if p.field else p.message)
        return None

    def trial(
        self, scenario: Any, trials: Iterable[tuple[str, str, Any]], suffix: str = ""
    ) -> None:
        """Apply each (field, key, value) to ``scenario`` so that its own validation names
        bad keys and values, under the spec's field (once per field)."""
        reported: set[str] = set()
        for field, key, value in trials:
            if (
                field not in reported
                and self.override(scenario, key, value, field, "", suffix) is None
            ):
                reported.add(field)


def read_spec(
    path: Path, what: str, error: type[ScenarioError], unreadable: str | None = "the spec"
) -> tuple[dict[str, Any], str]:
    """(the TOML tables, the text) of a spec file: a regular file of at most 4 MiB (a FIFO
    is refused, not waited on). A missing or unreadable file is a UsageError (``PATH: no
    such WHAT``, ``PATH: cannot read UNREADABLE: why``); invalid TOML is ``error``."""
    try:
        text = read_input_text(path)
    except InputError as exc:
        if unreadable is None:  # the sweep's wording: the reason, as a problem of the file
            raise error([Problem(str(path), "", str(exc))]) from None
        if str(exc) == "file not found":
            raise UsageError(f"{path}: no such {what}") from None
        raise UsageError(f"{path}: cannot read {unreadable}: {exc}") from None
    try:
        return _parse(text), text
    except InputError as exc:
        raise error([Problem(str(path), "", str(exc))]) from None


def load_spec_data(
    spec: str | Path | Mapping[str, Any],
    what: str,
    error: type[ScenarioError],
    unreadable: str | None = "the spec",
) -> tuple[dict[str, Any], str, Path, str | None]:
    """(data, source, folder its paths are relative to, text) of a spec given as a file or
    a dict (``"<spec>"``, paths relative to the working folder)."""
    if isinstance(spec, Mapping):
        return dict(spec), "<spec>", Path.cwd(), None
    path = Path(spec)
    data, text = read_spec(path, what, error, unreadable)
    return data, str(path), path.resolve().parent, text


def find_file(raw: str, here: Path, accept: Callable[[Path], bool] = Path.exists) -> Path | None:
    """A file a spec names: next to the spec first, then at the project root (the folder with
    pyproject.toml), then the working folder; absolute paths as they are. ``accept`` says
    what counts as found (``Path.is_file`` for a file that must be one); a path the file
    system refuses (too long a name) is not found."""

    def ok(candidate: Path) -> bool:
        try:
            return accept(candidate)
        except (OSError, ValueError):
            return False

    path = Path(raw)
    if path.is_absolute():
        return path if ok(path) else None
    candidates = [here / path]
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            candidates.append(folder / path)
            break
    candidates.append(Path.cwd() / path)
    return next((c.resolve() for c in candidates if ok(c)), None)


def flatten(
    table: Mapping[str, Any],
    is_leaf: Callable[[Mapping[str, Any]], Any] = lambda value: False,
    prefix: str = "",
) -> dict[str, Any]:
    """Quoted dotted keys and nested tables alike become dotted keys; a nested table for
    which ``is_leaf`` is true (e.g. ``{ low = 0, high = 1 }``) is a value, not a level."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and not is_leaf(value):
            out.update(flatten(value, is_leaf, dotted + "."))
        else:
            out[dotted] = value
    return out
