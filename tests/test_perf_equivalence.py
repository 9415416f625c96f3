"""Speed work changes no draw: outputs equal the golden of the commit before it (f490682).

The golden (tests/data/golden/, made by make_golden.py there) holds the model and region
tables of three small runs. Every optimisation of the network, the firm identities and
the analytics must reproduce them exactly; a change that is meant to alter behaviour
regenerates the golden and says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


@pytest.mark.parametrize("case", make_golden.CASES, ids=[c[0] for c in make_golden.CASES])
def test_outputs_equal_the_golden_of_the_starting_commit(case):
    model, regions = make_golden.run_case(ROOT, case)
    want_model = pd.read_parquet(GOLDEN / f"{case[0]}_model.parquet")
    want_regions = pd.read_parquet(GOLDEN / f"{case[0]}_regions.parquet")
    # columns added since the golden was made are not part of the comparison
    assert set(want_model.columns) <= set(model.columns)
    assert set(want_regions.columns) <= set(regions.columns)
    pd.testing.assert_frame_equal(model[want_model.columns], want_model, check_exact=True)
    pd.testing.assert_frame_equal(
        regions[want_regions.columns], want_regions, check_exact=True
    )
