"""Property-based: any value in any field of a decision or calibration spec (or of a targets
file) is read or refused with problems naming the file and a field, never a crash. The
sweep's specs are fuzzed through the command in tests/test_fuzz_cli.py; these readers are
called directly (a valid spec would start runs through the command)."""

from __future__ import annotations

import copy
import os
import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abm.calibrate.spec import load_calibration_spec
from abm.decide.spec import load_decision
from abm.errors import ScenarioError, UserError
from abm.specutil import find_file
from tests.conftest import ROOT
from tests.test_scenario_fuzz import values  # any TOML value

# a quarter of the command fuzz's count: each case reads real scenario files (~0.3 s)
EXAMPLES = max(10, int(os.environ.get("ABM_FUZZ_EXAMPLES", "60")) // 4)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize="ABM_FUZZ_SEED" not in os.environ,
)


def _spec(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for table in data.values():  # the example's files, found from anywhere
        for item in table if isinstance(table, list) else [table]:
            for key in ("scenario", "targets"):
                if isinstance(item.get(key), str):
                    item[key] = str(find_file(item[key], path.parent))
    return data


DECISION = _spec(ROOT / "examples" / "decide_sites.toml")
CALIBRATION = _spec(ROOT / "examples" / "calibrate" / "recovery.toml")
DECISION.get("uncertainty", {}).pop("posterior", None)  # (results of a run, not shipped)
assert load_decision(DECISION) and load_calibration_spec(CALIBRATION)  # both valid as given


def _places(data, prefix=()):
    for key, value in data.items():
        yield (*prefix, key)
        if isinstance(value, dict):
            yield from _places(value, (*prefix, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    yield from _places(item, (*prefix, key, i))


def _set(data, place, value):
    data = copy.deepcopy(data)
    node = data
    for part in place[:-1]:
        node = node[part]
    node[place[-1]] = value
    return data


def _check(load, data, place, value):
    try:
        load(_set(data, place, value))
    except ScenarioError as exc:
        assert exc.problems and all(p.source and p.message for p in exc.problems)
    except UserError as exc:
        assert str(exc)


@FUZZ
@given(place=st.sampled_from(sorted(_places(DECISION), key=str)), value=values)
def test_any_value_in_a_decision_spec_is_read_or_refused(place, value):
    _check(load_decision, DECISION, place, value)


@FUZZ
@given(place=st.sampled_from(sorted(_places(CALIBRATION), key=str)), value=values)
def test_any_value_in_a_calibration_spec_is_read_or_refused(place, value):
    _check(load_calibration_spec, CALIBRATION, place, value)
