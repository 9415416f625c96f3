"""Property-based: malformed scenario files always give a clear ScenarioError, never a crash."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abm.errors import ScenarioError
from abm.scenario import load_raw, load_scenario
from tests.conftest import SCENARIOS, toml_literal

BASE = load_raw(SCENARIOS / "baseline.toml")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates(),
    st.lists(st.integers(), max_size=3),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(data, prefix=()):
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _paths(value, (*prefix, key))


PATHS = sorted(_paths(BASE))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=values)
def test_any_bad_value_anywhere_gives_a_scenario_error(path, value):
    try:
        load_scenario(SCENARIOS / "baseline.toml", {".".join(path): value})
    except ScenarioError as exc:
        assert exc.problems
        assert all(p.source and p.message for p in exc.problems)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=st.text(max_size=200))
def test_any_file_text_gives_a_scenario_error_or_a_scenario(tmp_path_factory, text):
    path = Path(tmp_path_factory.mktemp("fuzz")) / "s.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert str(path) in str(exc)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    key=st.text(min_size=1, max_size=10).filter(lambda k: k.isidentifier()),
    value=values,
    table=st.sampled_from(
        ["scenario", "params.firm", "regions.daegu", "centers.gwangju_nadc", "government.central"]
    ),
)
def test_unknown_or_mistyped_fields_in_files_are_named(tmp_path_factory, key, value, table):
    path = Path(tmp_path_factory.mktemp("fuzz")) / "s.toml"
    text = (
        f'inherit = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
        f"[{table}]\n{key} = {toml_literal(value)}\n"
    )
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert any(key in p.field or p.field.startswith(table) for p in exc.problems)
