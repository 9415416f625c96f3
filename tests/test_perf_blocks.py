"""Rules that run firm by firm in blocks (``abm.nodes.blocks``) give the outputs of whole arrays.

The golden runs hold fewer firms than one block; here the block is made small and odd
(97 firms: many blocks, none a multiple of a SIMD width): the outputs must equal, bit for
bit, a run of the same case with one block for everything, and match the golden (to the
rounding of other CPUs, ``make_golden.ROUNDING``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abm.nodes
from abm.nodes import blocks

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


@pytest.mark.parametrize("case", make_golden.CASES[:2], ids=[c[0] for c in make_golden.CASES[:2]])
def test_small_blocks_reproduce_the_golden(case, monkeypatch):
    monkeypatch.setattr(abm.nodes, "BLOCK", 97)
    assert len(blocks(1000)) == 11
    model, regions = make_golden.run_case(ROOT, case)
    monkeypatch.undo()
    whole_model, whole_regions = make_golden.run_case(ROOT, case)  # one block for everything
    pd.testing.assert_frame_equal(model, whole_model, check_exact=True)
    pd.testing.assert_frame_equal(regions, whole_regions, check_exact=True)
    want_model = pd.read_parquet(GOLDEN / f"{case[0]}_model.parquet")
    want_regions = pd.read_parquet(GOLDEN / f"{case[0]}_regions.parquet")
    make_golden.assert_matches(model, want_model, f"{case[0]} model")
    make_golden.assert_matches(regions, want_regions, f"{case[0]} regions")


def test_blocks_cover_the_range_in_order_once():
    for count in (0, 1, abm.nodes.BLOCK - 1, abm.nodes.BLOCK, abm.nodes.BLOCK + 1, 200_003):
        got = np.concatenate([np.arange(count)[s] for s in blocks(count)] or [np.zeros(0)])
        np.testing.assert_array_equal(got, np.arange(count))
        assert all(s.stop - s.start <= abm.nodes.BLOCK for s in blocks(count))
