"""What the sweep, calibration and decision spec readers share: reading the TOML file,
checking its sections and fields, finding the files it names, flattening dotted keys.

Each reader keeps its own messages (what the file is called, which sections it has); the
checks themselves are written once here, so that a spec of one kind is refused the way a
spec of another kind is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from abm.errors import Problem, ScenarioError, UsageError


def is_number(value: Any) -> bool:
    """An int or float, not a bool (TOML's ``true`` is no number)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


class Checker:
    """Collects the problems of one spec so that one pass reports all of them."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, field, message))

    def integer(self, table: dict, section: str, key: str, default: int, low: int) -> int:
        """``table[key]`` (or ``default``): an integer of at least ``low``."""
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            self.add(f"{section}.{key}", f"{value!r} is not allowed; expected an integer >= {low}")
            return default
        return value

    def fields(self, table: Mapping[str, Any], where: str, allowed: set[str] | None) -> None:
        """One problem per key of ``table`` not in ``allowed`` (None: any key)."""
        if allowed is None:
            return
        for key in table:
            if key not in allowed:
                self.add(f"{where}.{key}", f"unknown field; allowed: {', '.join(sorted(allowed))}")

    def sections(
        self,
        data: Mapping[str, Any],
        allowed: Mapping[str, set[str] | None],
        arrays: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        """Each known section of ``data`` (a table, or for ``arrays`` a list of ``[[tables]]``,
        ``{}`` / ``[]`` when missing or malformed), with its unknown sections and fields
        reported."""
        for section, value in data.items():
            if section not in allowed:
                self.add(section, f"unknown section; allowed: {', '.join(allowed)}")
            elif section in arrays:
                if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                    self.add(section, f"expected [[{section}]] tables")
            elif not isinstance(value, dict):
                self.add(section, "expected a table")
        tables: dict[str, Any] = {}
        for section, keys in allowed.items():
            value = data.get(section)
            if section in arrays:
                items = [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
                for i, item in enumerate(items):
                    self.fields(item, f"{section}[{i}]", keys)
                tables[section] = items
            else:
                table = value if isinstance(value, dict) else {}
                self.fields(table, section, keys)
                tables[section] = table
        return tables


def read_spec(
    path: Path, what: str, error: type[ScenarioError], unreadable: str = "the spec"
) -> tuple[dict[str, Any], str]:
    """(the TOML tables, the text) of a spec file. A missing or unreadable file is a
    UsageError (``PATH: no such WHAT``, ``PATH: cannot read UNREADABLE: why``); invalid
    TOML is ``error`` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what}") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read {unreadable}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error([Problem(str(path), "", f"invalid TOML: {exc}")]) from None
    return data, text


def find_file(raw: str, here: Path, accept: Callable[[Path], bool] = Path.exists) -> Path | None:
    """A file a spec names: next to the spec first, then at the project root (the folder with
    pyproject.toml), then the working folder; absolute paths as they are. ``accept`` says
    what counts as found (``Path.is_file`` for a file that must be one); a path the file
    system refuses (too long a name) is not found."""

    def ok(candidate: Path) -> bool:
        try:
            return accept(candidate)
        except OSError:
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
