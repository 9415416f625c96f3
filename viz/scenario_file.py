"""Write a resolved Scenario as a TOML file that ``abm run`` and ``load_scenario`` accept.

Why a writer here and not a dependency: the scenario is a fixed, known shape (tables,
arrays of tables, ``[month, GPUs]`` schedules, strings, numbers, booleans and ``inf``),
and the round trip is checked by a test (file -> ``load_scenario`` -> the same dict).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from abm.scenario import Scenario

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(path: list[str], data: dict[str, Any], out: list[str]) -> None:
    plain = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_list(v)}
    if path and (plain or not data):
        out.append("")
        out.append("[" + ".".join(_key(p) for p in path) + "]")
    for k, v in plain.items():
        out.append(f"{_key(k)} = {_value(v)}")
    for k, v in data.items():
        if isinstance(v, dict):
            _table([*path, k], v, out)
    for k, v in data.items():
        if _is_table_list(v):
            for item in v:
                out.append("")
                out.append("[[" + ".".join(_key(p) for p in [*path, k]) + "]]")
                nested = {kk: vv for kk, vv in item.items() if isinstance(vv, dict)}
                for kk, vv in item.items():
                    if kk not in nested:
                        out.append(f"{_key(kk)} = {_value(vv)}")
                for kk, vv in nested.items():  # e.g. a programme's sources table
                    out.append(f"{_key(kk)} = {_value(vv)}")


def scenario_toml(scenario: Scenario, header: str = "") -> str:
    """The whole resolved scenario (no ``inherit``) as TOML text."""
    lines = [f"# {line}" for line in header.splitlines()] if header else []
    _table([], scenario.to_dict(), lines)
    return "\n".join(lines).strip() + "\n"
